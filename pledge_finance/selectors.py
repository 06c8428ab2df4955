"""Reads of pledge finance, always through the actor's view of the city (see `permissions`)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, ExtractYear, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from ipops import clock
from ipops import rules as registry_rules
from ipops.access import Actor
from ipops.models import Encumbrance, IPAsset, LegalStatus
from ipops.money import ZERO, MoneyField
from ipops.visibility import get_visible_or_404, restrict
from pledge_finance import rules
from pledge_finance.models import (
    PARTIES,
    ApprovalDecision,
    Instalment,
    InstitutionRole,
    Loan,
    LoanAsset,
    LoanFee,
    LoanFeeKind,
    LoanProduct,
    LoanState,
    LossAllocation,
    ProductInstitution,
    ReserveEntry,
    RiskReserve,
    institution_of,
)


def _zero():
    return Value(ZERO, output_field=MoneyField())


def _loans() -> QuerySet[Loan]:
    return Loan.objects.select_related("product", "enterprise", "bank", "insurer", "guarantor", "appraiser")


def loan_queryset(actor: Actor) -> QuerySet[Loan]:
    """The loans this actor may see (`pledge_finance.permissions.loan_visibility`)."""
    return restrict(_loans(), actor)


class Figures(TypedDict):
    outstanding: Decimal
    overdue_amount: Decimal
    overdue_count: int
    next_due_on: datetime.date | None


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    #: A loan with its figures (`with_figures`).
    LoanWithFigures = WithAnnotations[Loan, Figures]


def _open_instalment(prefix: str = "") -> Q:
    """An instalment with principal or interest still unpaid."""
    return Q(**{f"{prefix}principal_paid__lt": F(f"{prefix}principal_due")}) | Q(
        **{f"{prefix}interest_paid__lt": F(f"{prefix}interest_due")}
    )


def with_figures(qs: QuerySet[Loan], *, today: datetime.date | None = None) -> QuerySet[LoanWithFigures]:
    """A loan's figures as of `today` (Beijing), the one definition every page and the API read:

    - `outstanding`: principal not yet repaid, of a live (disbursed) loan;
    - `overdue_amount` / `overdue_count`: what is unpaid of the live loan's instalments due before today
      (whether or not the nightly job has flagged them yet: a page never waits for it);
    - `next_due_on`: the due date of the first unpaid instalment not yet overdue.

    Other states have none (0 and None): a repaid loan owes nothing, a defaulted one's debt is its loss.
    One join of the instalments, whatever the page size.
    """
    today = today or clock.today()
    live = Q(state=LoanState.DISBURSED)
    late = live & Q(instalments__due_date__lt=today) & _open_instalment("instalments__")
    return qs.annotate(
        outstanding=Coalesce(
            Sum(
                F("instalments__principal_due") - F("instalments__principal_paid"),
                filter=live,
                output_field=MoneyField(),
            ),
            _zero(),
        ),
        overdue_amount=Coalesce(
            Sum(
                F("instalments__principal_due")
                + F("instalments__interest_due")
                - F("instalments__principal_paid")
                - F("instalments__interest_paid"),
                filter=late,
                output_field=MoneyField(),
            ),
            _zero(),
        ),
        overdue_count=Count("instalments", filter=late),
        next_due_on=Min(
            "instalments__due_date",
            filter=live & Q(instalments__due_date__gte=today) & _open_instalment("instalments__"),
        ),
    )


def instalments_as_of(today: datetime.date) -> QuerySet[Instalment]:
    """Instalments with their `standing` as of `today`, by the same rule as `with_figures`: paid, overdue
    (unpaid and due before today) or pending (not due yet)."""
    return Instalment.objects.annotate(
        standing=Case(
            When(~_open_instalment(), then=Value(Instalment.Status.PAID)),
            When(due_date__lt=today, then=Value(Instalment.Status.OVERDUE)),
            default=Value(Instalment.Status.PENDING),
            output_field=CharField(),
        )
    ).order_by("number")


def loan_list(
    actor: Actor, *, state: str = "", product: int | None = None, q: str = "", year: int | None = None
) -> QuerySet[LoanWithFigures]:
    qs = loan_queryset(actor)
    if state:
        qs = qs.filter(state=state)
    if product:
        qs = qs.filter(product_id=product)
    if year:
        qs = qs.filter(created_at__year=year)
    if q:
        qs = qs.filter(
            Q(enterprise__name__icontains=q)
            | Q(contract_number__icontains=q)
            | Q(pledge_registration_number__icontains=q)
            | Q(purpose__icontains=q)
        )
    return with_figures(qs).order_by("-created_at", "-id")


def loan_get(actor: Actor, pk) -> Loan:
    """One loan, or 404 — the same answer for another city's loan, or one the actor is no party to."""
    return get_visible_or_404(_loans(), actor, pk)


