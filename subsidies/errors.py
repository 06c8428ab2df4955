"""Subsidies errors: stable codes clients and tests rely on; messages may change."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ipops.errors import Conflict, CoreErrorCode, ErrorCode, InvalidTransition, NotFound


class SubsidyErrorCode(ErrorCode):
    """Every code the subsidies app answers with, besides the shared `CoreErrorCode`s."""

    POLICY_NOT_FOUND = "policy_not_found"
    POLICY_CODE_TAKEN = "policy_code_taken"
    POLICY_CLOSED = "policy_closed"
    INVALID_RULE_PARAMETER = "invalid_rule_parameter"
    NOT_ELIGIBLE = "not_eligible"
    CLAIM_NOT_FOUND = "claim_not_found"
    DUPLICATE_CLAIM = "duplicate_claim"
    UNKNOWN_LEVEL = "unknown_level"
    BASE_REQUIRED = "base_required"
    ITEMS_REQUIRED = "items_required"
    NOTHING_TO_PAY = "nothing_to_pay"
    AMOUNT_ABOVE_RULE = "amount_above_rule"
    REASON_REQUIRED = "reason_required"
    BUDGET_EXHAUSTED = "policy_budget_exhausted"
    QUOTA_EXHAUSTED = "policy_quota_exhausted"
    CALENDAR_NOT_COVERED = "calendar_not_covered"
    OBJECTION_NOT_FOUND = "objection_not_found"
    OBJECTION_RESOLVED = "objection_already_resolved"
    NOTICE_OVER = "notice_over"
    NOTHING_PAYABLE = "nothing_payable"
    BANK_ACCOUNT_REQUIRED = "bank_account_required"
    EVIDENCE_NOT_FOUND = "evidence_not_found"


class PolicyNotFound(NotFound):
    code = SubsidyErrorCode.POLICY_NOT_FOUND
    default_message = _("No such policy.")


class PolicyCodeTaken(Conflict):
    code = SubsidyErrorCode.POLICY_CODE_TAKEN
    default_message = _("The catalogue already has a policy with this code.")


class PolicyClosed(Conflict):
    code = SubsidyErrorCode.POLICY_CLOSED
    default_message = _("This policy is not open for claims today.")


class NotEligible(Conflict):
    code = SubsidyErrorCode.NOT_ELIGIBLE


class ClaimNotFound(NotFound):
    code = SubsidyErrorCode.CLAIM_NOT_FOUND
    default_message = _("No such claim.")


class DuplicateClaim(Conflict):
    code = SubsidyErrorCode.DUPLICATE_CLAIM
    default_message = _("This organisation already has a claim under this policy for this period.")


class ClaimInvalidTransition(InvalidTransition):
    code = CoreErrorCode.INVALID_TRANSITION
    default_message = _("This step is not possible for the claim in its current state.")


class NothingToPay(Conflict):
    code = SubsidyErrorCode.NOTHING_TO_PAY
    default_message = _("The rule gives nothing to pay for this claim (its caps are used up).")


class BudgetExhausted(Conflict):
    code = SubsidyErrorCode.BUDGET_EXHAUSTED


class QuotaExhausted(Conflict):
    code = SubsidyErrorCode.QUOTA_EXHAUSTED


class CalendarNotCovered(Conflict):
    code = SubsidyErrorCode.CALENDAR_NOT_COVERED


class ObjectionNotFound(NotFound):
    code = SubsidyErrorCode.OBJECTION_NOT_FOUND
    default_message = _("No such objection.")


class ObjectionResolved(Conflict):
    code = SubsidyErrorCode.OBJECTION_RESOLVED
    default_message = _("This objection has already been resolved.")


class NoticeOver(Conflict):
    code = SubsidyErrorCode.NOTICE_OVER
    default_message = _("This claim is not in public notice: objections are taken only during the notice.")


class NothingPayable(Conflict):
    code = SubsidyErrorCode.NOTHING_PAYABLE
    default_message = _("None of these claims is ready to be paid.")


class EvidenceNotFound(NotFound):
    code = SubsidyErrorCode.EVIDENCE_NOT_FOUND
    default_message = _("No such evidence file.")
