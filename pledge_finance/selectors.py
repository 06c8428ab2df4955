"""Reads of pledge finance, always through the actor's view of the city (see `permissions`)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from ipops.access import Actor
from ipops.models import Encumbrance, IPAsset, LegalStatus
from ipops.money import ZERO, MoneyField
from ipops.visibility import get_visible_or_404, restrict
from pledge_finance.models import (
    PARTIES,
    ApprovalDecision,
    Instalment,
    InstitutionRole,
    Loan,
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


class Balances(TypedDict):
    outstanding: Decimal
    overdue_amount: Decimal


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    #: A loan with its outstanding principal and overdue amount (`with_balances`).
    LoanWithBalances = WithAnnotations[Loan, Balances]


def with_balances(qs: QuerySet[Loan]) -> QuerySet[LoanWithBalances]:
    """Annotate outstanding principal and overdue amount (one join, whatever the page size)."""
    return qs.annotate(
        outstanding=Coalesce(
            Sum(
                F("instalments__principal_due") - F("instalments__principal_paid"), output_field=MoneyField()
            ),
            _zero(),
        ),
        overdue_amount=Coalesce(
            Sum(
                F("instalments__principal_due")
                + F("instalments__interest_due")
                - F("instalments__principal_paid")
                - F("instalments__interest_paid"),
                filter=Q(instalments__status=Instalment.Status.OVERDUE),
                output_field=MoneyField(),
            ),
            _zero(),
        ),
    )


def loan_list(
    actor: Actor, *, state: str = "", product: int | None = None, q: str = "", year: int | None = None
) -> QuerySet[LoanWithBalances]:
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
    return with_balances(qs).order_by("-created_at", "-id")


def loan_get(actor: Actor, pk) -> Loan:
    """One loan, or 404 — the same answer for another city's loan, or one the actor is no party to."""
    return get_visible_or_404(_loans(), actor, pk)


def loan_file(actor: Actor, pk) -> Loan:
    """One loan with everything its file shows (schedule, decisions, repayments, losses, recoveries),
    or 404 as `loan_get`: a fixed number of queries."""
    return get_visible_or_404(
        _loans().prefetch_related(
            Prefetch("instalments", queryset=Instalment.objects.order_by("number")),
            Prefetch(
                "decisions", queryset=ApprovalDecision.objects.select_related("organization", "decided_by")
            ),
            "repayments",
            Prefetch("allocations", queryset=LossAllocation.objects.select_related("organization")),
            "recoveries",
        ),
        actor,
        pk,
    )


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime.date | datetime.datetime
    kind: str
    label: str
    who: str = ""
    detail: str = ""
    amount: Decimal | None = None

    @property
    def day(self) -> datetime.date:
        return self.at.date() if isinstance(self.at, datetime.datetime) else self.at


def loan_timeline(loan: Loan) -> list[TimelineEvent]:
    """Every event of the loan in order, from its business records (dates as the parties booked them)."""
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

    def key(e: TimelineEvent):
        at = e.at
        moment = (
            at
            if isinstance(at, datetime.datetime)
            else datetime.datetime.combine(at, datetime.time.max, tzinfo=datetime.UTC)
        )
        return moment.timestamp()

    return sorted(ev, key=key)


def loan_figures(loan: Loan, *, today: datetime.date) -> dict:
    instalments = list(loan.instalments.all())
    outstanding = sum((i.principal_due - i.principal_paid for i in instalments), ZERO)
    overdue = [
        i
        for i in instalments
        if i.status == Instalment.Status.OVERDUE
        or (i.status == Instalment.Status.PENDING and i.due_date < today and i.open_amount > 0)
    ]
    upcoming = next((i for i in instalments if i.open_amount > 0 and i not in overdue), None)
    return {
        "instalments": instalments,
        "outstanding_principal": outstanding,
        "overdue_amount": sum((i.open_amount for i in overdue), ZERO),
        "overdue_count": len(overdue),
        "next_instalment": upcoming,
        "paid_total": sum((i.principal_paid + i.interest_paid for i in instalments), ZERO),
        "scheduled_interest": sum((i.interest_due for i in instalments), ZERO),
    }


