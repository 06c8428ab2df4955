"""Overdue, default and loss allocation, the risk compensation reserve (风险补偿准备金), recoveries."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from funds import services as funds
from funds.models import Category, SourceKind
from ipops import audit, clock, validators
from ipops.access import Actor
from ipops.errors import FieldErrors
from ipops.money import ZERO, display_money
from pledge_finance import rules
from pledge_finance.errors import (
    LoanNotOverdue,
    PledgeErrorCode,
    RecoveryTooLarge,
    ReserveAlreadyOpen,
    ReserveExhausted,
    ReserveNotOpen,
)
from pledge_finance.lifecycles import LOAN
from pledge_finance.models import (
    PARTIES,
    Instalment,
    Loan,
    LoanState,
    LossAllocation,
    Recovery,
    ReserveEntry,
    RiskReserve,
    default_of,
)
from pledge_finance.permissions import require
from pledge_finance.services.applications import free_pledged_assets

# --- overdue, default, reserve, recovery ----------------------------------------------


def instalments_mark_overdue(*, city_id: int, today: datetime.date | None = None) -> int:
    """Nightly: every unpaid instalment past its due date becomes overdue (idempotent). Returns how many."""
    today = today or clock.today()
    marked = 0
    loan_ids = list(
        Instalment.objects.filter(
            city_id=city_id,
            loan__state=LoanState.DISBURSED,
            status=Instalment.Status.PENDING,
            due_date__lt=today,
        )
        .values_list("loan_id", flat=True)
        .distinct()
        .order_by("loan_id")
    )
    for loan_id in loan_ids:
        with transaction.atomic():
            loan = Loan.objects.select_for_update().get(pk=loan_id)
            if loan.state != LoanState.DISBURSED:
                continue
            due = [
                i
                for i in loan.instalments.select_for_update().filter(
                    status=Instalment.Status.PENDING, due_date__lt=today
                )
                if i.open_amount > 0
            ]
            for inst in due:
                inst.status = Instalment.Status.OVERDUE
                inst.overdue_since = inst.due_date + datetime.timedelta(days=1)
                inst.save(update_fields=["status", "overdue_since"])
            if due:
                marked += len(due)
                audit.record(
                    actor=None,
                    city=city_id,
                    action="loan_instalments_overdue",
                    obj=loan,
                    from_state=loan.state,
                    to_state=loan.state,
                    data={
                        "instalments": [i.number for i in due],
                        "amount": sum((i.open_amount for i in due), ZERO),
                    },
                )
    return marked


def _book(
    reserve: RiskReserve,
    *,
    kind: str,
    amount: Decimal,
    booked_on: datetime.date,
    actor=None,
    loan: Loan | None = None,
    organization_id: int | None = None,
    note: str = "",
) -> ReserveEntry:
    reserve.balance = reserve.balance + amount
    if reserve.balance < 0:  # the rules never ask for more than the balance; the database refuses too
        raise ReserveExhausted()
    reserve.save(update_fields=["balance"])
    return ReserveEntry.objects.create(
        city_id=reserve.city_id,
        reserve=reserve,
        kind=kind,
        amount=amount,
        balance_after=reserve.balance,
        loan=loan,
        organization_id=organization_id,
        booked_on=booked_on,
        note=note,
        created_by=getattr(actor, "user", None),
    )


@transaction.atomic
def loan_declare_default(*, actor: Actor, loan: Loan, default_on: datetime.date, reason: str) -> Loan:
    """Bank: declare default. The loss (outstanding principal + interest accrued to the default date) is
    split by the loan's shares to the fen; the city's reserve reimburses each institution its configured
    share of its loss while the balance lasts (the reserve row is locked, so two defaults queue)."""
    loan = LOAN.lock(loan, "product")
    LOAN.check(loan, "default", actor=actor)
    # Disbursed, so these are set.
    assert loan.disbursed_on is not None
    assert loan.annual_rate is not None
    assert loan.shares is not None
    errors = FieldErrors()
    validators.not_in_future(default_on, "default_on", errors, today=clock.today())
    if default_on <= loan.disbursed_on:
        errors.add(
            "default_on",
            PledgeErrorCode.BEFORE_DISBURSEMENT,
            _("The default date must follow the disbursement."),
        )
    reason = validators.text(reason, "reason", errors, message=_("Give the reason for the default."))
    errors.raise_if_any()
    instalments = list(loan.instalments.select_for_update().order_by("number"))
    if not any(i.due_date < default_on and i.open_amount > 0 for i in instalments):
        raise LoanNotOverdue()
    loss = rules.default_loss(
        instalments=[i.as_state() for i in instalments],
        annual_rate=loan.annual_rate,
        disbursed_on=loan.disbursed_on,
        default_on=default_on,
    )
    shares = loan.shares
    parts = rules.allocate_loss(loss.total, shares)
    reserve = RiskReserve.objects.select_for_update().filter(city_id=loan.city_id).first()
    payout_share = reserve.payout_share if reserve else ZERO
    claims = rules.reserve_claims(parts, payout_share)
    paid = rules.reserve_payouts(claims, reserve.balance if reserve else ZERO)
    for party in PARTIES:
        LossAllocation.objects.create(
            city_id=loan.city_id,
            loan=loan,
            party=party,
            organization_id=loan.party_org_id(party),
            share=shares[party],
            loss=parts[party],
            reserve_claim=claims[party],
            reserve_paid=paid[party],
        )
        if reserve and paid[party] > 0:
            # The money leaves the reserve today, when the default is declared, not on the (earlier) default
            # date: a payout dated back would precede top-ups it was paid after, and the ledger's running
            # balance (by date) could dip below zero where the reserve never did.
            _book(
                reserve,
                kind=ReserveEntry.Kind.PAYOUT,
                amount=-paid[party],
                booked_on=clock.today(),
                actor=actor,
                loan=loan,
                organization_id=loan.party_org_id(party),
                note=_("Compensation for %(loan)s (default on %(day)s)")
                % {"loan": loan.reference, "day": date_format(default_on)},
            )
    loan.default_on, loan.loss_principal, loan.loss_interest = default_on, loss.principal, loss.interest
    LOAN.apply(
        loan,
        "default",
        actor=actor,
        reason=reason,
        update_fields=["default_on", "loss_principal", "loss_interest"],
        data={
            "loss_principal": loss.principal,
            "loss_interest": loss.interest,
            "loss": loss.total,
            "allocation": parts,
            "reserve_claims": claims,
            "reserve_paid": paid,
            "reserve_balance_after": reserve.balance if reserve else None,
        },
    )
    return loan


@transaction.atomic
def loan_record_recovery(
    *,
    actor: Actor,
    loan: Loan,
    amount,
    received_on: datetime.date,
    source: str,
    release_pledge: bool = False,
) -> Recovery:
    """Bank: record money recovered after default; shared back by the loan's shares, and the reserve gets
    back the fraction of each institution's loss it had reimbursed."""
    loan = LOAN.lock(loan, "product")
    LOAN.check(loan, "recover", actor=actor)
    # Defaulted, so these are set.
    assert loan.default_on is not None
    assert loan.loss_total is not None
    assert loan.shares is not None
    errors = FieldErrors()
    amount = validators.money(amount, "amount", errors)
    validators.not_in_future(received_on, "received_on", errors, today=clock.today())
    if received_on < loan.default_on:
        errors.add("received_on", PledgeErrorCode.BEFORE_DEFAULT, _("A recovery follows the default."))
    source = validators.text(source, "source", errors, message=_("Say where the money came from."))
    errors.raise_if_any()
    assert amount is not None
    allocations = {a.party: a for a in loan.allocations.select_for_update()}
    recovered_before = sum((a.recovered for a in allocations.values()), ZERO)
    if recovered_before + amount > loan.loss_total:
        raise RecoveryTooLarge(
            fields={
                "amount": [
                    {
                        "code": RecoveryTooLarge.code,
                        "detail": display_money(loan.loss_total - recovered_before),
                    }
                ]
            }
        )
    parts = rules.recovery_split(amount, loan.shares)
    reserve = RiskReserve.objects.select_for_update().filter(city_id=loan.city_id).first()
    refunds = {}
    for party, part in parts.items():
        alloc = allocations[party]
        alloc.recovered += part
        refund = rules.reserve_refund(
            recovered_total=alloc.recovered,
            loss=alloc.loss,
            payout=alloc.reserve_paid,
            refunded_before=alloc.refunded_to_reserve,
        )
        refunds[party] = refund
        alloc.refunded_to_reserve += refund
        alloc.save(update_fields=["recovered", "refunded_to_reserve"])
        if refund > 0 and reserve:
            _book(
                reserve,
                kind=ReserveEntry.Kind.REFUND,
                amount=refund,
                booked_on=received_on,
                actor=actor,
                loan=loan,
                organization_id=alloc.organization_id,
                note=_("Refund from recovery on %(loan)s") % {"loan": loan.reference},
            )
    recovery = Recovery.objects.create(
        city_id=loan.city_id,
        loan=loan,
        received_on=received_on,
        amount=amount,
        source=source,
        recorded_by=actor.user,
        parts={p: str(v) for p, v in parts.items()},
    )
    fields = []
    if release_pledge and loan.pledge_released_at is None:
        free_pledged_assets(loan, actor)
        fields.append("pledge_released_at")
    LOAN.apply(
        loan,
        "recover",
        actor=actor,
        update_fields=fields,
        data={"amount": amount, "parts": parts, "reserve_refunds": refunds, "released": bool(fields)},
    )
    return recovery


