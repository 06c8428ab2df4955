"""Pledge-finance errors: stable codes clients and tests rely on; messages may change."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ipops.errors import Conflict, InvalidTransition, NotFound, ValidationFailed


class LoanNotFound(NotFound):
    code = "loan_not_found"
    default_message = _("No such loan.")


class ProductNotFound(NotFound):
    code = "loan_product_not_found"
    default_message = _("No such loan product.")


class LoanInvalidTransition(InvalidTransition):
    code = "invalid_transition"
    default_message = _("This action is not allowed in the loan's current state.")


class SharesNotWhole(ValidationFailed):
    code = "shares_not_100_percent"
    default_message = _("The insurer, guarantor and bank shares must add up to exactly 100%.")


class AmountExceedsLoanToValue(ValidationFailed):
    code = "amount_exceeds_ltv"
    default_message = _("The loan amount exceeds the appraised value times the loan-to-value ratio.")


class InstitutionNotParticipating(ValidationFailed):
    code = "institution_not_participating"
    default_message = _("This institution does not take part in the loan product.")


class AlreadyDecided(Conflict):
    code = "already_decided"
    default_message = _("Your institution has already decided on this loan.")


class RepaymentTooLarge(ValidationFailed):
    code = "repayment_exceeds_outstanding"
    default_message = _("The repayment exceeds what is still owed on the loan.")


class LoanNotOverdue(Conflict):
    code = "loan_not_overdue"
    default_message = _("A default can only be declared on a loan with an overdue instalment.")


class RecoveryTooLarge(ValidationFailed):
    code = "recovery_exceeds_loss"
    default_message = _("Recoveries cannot exceed the loss of the loan.")


class ReserveAlreadyOpen(Conflict):
    code = "reserve_already_open"
    default_message = _("This city's risk compensation reserve is already open.")


class ReserveNotOpen(Conflict):
    code = "reserve_not_open"
    default_message = _("This city has no risk compensation reserve yet.")


class PledgeAlreadyReleased(Conflict):
    code = "pledge_already_released"
    default_message = _("The pledge of this loan has already been released.")