def loan_assets(loan: Loan) -> list[IPAsset]:
    return list(IPAsset.objects.filter(pk__in=loan.loan_assets.values("asset_id")).order_by("pk"))


def decisions_by_party(loan: Loan) -> dict[str, ApprovalDecision]:
    return {d.party: d for d in loan.decisions.all()}


# --- queues and portfolios -----------------------------------------------------------


def review_queue(actor: Actor) -> dict[str, list[Loan] | list[LoanWithBalances]]:
    """What waits for this institution, by the work it does: valuations (an appraiser); decisions (the
    three parties); disbursements and overdue loans (a bank)."""
    qs = loan_queryset(actor)
    role = institution_of(actor.role)
    out: dict[str, list[Loan] | list[LoanWithBalances]] = {}
    if role == InstitutionRole.APPRAISER:
        out["to_value"] = list(qs.filter(state=LoanState.SUBMITTED).order_by("submitted_at"))
    if role in PARTIES:
        out["to_decide"] = list(
            qs.filter(state=LoanState.VALUED).exclude(decisions__party=role).order_by("valued_on")
        )
    if role == InstitutionRole.BANK:
        out["to_disburse"] = list(qs.filter(state=LoanState.APPROVED).order_by("decided_at"))
        out["overdue"] = list(
            with_balances(qs.filter(state=LoanState.DISBURSED))
            .filter(overdue_amount__gt=ZERO)
            .order_by("-overdue_amount")
        )
    return out


def portfolio(actor: Actor) -> dict:
    """An institution's loans: live outstanding and overdue, defaults with its loss part and reserve payouts."""
    qs = loan_queryset(actor)
    live = with_balances(qs.filter(state=LoanState.DISBURSED)).order_by("maturity_date")
    live_rows = list(live)
    org = actor.organization_id
    allocations = (
        LossAllocation.objects.filter(organization_id=org).select_related("loan", "loan__enterprise")
        if org is not None
        else LossAllocation.objects.none()
    )
    alloc_rows = list(allocations.order_by("-loan__default_on"))
    by_state = dict(qs.values_list("state").annotate(n=Count("id")).order_by())
    return {
        "live": live_rows,
        "live_count": len(live_rows),
        "outstanding": sum((r.outstanding for r in live_rows), ZERO),
        "overdue": sum((r.overdue_amount for r in live_rows), ZERO),
        "overdue_count": sum(1 for r in live_rows if r.overdue_amount > 0),
        "disbursed_total": qs.filter(disbursed_on__isnull=False).aggregate(s=Sum("amount"))["s"] or ZERO,
        "by_state": [
            {"state": s, "label": LoanState(s).label, "n": by_state.get(s, 0)} for s in LoanState.values
        ],
        "allocations": alloc_rows,
        "loss_total": sum((a.loss for a in alloc_rows), ZERO),
        "reserve_paid_total": sum((a.reserve_paid for a in alloc_rows), ZERO),
        "recovered_total": sum((a.recovered for a in alloc_rows), ZERO),
        "net_loss_total": sum((a.net_loss for a in alloc_rows), ZERO),
    }


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
        "outstanding": Instalment.objects.filter(loan__state=LoanState.DISBURSED).aggregate(
            s=Sum(F("principal_due") - F("principal_paid"))
        )["s"]
        or ZERO,
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
    """The actor's own assets in force and not pledged (what an application may offer)."""
    pledged = Encumbrance.objects.filter(
        kind__in=["pledge", "sale_pending"], released_at__isnull=True
    ).values("asset_id")
    return (
        IPAsset.objects.filter(owner_id=actor.organization_id, legal_status=LegalStatus.IN_FORCE)
        .exclude(pk__in=pledged)
        .order_by("-filing_date", "pk")
    )


def reserve_get() -> RiskReserve | None:
    return RiskReserve.objects.first()


def reserve_ledger(reserve: RiskReserve) -> QuerySet[ReserveEntry]:
    return reserve.entries.select_related("loan", "organization", "created_by").order_by("-booked_on", "-id")


def reserve_totals(reserve: RiskReserve) -> dict:
    rows = dict(reserve.entries.values_list("kind").annotate(s=Sum("amount")).order_by())
    return {kind: rows.get(kind, ZERO) for kind in ReserveEntry.Kind.values}