@transaction.atomic
def loan_release_pledge(*, actor: Actor, loan: Loan, reason: str) -> Loan:
    """Bank: release a defaulted loan's pledge (the patents were disposed of, or the claim written off)."""
    loan = LOAN.lock(loan, "product")
    LOAN.check(loan, "release_pledge", actor=actor)
    errors = FieldErrors()
    reason = validators.text(reason, "reason", errors, message=_("Give the reason."))
    errors.raise_if_any()
    # Checked and audited while the pledge is still held (the step's guard), then released.
    LOAN.apply(loan, "release_pledge", actor=actor, reason=reason, save=False)
    free_pledged_assets(loan, actor)
    loan.save(update_fields=["pledge_released_at", "updated_at"])
    return loan


# --- the reserve ----------------------------------------------------------------------

#: Money put into the reserve is public money paid out of the special budget. It is drawn on the municipal
#: source: the reserve is the city's own standing commitment to its lenders (it outlives the three-year
#: plan and is refilled from recoveries), while central money is tied to the plan and measured at the
#: mid-term review, and its second tranche may never arrive.
RESERVE_SOURCE = SourceKind.MUNICIPAL


def _post_to_budget(actor: Actor, entry: ReserveEntry) -> None:
    """Book the money put into the reserve as an expenditure of the special budget, in the caller's
    transaction: if the budget refuses (not open, the source short), the reserve entry goes too."""
    funds.budget_spend(
        actor=actor,
        city=actor.city,
        source_kind=RESERVE_SOURCE,
        category=Category.RISK_RESERVE,
        amount=entry.amount,
        spent_on=entry.booked_on,
        reference=f"{ReserveEntry._meta.label_lower}:{entry.pk}",
        note=entry.note,
    )


