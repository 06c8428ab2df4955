"""Funds errors: stable codes clients and tests rely on; messages may change."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ipops.errors import Conflict, ErrorCode, NotFound, ValidationFailed


class FundsErrorCode(ErrorCode):
    """Every code the funds app answers with, besides the shared `CoreErrorCode`s."""

    # The special budget and its sources
    BUDGET_NOT_OPEN = "budget_not_open"
    BUDGET_ALREADY_OPEN = "budget_already_open"
    SOURCE_NOT_FOUND = "budget_source_not_found"
    RECEIPT_EXCEEDS_ALLOTMENT = "receipt_exceeds_allotment"
    REVIEW_NOT_PASSED = "review_not_passed"
    REVIEW_ALREADY_RECORDED = "review_already_recorded"
    # Spending
    CENTRAL_MONEY_FORBIDDEN_USE = "central_money_forbidden_use"
    SOURCE_NOT_RECEIVED = "source_not_received"
    SOURCE_EXHAUSTED = "source_exhausted"
    REFERENCE_REQUIRED = "reference_required"
    EXPENDITURE_NOT_FOUND = "expenditure_not_found"
    ALREADY_REVERSED = "expenditure_already_reversed"


class BudgetNotOpen(Conflict):
    code = FundsErrorCode.BUDGET_NOT_OPEN
    default_message = _("The city's special budget has not been opened yet.")


class BudgetAlreadyOpen(Conflict):
    code = FundsErrorCode.BUDGET_ALREADY_OPEN
    default_message = _("The city's special budget for this plan is already open.")


class SourceNotFound(NotFound):
    code = FundsErrorCode.SOURCE_NOT_FOUND
    default_message = _("The special budget has no such source.")


class ExpenditureNotFound(NotFound):
    code = FundsErrorCode.EXPENDITURE_NOT_FOUND
    default_message = _("No such expenditure.")


class ReviewNotPassed(Conflict):
    code = FundsErrorCode.REVIEW_NOT_PASSED
    default_message = _(
        "The second central tranche is paid only after the mid-term performance review is recorded as passed."
    )


class ReviewAlreadyRecorded(Conflict):
    code = FundsErrorCode.REVIEW_ALREADY_RECORDED
    default_message = _("The mid-term performance review has already been recorded.")


class ForbiddenUse(ValidationFailed):
    code = FundsErrorCode.CENTRAL_MONEY_FORBIDDEN_USE


class SourceNotReceived(Conflict):
    code = FundsErrorCode.SOURCE_NOT_RECEIVED


class SourceExhausted(Conflict):
    code = FundsErrorCode.SOURCE_EXHAUSTED


class AlreadyReversed(Conflict):
    code = FundsErrorCode.ALREADY_REVERSED
    default_message = _("This expenditure has already been reversed.")
