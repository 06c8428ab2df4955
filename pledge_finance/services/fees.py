"""The fees an enterprise paid on its pledge loan (insurance premium, guarantee fee, appraisal fee,
intermediary service fee), recorded by the loan's bank from the invoices. The subsidies app computes the
four fee subsidies (四补) from them; this app never learns of the subsidies."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ipops import clock, validators
from ipops.access import Actor
from ipops.errors import CoreErrorCode, FieldErrors
from pledge_finance.errors import PledgeErrorCode
from pledge_finance.lifecycles import LOAN
from pledge_finance.models import Loan, LoanFee, LoanFeeKind


@transaction.atomic
def loan_fee_record(
    *,
    actor: Actor,
    loan: Loan,
    kind: str,
    amount,
    payee: str,
    paid_on: datetime.date | None,
    invoice_ref: str,
) -> LoanFee:
    """Bank: record a fee the enterprise paid on a disbursed or repaid loan, as its invoice shows it.
    An invoice is recorded once per loan (a second time would pay its subsidy twice)."""
    loan = LOAN.lock(loan)
    LOAN.check(loan, "record_fee", actor=actor)
    errors = FieldErrors()
    kind = validators.choice(kind, LoanFeeKind.values, "kind", errors) or ""
    amount = validators.money(amount, "amount", errors)
    payee = validators.text(
        payee, "payee", errors, max_length=120, message=_("Give who was paid (the insurer, guarantor, …).")
    )
    invoice_ref = validators.text(
        invoice_ref, "invoice_ref", errors, max_length=60, message=_("Give the invoice number.")
    )
    if paid_on is None:
        errors.add("paid_on", CoreErrorCode.REQUIRED, _("Give the day the fee was paid."))
    else:
        validators.not_in_future(paid_on, "paid_on", errors, today=clock.today())
        if paid_on < timezone.localdate(loan.created_at):
            errors.add(
                "paid_on",
                PledgeErrorCode.BEFORE_APPLICATION,
                _("A fee on this loan cannot be paid before the application."),
            )
    # The loan is locked: two clerks entering the same invoice at once queue here, and the second sees
    # the first's (the unique constraint is the wall behind this check).
    if invoice_ref and loan.fees.filter(invoice_ref=invoice_ref).exists():
        errors.add(
            "invoice_ref",
            PledgeErrorCode.DUPLICATE_INVOICE,
            _("Invoice %(ref)s is already recorded on this loan.") % {"ref": invoice_ref},
        )
    errors.raise_if_any()
    assert paid_on is not None  # checked above
    fee = LoanFee.objects.create(
        city_id=loan.city_id,
        loan=loan,
        kind=kind,
        amount=amount,
        payee=payee,
        paid_on=paid_on,
        invoice_ref=invoice_ref,
        recorded_by=actor.user,
        created_at=clock.now(),
    )
    LOAN.apply(
        loan,
        "record_fee",
        actor=actor,
        save=False,
        data={
            "fee": fee.pk,
            "kind": kind,
            "amount": amount,
            "payee": payee,
            "paid_on": paid_on.isoformat(),
            "invoice_ref": invoice_ref,
        },
    )
    return fee
