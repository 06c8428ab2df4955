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
    # The fund register
    FUND_NOT_FOUND = "fund_not_found"
    FUND_NAME_TAKEN = "fund_name_taken"
    FUND_WOUND_UP = "fund_wound_up"
    NOT_A_FUND_MANAGER = "not_a_fund_manager"
    PARENT_NOT_GUIDE_FUND = "parent_not_guide_fund"
    COMMITMENT_NOT_FOUND = "commitment_not_found"
    COMMITMENT_EXISTS = "commitment_exists"
    CALL_NOT_FOUND = "capital_call_not_found"
    CALL_EXCEEDS_COMMITMENT = "call_exceeds_commitment"
    CALL_ALREADY_PAID = "call_already_paid"
    INVESTMENT_NOT_FOUND = "investment_not_found"
    INVESTEE_NOT_FOUND = "investee_not_found"
    INVESTMENT_EXCEEDS_PAID_IN = "investment_exceeds_paid_in"
    INVESTMENT_EXITED = "investment_exited"
    EXIT_NEEDS_INVESTMENT = "exit_needs_investment"
    DISTRIBUTION_NOT_FOUND = "distribution_not_found"
    DATE_BEFORE = "date_before_earlier_step"


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


class FundNotFound(NotFound):
    code = FundsErrorCode.FUND_NOT_FOUND
    default_message = _("No such fund.")


class FundNameTaken(Conflict):
    code = FundsErrorCode.FUND_NAME_TAKEN
    default_message = _("The city already has a fund of this name.")


class FundWoundUp(Conflict):
    code = FundsErrorCode.FUND_WOUND_UP
    default_message = _("This fund has been wound up: its records can no longer change.")


class CommitmentNotFound(NotFound):
    code = FundsErrorCode.COMMITMENT_NOT_FOUND
    default_message = _("No such commitment.")


class CommitmentExists(Conflict):
    code = FundsErrorCode.COMMITMENT_EXISTS
    default_message = _(
        "This investor already has a commitment from this source to the fund; change that one."
    )


class CallNotFound(NotFound):
    code = FundsErrorCode.CALL_NOT_FOUND
    default_message = _("No such capital call.")


class CallExceedsCommitment(Conflict):
    code = FundsErrorCode.CALL_EXCEEDS_COMMITMENT


class CallAlreadyPaid(Conflict):
    code = FundsErrorCode.CALL_ALREADY_PAID
    default_message = _("This capital call has already been paid in.")


class InvestmentNotFound(NotFound):
    code = FundsErrorCode.INVESTMENT_NOT_FOUND
    default_message = _("No such investment.")


class InvestmentExceedsPaidIn(Conflict):
    code = FundsErrorCode.INVESTMENT_EXCEEDS_PAID_IN


class InvestmentExited(Conflict):
    code = FundsErrorCode.INVESTMENT_EXITED
    default_message = _("The fund has already exited this investment.")


class DistributionNotFound(NotFound):
    code = FundsErrorCode.DISTRIBUTION_NOT_FOUND
    default_message = _("No such distribution.")