@transaction.atomic
def reserve_open(
    *,
    actor: Actor,
    opening_balance,
    payout_share: Decimal | None = None,
    opened_on: datetime.date | None = None,
    name: str = "",
) -> RiskReserve:
    """Bureau: open the city's risk compensation reserve (e.g. Qingdao: 30,000,000); the opening balance is
    paid out of the special budget (`RESERVE_SOURCE`)."""
    require(actor, "reserve.manage")
    errors = FieldErrors()
    balance = validators.money(opening_balance, "opening_balance", errors, positive=False)
    if payout_share is None:
        payout_share = default_of(RiskReserve, "payout_share")
    share = validators.rate(payout_share, "payout_share", errors)
    errors.raise_if_any()
    assert balance is not None
    assert share is not None
    if RiskReserve.objects.exists():
        raise ReserveAlreadyOpen()
    opened_on = opened_on or clock.today()
    try:
        with transaction.atomic():
            reserve = RiskReserve.objects.create(
                city=actor.city,
                name=name or _("Risk compensation reserve"),
                opening_balance=balance,
                balance=ZERO,
                payout_share=share,
                opened_on=opened_on,
            )
    except IntegrityError as exc:
        raise ReserveAlreadyOpen() from exc
    opening = _book(
        reserve,
        kind=ReserveEntry.Kind.OPENING,
        amount=balance,
        booked_on=opened_on,
        actor=actor,
        note=_("Opening balance"),
    )
    if balance > 0:
        _post_to_budget(actor, opening)
    audit.record(
        actor=actor.user,
        city=actor.city,
        action="reserve_open",
        obj=reserve,
        data={"opening_balance": balance, "payout_share": share},
    )
    return reserve


@transaction.atomic
def reserve_top_up(
    *, actor: Actor, amount, note: str, booked_on: datetime.date | None = None
) -> ReserveEntry:
    """Bureau: add money to the reserve (a further payment out of the special budget)."""
    require(actor, "reserve.manage")
    errors = FieldErrors()
    amount = validators.money(amount, "amount", errors)
    note = validators.text(note, "note", errors, message=_("Say where the money comes from."))
    # Money that has not arrived is not in the reserve: a top-up dated ahead would let the ledger show
    # a balance the reserve does not hold yet.
    booked_on = validators.not_in_future(booked_on, "booked_on", errors, today=clock.today())
    errors.raise_if_any()
    assert amount is not None
    reserve = RiskReserve.objects.select_for_update().filter(city_id=actor.city.pk).first()
    if reserve is None:
        raise ReserveNotOpen()
    entry = _book(
        reserve,
        kind=ReserveEntry.Kind.TOP_UP,
        amount=amount,
        booked_on=booked_on or clock.today(),
        actor=actor,
        note=note,
    )
    _post_to_budget(actor, entry)
    audit.record(
        actor=actor.user,
        city=actor.city,
        action="reserve_top_up",
        obj=reserve,
        data={"amount": amount, "balance": reserve.balance},
    )
    return entry


@transaction.atomic
def reserve_update(*, actor: Actor, payout_share) -> RiskReserve:
    """Bureau: change the share of each institution's loss the reserve reimburses (future defaults only)."""
    require(actor, "reserve.manage")
    errors = FieldErrors()
    share = validators.rate(payout_share, "payout_share", errors)
    errors.raise_if_any()
    assert share is not None
    reserve = RiskReserve.objects.select_for_update().filter(city_id=actor.city.pk).first()
    if reserve is None:
        raise ReserveNotOpen()
    before = reserve.payout_share
    reserve.payout_share = share
    reserve.save(update_fields=["payout_share"])
    audit.record(
        actor=actor.user,
        city=actor.city,
        action="reserve_update",
        obj=reserve,
        data={"payout_share_before": before, "payout_share": share},
    )
    return reserve
