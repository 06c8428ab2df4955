"""An approved loan's servicing: the disbursement (contract, CNIPA pledge registration, repayment
schedule) and the repayments, until it is repaid and closes."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ipops import audit, clock, events, validators
from ipops.access import Actor
from ipops.errors import FieldErrors
from ipops.money import ZERO
from ipops.services import registry
from pledge_finance import rules
from pledge_finance.errors import PledgeErrorCode, RepaymentTooLarge
from pledge_finance.lifecycles import LOAN
from pledge_finance.models import Instalment, Loan, Repayment
from pledge_finance.services.applications import free_pledged_assets


@transaction.atomic
def loan_disburse(
    *,
    actor: Actor,
    loan: Loan,
    contract_number: str,
    contract_signed_on: datetime.date,
    pledge_registration_number: str,
    pledge_registered_on: datetime.date,
    disbursed_on: datetime.date,
    annual_rate,
) -> Loan:
    """Bank: contract, CNIPA pledge registration (质押登记) and disbursement → the repayment schedule."""
    loan = LOAN.lock(loan, "product")
    LOAN.check(loan, "disburse", actor=actor)
    errors = FieldErrors()
    contract_number = validators.text(
        contract_number, "contract_number", errors, message=_("The contract number is required.")
    )
    pledge_registration_number = validators.text(
        pledge_registration_number,
        "pledge_registration_number",
        errors,
        message=_("The CNIPA pledge registration number is required."),
    )
    rate = validators.rate(
        annual_rate, "annual_rate", errors, low=loan.product.min_rate, high=loan.product.max_rate
    )
    validators.not_in_future(disbursed_on, "disbursed_on", errors, today=clock.today())
    # Signed and registered on or before the disbursement (below), and not before any record can be.
    validators.not_in_future(contract_signed_on, "contract_signed_on", errors, today=clock.today())
    validators.not_in_future(
        pledge_registered_on,
        "pledge_registered_on",
        errors,
        today=clock.today(),
        earliest=validators.PATENT_LAW,
    )
    if contract_signed_on > disbursed_on:
        errors.add(
            "contract_signed_on",
            PledgeErrorCode.AFTER_DISBURSEMENT,
            _("The contract must be signed before disbursement."),
        )
    if pledge_registered_on > disbursed_on:
        errors.add(
            "pledge_registered_on",
            PledgeErrorCode.AFTER_DISBURSEMENT,
            _("The pledge must be registered before disbursement."),
        )
    if loan.decided_at and contract_signed_on < timezone.localdate(loan.decided_at):
        errors.add(
            "contract_signed_on",
            PledgeErrorCode.BEFORE_APPROVAL,
            _("The contract cannot precede the approval."),
        )
    errors.raise_if_any()
    assert rate is not None
    loan.contract_number = contract_number
    loan.contract_signed_on = contract_signed_on
    loan.pledge_registration_number = pledge_registration_number
    loan.pledge_registered_on = pledge_registered_on
    loan.disbursed_on = disbursed_on
    events.publish(loan.city_id, events.LOAN_DISBURSED)
    loan.annual_rate = rate
    schedule = rules.repayment_schedule(
        amount=loan.amount,
        annual_rate=rate,
        months=loan.term_months,
        start=disbursed_on,
        method=loan.repayment_method,
    )
    loan.maturity_date = schedule[-1].due_date
    Instalment.objects.bulk_create(
        [
            Instalment(
                city_id=loan.city_id,
                loan=loan,
                number=i.number,
                due_date=i.due_date,
                principal_due=i.principal,
                interest_due=i.interest,
            )
            for i in schedule
        ]
    )
    # The application's hold becomes the registered pledge, with its CNIPA number and term.
    asset_ids = list(loan.loan_assets.values_list("asset_id", flat=True))
    registry.encumbrance_release(source=loan.source, kind="pledge", actor=actor)
    registry.encumbrance_add(
        asset_ids=asset_ids,
        kind="pledge",
        source=loan.source,
        owner_id=loan.enterprise_id,
        holder=loan.bank,
        reference=loan.pledge_registration_number,
        starts_on=pledge_registered_on,
        ends_on=loan.maturity_date,
        actor=actor,
    )
    LOAN.apply(
        loan,
        "disburse",
        actor=actor,
        update_fields=[
            "contract_number",
            "contract_signed_on",
            "pledge_registration_number",
            "pledge_registered_on",
            "disbursed_on",
            "annual_rate",
            "maturity_date",
        ],
        data={
            "amount": loan.amount,
            "annual_rate": rate,
            "instalments": len(schedule),
            "contract_number": loan.contract_number,
            "pledge_registration_number": loan.pledge_registration_number,
        },
    )
    return loan


@transaction.atomic
def loan_record_repayment(
    *, actor: Actor, loan: Loan, amount, paid_on: datetime.date, reference: str = ""
) -> Repayment:
    """Bank: record a repayment; oldest instalment first, interest before principal.
    Fully repaid → the loan closes and the pledge is released."""
    loan = LOAN.lock(loan, "product")
    LOAN.check(loan, "repay", actor=actor)
    assert loan.disbursed_on is not None  # disbursed
    errors = FieldErrors()
    amount = validators.money(amount, "amount", errors)
    validators.not_in_future(paid_on, "paid_on", errors, today=clock.today())
    if paid_on < loan.disbursed_on:
        errors.add(
            "paid_on", PledgeErrorCode.BEFORE_DISBURSEMENT, _("The payment date precedes the disbursement.")
        )
    errors.raise_if_any()
    instalments = list(loan.instalments.select_for_update().order_by("number"))
    try:
        split = rules.apply_repayment([i.as_state() for i in instalments], amount)
    except ValueError as exc:
        owed = sum((i.open_amount for i in instalments), ZERO)
        raise RepaymentTooLarge(
            fields={"amount": [{"code": RepaymentTooLarge.code, "detail": str(owed)}]}
        ) from exc
    for index, (principal, interest) in split.parts.items():
        inst = instalments[index]
        inst.principal_paid += principal
        inst.interest_paid += interest
        if inst.open_amount == 0:
            inst.status, inst.paid_on = Instalment.Status.PAID, paid_on
        inst.save(update_fields=["principal_paid", "interest_paid", "status", "paid_on"])
    repayment = Repayment.objects.create(
        city_id=loan.city_id,
        loan=loan,
        paid_on=paid_on,
        amount=amount,
        principal=split.principal,
        interest=split.interest,
        reference=(reference or "").strip(),
        recorded_by=actor.user,
    )
    # A repayment is audited as itself; the loan moves only when it is the last.
    audit.record(
        actor=actor.user,
        city=loan.city_id,
        action="loan_repayment",
        obj=loan,
        from_state=loan.state,
        to_state=loan.state,
        data={
            "amount": amount,
            "principal": split.principal,
            "interest": split.interest,
            "paid_on": paid_on.isoformat(),
        },
    )
    if all(i.open_amount == 0 for i in instalments):
        loan.closed_on = paid_on
        free_pledged_assets(loan, actor)
        LOAN.apply(loan, "close", actor=actor, update_fields=["closed_on", "pledge_released_at"])
    return repayment