def loan_file(actor: Actor, pk, *, today: datetime.date | None = None) -> LoanWithFigures:
    """One loan with its figures (`with_figures`) and everything its file shows (schedule with each
    instalment's standing, decisions, repayments, losses, recoveries), or 404 as `loan_get`: a fixed number
    of queries."""
    today = today or clock.today()
    return get_visible_or_404(
        with_figures(_loans(), today=today).prefetch_related(
            Prefetch("instalments", queryset=instalments_as_of(today)),
            Prefetch(
                "decisions", queryset=ApprovalDecision.objects.select_related("organization", "decided_by")
            ),
            "repayments",
            "fees",
            Prefetch("allocations", queryset=LossAllocation.objects.select_related("organization")),
            "recoveries",
        ),
        actor,
        pk,
    )


#: The order of a loan's events on one day: its lifecycle's, which is the order they are recorded in (a
#: valuation dated the day of the application still follows it; an instalment falls overdue at the start of
#: its day, before that day's repayment).
STAGES = (
    "create",
    "submit",
    "value",
    "decision",
    "approve",
    "reject",
    "withdraw",
    "contract",
    "pledge",
    "disburse",
    "fee",
    "overdue",
    "repayment",
    "default",
    "recovery",
    "release",
    "close",
)


@dataclass(frozen=True)
class TimelineEvent:
    """One event of a loan: a moment (a datetime, shown in Beijing time) or a day the parties booked."""

    at: datetime.date | datetime.datetime
    kind: str
    label: str
    who: str = ""
    detail: str = ""
    amount: Decimal | None = None

    @property
    def day(self) -> datetime.date:
        """The day in Beijing (a decision at 01:18 Beijing time is that day's, not UTC's day before)."""
        return timezone.localdate(self.at) if isinstance(self.at, datetime.datetime) else self.at

    @property
    def time(self) -> datetime.time | None:
        """The time of day in Beijing, for a moment; None for a booked day."""
        return timezone.localtime(self.at).time() if isinstance(self.at, datetime.datetime) else None

    @property
    def stage(self) -> str:
        return self.kind.split("_")[0]

    def sort_key(self) -> tuple:
        """Day, then the lifecycle's order, then the time of day where there is one."""
        return (self.day, STAGES.index(self.stage), self.time or datetime.time.min)


