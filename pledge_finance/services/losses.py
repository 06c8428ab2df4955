"""Overdue, default and loss allocation, the risk compensation reserve (风险补偿准备金), recoveries."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ipops import audit
from ipops.access import Actor
from ipops.errors import FieldErrors, ValidationFailed
from ipops.money import ZERO
from pledge_finance import rules
from pledge_finance.errors import (
    LoanNotOverdue,
    PledgeAlreadyReleased,
    RecoveryTooLarge,
    ReserveAlreadyOpen,
    ReserveNotOpen,
)
from pledge_finance.models import (
    Instalment,
    Loan,
    LoanState,
    LossAllocation,
    Recovery,
    ReserveEntry,
    RiskReserve,
)
from pledge_finance.permissions import require
from pledge_finance.services._common import _check_state, _lock, _money, _move, _rate, _today, _user
from pledge_finance.services.loans import _release_pledge

# --- overdue, default, reserve, recovery ----------------------------------------------


def instalments_mark_overdue(*, city_id: int, today: datetime.date | None = None) -> int:
    """Nightly: every unpaid instalment past its due date becomes overdue (idempotent). Returns how many."""
    today = today or _today()
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
        raise ReserveNotOpen(_("The reserve cannot go negative."), code="reserve_exhausted")
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
        created_by=_user(actor),
    )


@transaction.atomic
def loan_declare_default(*, actor: Actor, loan: Loan, default_on: datetime.date, reason: str) -> Loan:
    """Bank: declare default. The loss (outstanding principal + interest accrued to the default date) is
    split by the loan's shares to the fen; the city's reserve reimburses each institution its configured
    share of its loss while the balance lasts (the reserve row is locked, so two defaults queue)."""
    loan = _lock(loan)
    require(actor, "loan.service", loan)
    _check_state(loan, "default")
    errors = FieldErrors()
    if default_on > _today():
        errors.add("default_on", "in_future", _("The default date cannot be in the future."))
    if default_on <= loan.disbursed_on:
        errors.add("default_on", "before_disbursement", _("The default date must follow the disbursement."))
    if not (reason or "").strip():
        errors.add("reason", "required", _("Give the reason for the default."))
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
    for party in rules.PARTIES:
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
            _book(
                reserve,
                kind=ReserveEntry.Kind.PAYOUT,
                amount=-paid[party],
                booked_on=default_on,
                actor=actor,
                loan=loan,
                organization_id=loan.party_org_id(party),
                note=_("Compensation for %(loan)s") % {"loan": loan.reference},
            )
    loan.default_on, loan.loss_principal, loan.loss_interest = default_on, loss.principal, loss.interest
    return _move(
        loan,
        "default",
        actor=actor,
        reason=reason,
        fields=["default_on", "loss_principal", "loss_interest"],
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


@transaction.atomic
def loan_record_recovery(
    *, actor: Actor, loan: Loan, amount, received_on: datetime.date, source: str, release_pledge: bool = False
) -> Recovery:
    """Bank: record money recovered after default; shared back by the loan's shares, and the reserve gets
    back the fraction of each institution's loss it had reimbursed."""
    loan = _lock(loan)
    require(actor, "loan.service", loan)
    _check_state(loan, "recover")
    errors = FieldErrors()
    amount = _money(amount, "amount", errors)
    if received_on > _today():
        errors.add("received_on", "in_future", _("The date cannot be in the future."))
    if received_on < loan.default_on:
        errors.add("received_on", "before_default", _("A recovery follows the default."))
    if not (source or "").strip():
        errors.add("source", "required", _("Say where the money came from."))
    errors.raise_if_any()
    allocations = {a.party: a for a in loan.allocations.select_for_update()}
    recovered_before = sum((a.recovered for a in allocations.values()), ZERO)
    if recovered_before + amount > loan.loss_total:
        raise RecoveryTooLarge(
            fields={
                "amount": [{"code": RecoveryTooLarge.code, "detail": str(loan.loss_total - recovered_before)}]
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
        source=source.strip(),
        recorded_by=actor.user,
        parts={p: str(v) for p, v in parts.items()},
    )
    fields = []
    if release_pledge and loan.pledge_released_at is None:
        _release_pledge(loan, actor)
        fields.append("pledge_released_at")
    _move(
        loan,
        "recover",
        actor=actor,
        fields=fields,
        data={"amount": amount, "parts": parts, "reserve_refunds": refunds, "released": bool(fields)},
    )
    return recovery


@transaction.atomic
def loan_release_pledge(*, actor: Actor, loan: Loan, reason: str) -> Loan:
    """Bank: release a defaulted loan's pledge (the patents were disposed of, or the claim written off)."""
    loan = _lock(loan)
    require(actor, "loan.service", loan)
    _check_state(loan, "release_pledge")
    if loan.pledge_released_at is not None:
        raise PledgeAlreadyReleased()
    if not (reason or "").strip():
        raise ValidationFailed(
            _("Give the reason."), code="required", fields={"reason": [{"code": "required", "detail": ""}]}
        )
    _release_pledge(loan, actor)
    return _move(loan, "release_pledge", actor=actor, reason=reason, fields=["pledge_released_at"])


# --- the reserve ----------------------------------------------------------------------


@transaction.atomic
def reserve_open(
    *, actor: Actor, opening_balance, payout_share=Decimal("0.30"), opened_on=None, name: str = ""
) -> RiskReserve:
    """Bureau: open the city's risk compensation reserve (e.g. Qingdao: 30,000,000 of central funds)."""
    require(actor, "reserve.manage")
    errors = FieldErrors()
    balance = _money(opening_balance, "opening_balance", errors, positive=False)
    if balance is not None and balance < 0:
        errors.add("opening_balance", "negative", _("The balance cannot be negative."))
    share = _rate(payout_share, "payout_share", errors)
    errors.raise_if_any()
    if RiskReserve.objects.exists():
        raise ReserveAlreadyOpen()
    opened_on = opened_on or _today()
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
    _book(
        reserve,
        kind=ReserveEntry.Kind.OPENING,
        amount=balance,
        booked_on=opened_on,
        actor=actor,
        note=_("Opening balance"),
    )
    audit.record(
        actor=_user(actor),
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
    """Bureau: add money to the reserve (a further budget allocation)."""
    require(actor, "reserve.manage")
    errors = FieldErrors()
    amount = _money(amount, "amount", errors)
    if not (note or "").strip():
        errors.add("note", "required", _("Say where the money comes from."))
    errors.raise_if_any()
    reserve = RiskReserve.objects.select_for_update().filter(city_id=actor.city.pk).first()
    if reserve is None:
        raise ReserveNotOpen()
    entry = _book(
        reserve,
        kind=ReserveEntry.Kind.TOP_UP,
        amount=amount,
        booked_on=booked_on or _today(),
        actor=actor,
        note=note.strip(),
    )
    audit.record(
        actor=_user(actor),
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
    share = _rate(payout_share, "payout_share", errors)
    errors.raise_if_any()
    reserve = RiskReserve.objects.select_for_update().filter(city_id=actor.city.pk).first()
    if reserve is None:
        raise ReserveNotOpen()
    before = reserve.payout_share
    reserve.payout_share = share
    reserve.save(update_fields=["payout_share"])
    audit.record(
        actor=_user(actor),
        city=actor.city,
        action="reserve_update",
        obj=reserve,
        data={"payout_share_before": before, "payout_share": share},
    )
    return reserve
