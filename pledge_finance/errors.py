"""Pledge-finance errors: stable codes clients and tests rely on; messages may change."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ipops.errors import Conflict, CoreErrorCode, ErrorCode, InvalidTransition, NotFound, ValidationFailed


class PledgeErrorCode(ErrorCode):
    """Every code pledge finance answers with, besides the shared `CoreErrorCode`s."""

    # Not found
    LOAN_NOT_FOUND = "loan_not_found"
    LOAN_PRODUCT_NOT_FOUND = "loan_product_not_found"
    # Products
    SHARES_NOT_WHOLE = "shares_not_100_percent"
    BELOW_MINIMUM = "below_minimum"
    DUPLICATE_NAME = "duplicate_name"
    WRONG_INSTITUTION_KIND = "wrong_institution_kind"
    # Applications
    PRODUCT_CLOSED = "product_closed"
    INSTITUTION_NOT_PARTICIPATING = "institution_not_participating"
    AMOUNT_OUT_OF_RANGE = "amount_out_of_range"
    TERM_NOT_ALLOWED = "term_not_allowed"
    ASSET_NOT_FOUND = "asset_not_found"
    # Valuation and review
    ASSET_NOT_IN_LOAN = "asset_not_in_loan"
    ASSET_VALUES_REQUIRED = "asset_values_required"
    VALUATION_TOTAL_MISMATCH = "valuation_total_mismatch"
    BEFORE_SUBMISSION = "before_submission"
    AMOUNT_EXCEEDS_LTV = "amount_exceeds_ltv"
    ALREADY_DECIDED = "already_decided"
    # Disbursement, repayment, default, recovery
    BEFORE_APPROVAL = "before_approval"
    AFTER_DISBURSEMENT = "after_disbursement"
    BEFORE_DISBURSEMENT = "before_disbursement"
    BEFORE_DEFAULT = "before_default"
    REPAYMENT_TOO_LARGE = "repayment_exceeds_outstanding"
    LOAN_NOT_OVERDUE = "loan_not_overdue"
    RECOVERY_TOO_LARGE = "recovery_exceeds_loss"
    PLEDGE_ALREADY_RELEASED = "pledge_already_released"
    # Fees paid on the loan (the four subsidies' records)
    BEFORE_APPLICATION = "before_application"
    DUPLICATE_INVOICE = "duplicate_invoice"
    # The risk compensation reserve
    RESERVE_ALREADY_OPEN = "reserve_already_open"
    RESERVE_NOT_OPEN = "reserve_not_open"
    RESERVE_EXHAUSTED = "reserve_exhausted"


class LoanNotFound(NotFound):
    code = PledgeErrorCode.LOAN_NOT_FOUND
    default_message = _("No such loan.")


class ProductNotFound(NotFound):
    code = PledgeErrorCode.LOAN_PRODUCT_NOT_FOUND
    default_message = _("No such loan product.")


class LoanInvalidTransition(InvalidTransition):
    code = CoreErrorCode.INVALID_TRANSITION
    default_message = _("This action is not allowed in the loan's current state.")


class SharesNotWhole(ValidationFailed):
    code = PledgeErrorCode.SHARES_NOT_WHOLE
    default_message = _("The insurer, guarantor and bank shares must add up to exactly 100%.")


class AmountExceedsLoanToValue(ValidationFailed):
    code = PledgeErrorCode.AMOUNT_EXCEEDS_LTV
    default_message = _("The loan amount exceeds the appraised value times the loan-to-value ratio.")


class InstitutionNotParticipating(ValidationFailed):
    code = PledgeErrorCode.INSTITUTION_NOT_PARTICIPATING
    default_message = _("This institution does not take part in the loan product.")


class DuplicateProductName(ValidationFailed):
    code = PledgeErrorCode.DUPLICATE_NAME
    default_message = _("A product with this name exists.")


class AlreadyDecided(Conflict):
    code = PledgeErrorCode.ALREADY_DECIDED
    default_message = _("Your institution has already decided on this loan.")


class RepaymentTooLarge(ValidationFailed):
    code = PledgeErrorCode.REPAYMENT_TOO_LARGE
    default_message = _("The repayment exceeds what is still owed on the loan.")


class LoanNotOverdue(Conflict):
    code = PledgeErrorCode.LOAN_NOT_OVERDUE
    default_message = _("A default can only be declared on a loan with an overdue instalment.")


class RecoveryTooLarge(ValidationFailed):
    code = PledgeErrorCode.RECOVERY_TOO_LARGE
    default_message = _("Recoveries cannot exceed the loss of the loan.")


class ReserveAlreadyOpen(Conflict):
    code = PledgeErrorCode.RESERVE_ALREADY_OPEN
    default_message = _("This city's risk compensation reserve is already open.")


class ReserveNotOpen(Conflict):
    code = PledgeErrorCode.RESERVE_NOT_OPEN
    default_message = _("This city has no risk compensation reserve yet.")


class ReserveExhausted(Conflict):
    code = PledgeErrorCode.RESERVE_EXHAUSTED
    default_message = _("The reserve cannot go negative.")


class PledgeAlreadyReleased(Conflict):
    code = PledgeErrorCode.PLEDGE_ALREADY_RELEASED
    default_message = _("The pledge of this loan has already been released.")