def loan_timeline(loan: Loan) -> list[TimelineEvent]:
    """Every event of the loan in the order it happened: by its day in Beijing; on one day in the
    lifecycle's order, then by time; events of one kind keep the order they were recorded in."""
    ev: list[TimelineEvent] = [
        TimelineEvent(
            loan.created_at, "create", _("Application started"), loan.enterprise.name, amount=loan.amount
        )
    ]
    if loan.submitted_at:
        ev.append(
            TimelineEvent(
                loan.submitted_at,
                "submit",
                _("Application submitted; assets held for the pledge"),
                loan.enterprise.name,
            )
        )
    if loan.valued_on:
        ev.append(
            TimelineEvent(
                loan.valued_on,
                "value",
                _("Valuation recorded"),
                loan.appraiser.name if loan.appraiser else "",
                loan.valuation_report_ref,
                loan.appraised_value,
            )
        )
    for d in loan.decisions.all():
        label = _("Approved") if d.decision == "approve" else _("Rejected")
        ev.append(
            TimelineEvent(
                d.decided_at,
                f"decision_{d.decision}",
                f"{label} · {d.get_party_display()}",
                f"{d.organization.name} ({d.decided_by})",
                d.comment,
            )
        )
    if loan.decided_at and loan.insurer_share is not None:
        ev.append(TimelineEvent(loan.decided_at, "approve", _("Approved by all three parties; shares fixed")))
    if loan.decided_at and loan.state == LoanState.REJECTED:
        ev.append(TimelineEvent(loan.decided_at, "reject", _("Application rejected; assets released")))
    if loan.state == LoanState.WITHDRAWN:
        ev.append(
            TimelineEvent(
                loan.closed_on or loan.updated_at,
                "withdraw",
                _("Application withdrawn"),
                loan.enterprise.name,
            )
        )
    if loan.contract_signed_on:
        ev.append(
            TimelineEvent(
                loan.contract_signed_on,
                "contract",
                _("Contract signed"),
                loan.bank.name,
                loan.contract_number,
            )
        )
    if loan.pledge_registered_on:
        ev.append(
            TimelineEvent(
                loan.pledge_registered_on,
                "pledge",
                _("Pledge registered with CNIPA"),
                "",
                loan.pledge_registration_number,
            )
        )
    if loan.disbursed_on:
        ev.append(
            TimelineEvent(loan.disbursed_on, "disburse", _("Disbursed"), loan.bank.name, amount=loan.amount)
        )
    for repayment in loan.repayments.all():
        ev.append(
            TimelineEvent(
                repayment.paid_on,
                "repayment",
                _("Repayment received"),
                loan.bank.name,
                repayment.reference,
                repayment.amount,
            )
        )
    for fee in loan.fees.all():
        ev.append(
            TimelineEvent(
                fee.paid_on,
                "fee",
                _("Fee paid · %(kind)s") % {"kind": fee.get_kind_display()},
                fee.payee,
                fee.invoice_ref,
                fee.amount,
            )
        )
    for i in loan.instalments.all():
        if i.overdue_since:
            ev.append(
                TimelineEvent(
                    i.overdue_since,
                    "overdue",
                    _("Instalment %(n)s overdue") % {"n": i.number},
                    amount=i.total_due,
                )
            )
    if loan.default_on:
        ev.append(
            TimelineEvent(
                loan.default_on,
                "default",
                _("Default declared; loss allocated"),
                loan.bank.name,
                amount=loan.loss_total,
            )
        )
    for recovery in loan.recoveries.all():
        ev.append(
            TimelineEvent(
                recovery.received_on, "recovery", _("Recovery received"), "", recovery.source, recovery.amount
            )
        )
    if loan.closed_on and loan.state == LoanState.REPAID:
        ev.append(TimelineEvent(loan.closed_on, "close", _("Repaid in full; pledge released")))
    elif loan.pledge_released_at and loan.state == LoanState.DEFAULTED:
        ev.append(TimelineEvent(loan.pledge_released_at, "release", _("Pledge released")))
    # A stable sort: events with the same key keep the order they were recorded in (above).
    return sorted(ev, key=TimelineEvent.sort_key)


def loan_assets(loan: Loan) -> list[LoanAsset]:
    """The loan's pledged assets, each with the value the loan's appraisal gave it."""
    return list(loan.loan_assets.select_related("asset").order_by("asset_id"))


# --- fees paid on a loan ------------------------------------------------------------------


def loan_fees(loan: Loan) -> QuerySet[LoanFee]:
    """The fees the enterprise paid on the loan, in the order they were paid (whoever sees the loan sees
    them: the caller has looked the loan up through `loan_get` / `loan_file`)."""
    return loan.fees.select_related("recorded_by").order_by("paid_on", "id")


@dataclass(frozen=True)
class FeeTotal:
    kind: str
    label: str
    amount: Decimal
    count: int


def fees_by_kind(fees) -> list[FeeTotal]:
    """What was paid per kind of fee, in the kinds' order, from the loan's fees (prefetched or not)."""
    totals: dict[str, tuple[Decimal, int]] = {}
    for fee in fees:
        amount, count = totals.get(fee.kind, (ZERO, 0))
        totals[fee.kind] = (amount + fee.amount, count + 1)
    return [
        FeeTotal(kind, str(label), *totals[kind]) for kind, label in LoanFeeKind.choices if kind in totals
    ]


@dataclass(frozen=True)
class FeesPaid:
    """One loan's fees of one kind paid in one year: what a fee subsidy's claim rests on."""

    loan: Loan
    year: int
    amount: Decimal
    invoices: int


def fees_paid(*, enterprise_id: int, kind: str, year: int | None = None) -> list[FeesPaid]:
    """Per loan of the enterprise and year of payment, the fees of `kind` it paid (in `year`, or every
    year), oldest first. Read inside the city's scope, for the subsidies computed from them."""
    fees = LoanFee.objects.filter(loan__enterprise_id=enterprise_id, kind=kind)
    if year is not None:
        fees = fees.filter(paid_on__year=year)
    rows = list(
        fees.annotate(year=ExtractYear("paid_on"))
        .values("loan_id", "year")
        .annotate(amount=Sum("amount"), invoices=Count("invoice_ref", distinct=True))
        .order_by("year", "loan_id")
    )
    loans = Loan.objects.in_bulk({row["loan_id"] for row in rows})
    return [FeesPaid(loans[r["loan_id"]], r["year"], r["amount"], r["invoices"]) for r in rows]


def decisions_by_party(loan: Loan) -> dict[str, ApprovalDecision]:
    return {d.party: d for d in loan.decisions.all()}


# --- queues and portfolios -----------------------------------------------------------


def review_queue(actor: Actor) -> dict[str, list[LoanWithFigures]]:
    """What waits for this institution, by the work it does: valuations (an appraiser); decisions (the
    three parties); disbursements and overdue loans (a bank)."""
    qs = with_figures(loan_queryset(actor))
    role = institution_of(actor.role)
    out: dict[str, list[LoanWithFigures]] = {}
    if role == InstitutionRole.APPRAISER:
        out["to_value"] = list(qs.filter(state=LoanState.SUBMITTED).order_by("submitted_at"))
    if role in PARTIES:
        out["to_decide"] = list(
            qs.filter(state=LoanState.VALUED).exclude(decisions__party=role).order_by("valued_on")
        )
    if role == InstitutionRole.BANK:
        out["to_disburse"] = list(qs.filter(state=LoanState.APPROVED).order_by("decided_at"))
        out["overdue"] = list(
            qs.filter(state=LoanState.DISBURSED, overdue_amount__gt=ZERO).order_by("-overdue_amount")
        )
    return out


@dataclass(frozen=True)
class MonthFigures:
    """One month of an institution's lending: what it disbursed, and how much of that is still owed."""

    month: datetime.date
    disbursed: Decimal
    outstanding: Decimal


def _months(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = rules.add_months(month, 1)
    return months


def portfolio(actor: Actor) -> dict:
    """An institution's loans: live outstanding and overdue, defaults with its loss part and reserve
    payouts, and its lending by month of disbursement (every month from the first to the last)."""
    qs = loan_queryset(actor)
    live_rows = list(with_figures(qs.filter(state=LoanState.DISBURSED)).order_by("maturity_date"))
    org = actor.organization_id
    allocations = (
        LossAllocation.objects.filter(organization_id=org).select_related("loan", "loan__enterprise")
        if org is not None
        else LossAllocation.objects.none()
    )
    alloc_rows = list(allocations.order_by("-loan__default_on"))
    by_state = dict(qs.values_list("state").annotate(n=Count("id")).order_by())
    disbursed = dict(
        qs.filter(disbursed_on__isnull=False)
        .annotate(month=TruncMonth("disbursed_on"))
        .values_list("month")
        .annotate(s=Sum("amount"))
        .order_by()
    )
    outstanding_by_month: dict[datetime.date, Decimal] = {}
    for row in live_rows:
        assert row.disbursed_on is not None  # live
        month = row.disbursed_on.replace(day=1)
        outstanding_by_month[month] = outstanding_by_month.get(month, ZERO) + row.outstanding
    by_month = (
        [
            MonthFigures(m, disbursed.get(m, ZERO), outstanding_by_month.get(m, ZERO))
            for m in _months(min(disbursed), max(disbursed))
        ]
        if disbursed
        else []
    )
    return {
        "live": live_rows,
        "live_count": len(live_rows),
        "outstanding": sum((r.outstanding for r in live_rows), ZERO),
        "overdue": sum((r.overdue_amount for r in live_rows), ZERO),
        "overdue_count": sum(1 for r in live_rows if r.overdue_amount > 0),
        "disbursed_total": sum(disbursed.values(), ZERO),
        "by_state": [
            {"state": s, "label": LoanState(s).label, "n": by_state.get(s, 0)} for s in LoanState.values
        ],
        "by_month": by_month,
        "allocations": alloc_rows,
        "loss_total": sum((a.loss for a in alloc_rows), ZERO),
        "reserve_paid_total": sum((a.reserve_paid for a in alloc_rows), ZERO),
        "recovered_total": sum((a.recovered for a in alloc_rows), ZERO),
        "net_loss_total": sum((a.net_loss for a in alloc_rows), ZERO),
    }


def portfolio_loans(actor: Actor) -> QuerySet[LoanWithFigures]:
    """Every loan of an institution's portfolio with its figures and the institution's own part of a loss
    (`our_allocations`): what its export lists."""
    return (
        with_figures(loan_queryset(actor))
        .prefetch_related(
            Prefetch(
                "allocations",
                queryset=LossAllocation.objects.filter(organization_id=actor.organization_id),
                to_attr="our_allocations",
            )
        )
        .order_by("-created_at", "-id")
    )


def city_summary() -> dict:
    """Bureau: the city's pledge financing at a glance (inside the city scope)."""
    qs = Loan.objects.all()
    disbursed = qs.filter(disbursed_on__isnull=False)
    by_state = dict(qs.values_list("state").annotate(n=Count("id")).order_by())
    return {
        "loan_count": qs.count(),
        "disbursed_count": disbursed.count(),
        "disbursed_total": disbursed.aggregate(s=Sum("amount"))["s"] or ZERO,
        "enterprise_count": disbursed.values("enterprise_id").distinct().count(),
        "pledged_assets": Encumbrance.objects.filter(
            kind="pledge", released_at__isnull=True, source__startswith="pledge_finance.loan:"
        ).count(),
        "outstanding": with_figures(qs.filter(state=LoanState.DISBURSED)).aggregate(
            s=Coalesce(Sum("outstanding"), _zero())
        )["s"],
        "defaulted_count": by_state.get(LoanState.DEFAULTED, 0),
        "by_state": [
            {"state": s, "label": LoanState(s).label, "n": by_state.get(s, 0)} for s in LoanState.values
        ],
    }


# --- products, assets, reserve ---------------------------------------------------------


def _products() -> QuerySet[LoanProduct]:
    """Products with their institutions and those institutions' organisations: two queries in all."""
    return LoanProduct.objects.prefetch_related(
        Prefetch("institutions", queryset=ProductInstitution.objects.select_related("organization"))
    ).order_by("name")


def product_list(actor: Actor, *, active_only: bool = False) -> QuerySet[LoanProduct]:
    qs = restrict(_products(), actor)
    return qs.filter(is_active=True) if active_only else qs


def product_get(actor: Actor, pk) -> LoanProduct:
    return get_visible_or_404(_products(), actor, pk)


def pledgeable_assets(actor: Actor) -> QuerySet[IPAsset]:
    """The actor's own assets in force and free to pledge (what an application may offer), by the
    registry's rule of what blocks a pledge."""
    blocked = Encumbrance.objects.filter(
        kind__in=sorted(registry_rules.BLOCKING["pledge"]), released_at__isnull=True
    ).values("asset_id")
    return (
        IPAsset.objects.filter(owner_id=actor.organization_id, legal_status=LegalStatus.IN_FORCE)
        .exclude(pk__in=blocked)
        .order_by("-filing_date", "pk")
    )


def reserve_get() -> RiskReserve | None:
    return RiskReserve.objects.first()


def reserve_ledger(reserve: RiskReserve) -> QuerySet[ReserveEntry]:
    """The reserve's movements in the order they happened: by the day of the movement, then in the order
    they were booked. `balance` is the running balance in that order — each row's is the previous row's
    plus its amount — so a movement booked late under an earlier date (a top-up entered afterwards)
    still reads as a running balance; the last row's is the reserve's balance."""
    order = [F("booked_on").asc(), F("id").asc()]
    return (
        reserve.entries.select_related("loan", "organization", "created_by")
        .annotate(balance=Window(Sum("amount"), order_by=order))
        .order_by(*order)
    )


def reserve_entry(reserve: RiskReserve, pk: int) -> ReserveEntry:
    """One movement with its running balance as the ledger shows it (`reserve_ledger`)."""
    up_to_it = (
        ReserveEntry.objects.filter(reserve=reserve)
        .filter(
            Q(booked_on__lt=OuterRef("booked_on"))
            | Q(booked_on=OuterRef("booked_on"), id__lte=OuterRef("pk"))
        )
        .values("reserve")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    return (
        reserve.entries.select_related("organization")
        .annotate(balance=Subquery(up_to_it, output_field=MoneyField()))
        .get(pk=pk)
    )


def reserve_totals(reserve: RiskReserve) -> dict:
    rows = dict(reserve.entries.values_list("kind").annotate(s=Sum("amount")).order_by())
    return {kind: rows.get(kind, ZERO) for kind in ReserveEntry.Kind.values}
