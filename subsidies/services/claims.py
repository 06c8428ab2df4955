"""Claims: started by a claimant or by the automatic task, reviewed and decided by the bureau.

Approvals never exceed a policy's annual budget or quota, nor an organisation's caps, even when two staff
approve at the same moment and the automatic task runs beside them: an approval locks the policy's row
for the year (budget, quota) and the claimant organisation's row (its caps across policies), then
recomputes the amount under those locks."""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ipops import audit, clock, validators
from ipops.access import Actor
from ipops.errors import FieldErrors, invalid_field
from ipops.models import Organization
from ipops.money import display_money
from ipops.visibility import get_visible_or_404
from subsidies import bases, rules
from subsidies.errors import (
    BudgetExhausted,
    CalendarNotCovered,
    DuplicateClaim,
    NotEligible,
    NothingToPay,
    QuotaExhausted,
    SubsidyErrorCode,
)
from subsidies.lifecycles import CLAIM
from subsidies.models import Basis, Claim, ClaimState, Mode, Policy, PolicyYear
from subsidies.permissions import require
from subsidies.services.catalogue import eligible, evaluate, require_open, rule_error

DECLARED_INPUTS = ("level", "base", "items", "case", "description")


def _inputs(policy: Policy, data: Mapping | None) -> dict:
    data = data or {}
    return {k: str(data[k]).strip()[:500] for k in DECLARED_INPUTS if data.get(k) not in (None, "")}


def _evaluate(policy: Policy, organization: Organization, *, inputs=None, case=None, claim=None):
    try:
        return evaluate(policy, organization, inputs=inputs, case=case, claim=claim)
    except rules.RuleError as exc:
        raise rule_error(exc, "inputs.") from exc


def _create(
    *, actor, policy: Policy, organization: Organization, evaluation, state, inputs, automatic
) -> Claim:
    try:
        with transaction.atomic():
            claim = Claim.objects.create(
                city_id=policy.city_id,
                policy=policy,
                organization=organization,
                year=evaluation.year,
                period=evaluation.period,
                case=evaluation.case,
                state=state,
                automatic=automatic,
                inputs=inputs,
                computation=evaluation.computation.as_json(),
                rule_amount=evaluation.computation.amount,
                created_by=getattr(actor, "user", None),
                created_at=clock.now(),
            )
    except IntegrityError as exc:
        raise DuplicateClaim() from exc
    return claim


@transaction.atomic
def claim_start(*, actor: Actor, policy: Policy | int, inputs: Mapping | None = None) -> Claim:
    """A claimant starts a claim (a draft) under a policy open to it; the amount is computed at once."""
    require(actor, "claim.apply")
    found = get_visible_or_404(Policy.objects.all(), actor, getattr(policy, "pk", policy))
    require_open(found, clock.today())
    organization = actor.organization
    assert organization is not None
    why = eligible(found, organization)
    if why:
        raise NotEligible(why)
    cleaned = _inputs(found, inputs)
    case = None
    if found.basis != Basis.DECLARED:
        cases = bases.record_cases(found, organization, None, clock.today())
        wanted = cleaned.get("case")
        case = next((c for c in cases if not wanted or c.key == wanted), None)
        if case is None:
            raise NotEligible(bases.not_on_record(found))
    evaluation = _evaluate(found, organization, inputs=cleaned, case=case)
    claim = _create(
        actor=actor,
        policy=found,
        organization=organization,
        evaluation=evaluation,
        state=ClaimState.DRAFT,
        inputs=cleaned,
        automatic=False,
    )
    audit.record(
        actor=actor.user,
        city=actor.city,
        action="claim_start",
        obj=claim,
        data={"policy": found.code, "amount": claim.rule_amount},
    )
    return claim


def _recompute(claim: Claim) -> None:
    case = None
    if claim.policy.basis != Basis.DECLARED:
        cases = bases.record_cases(claim.policy, claim.organization, claim.year, clock.today())
        case = next((c for c in cases if c.key == claim.case), None)
        if case is None:
            raise NotEligible(bases.not_on_record(claim.policy))
    evaluation = _evaluate(claim.policy, claim.organization, inputs=claim.inputs, case=case, claim=claim)
    claim.computation = evaluation.computation.as_json()
    claim.rule_amount = evaluation.computation.amount


def _locked(actor: Actor, claim: Claim | int) -> Claim:
    found = get_visible_or_404(Claim.objects.all(), actor, getattr(claim, "pk", claim))
    return CLAIM.lock(found, "policy", "organization")


@transaction.atomic
def claim_update(*, actor: Actor, claim: Claim | int, inputs: Mapping) -> Claim:
    locked = _locked(actor, claim)
    locked.inputs = _inputs(locked.policy, inputs)
    _recompute(locked)
    CLAIM.apply(
        locked,
        "update",
        actor=actor,
        update_fields=["inputs", "computation", "rule_amount"],
        data={"amount": locked.rule_amount},
    )
    return locked


@transaction.atomic
def claim_submit(*, actor: Actor, claim: Claim | int, bank_name: str = "", bank_account: str = "") -> Claim:
    locked = _locked(actor, claim)
    _bank(locked, bank_name, bank_account)
    _recompute(locked)
    locked.submitted_at = clock.now()
    CLAIM.apply(
        locked,
        "submit",
        actor=actor,
        update_fields=["computation", "rule_amount", "submitted_at", "bank_name", "bank_account"],
        data={"amount": locked.rule_amount},
    )
    return locked


@transaction.atomic
def claim_confirm(*, actor: Actor, claim: Claim | int, bank_name: str, bank_account: str) -> Claim:
    """免申即享: the claimant confirms the bank account of a claim the platform filled in; one step."""
    locked = _locked(actor, claim)
    _bank(locked, bank_name, bank_account)
    locked.submitted_at = clock.now()
    CLAIM.apply(
        locked,
        "confirm",
        actor=actor,
        update_fields=["bank_name", "bank_account", "submitted_at"],
    )
    return locked


def _bank(claim: Claim, bank_name: str, bank_account: str) -> None:
    errors = FieldErrors()
    name = validators.text(
        bank_name or claim.bank_name,
        "bank_name",
        errors,
        max_length=80,
        message=_("Give the bank the award is paid to."),
    )
    account = (bank_account or claim.bank_account or "").replace(" ", "")
    if not account.isdigit() or not 8 <= len(account) <= 30:
        errors.add(
            "bank_account",
            SubsidyErrorCode.BANK_ACCOUNT_REQUIRED,
            _("Give the organisation's bank account number (8 to 30 digits)."),
        )
    errors.raise_if_any()
    claim.bank_name, claim.bank_account = name, account


@transaction.atomic
def claim_withdraw(*, actor: Actor, claim: Claim | int) -> Claim:
    locked = _locked(actor, claim)
    CLAIM.apply(locked, "withdraw", actor=actor)
    return locked


@transaction.atomic
def claim_return(*, actor: Actor, claim: Claim | int, reason: str) -> Claim:
    errors = FieldErrors()
    reason = validators.text(reason, "reason", errors, max_length=200, message=_("Say what is missing."))
    errors.raise_if_any()
    locked = _locked(actor, claim)
    locked.decision_reason = reason
    CLAIM.apply(locked, "return", actor=actor, reason=reason, update_fields=["decision_reason"])
    return locked


@transaction.atomic
def claim_reject(*, actor: Actor, claim: Claim | int, reason: str) -> Claim:
    errors = FieldErrors()
    reason = validators.text(reason, "reason", errors, max_length=200, message=_("Give the reason."))
    errors.raise_if_any()
    locked = _locked(actor, claim)
    locked.decision_reason, locked.decided_at, locked.decided_by = reason, clock.now(), actor.user
    CLAIM.apply(
        locked,
        "reject",
        actor=actor,
        reason=reason,
        update_fields=["decision_reason", "decided_at", "decided_by"],
    )
    return locked


def policy_year(policy: Policy, year: int) -> PolicyYear:
    """The policy's counters for the year, locked (created on first use; two first uses queue)."""
    PolicyYear.objects.get_or_create(city_id=policy.city_id, policy=policy, year=year)
    return PolicyYear.objects.select_for_update().get(policy=policy, year=year)


@transaction.atomic
def claim_approve(*, actor: Actor, claim: Claim | int, amount=None, reason: str = "") -> Claim:
    """Bureau: approve with the rule's amount, or less with a reason (never more); the award goes into
    public notice for the policy's working days at once."""
    errors = FieldErrors()
    lowered = validators.money(amount, "amount", errors, required=False, allow_zero=False)
    reason = validators.text(reason, "reason", errors, required=False, max_length=200)
    errors.raise_if_any()
    locked = _locked(actor, claim)
    CLAIM.check(locked, "approve", actor=actor)
    counters = policy_year(locked.policy, locked.year)
    # Serialises every approval for this organisation, whatever the policy (its family and yearly caps).
    Organization.objects.select_for_update().filter(pk=locked.organization_id).first()
    _recompute(locked)
    granted = locked.rule_amount
    if lowered is not None:
        if lowered > granted:
            raise invalid_field(
                "amount",
                SubsidyErrorCode.AMOUNT_ABOVE_RULE,
                _("The rule allows at most %(rule)s; an approval can lower it, never raise it.")
                % {"rule": display_money(granted)},
            )
        if lowered < granted and not reason:
            raise invalid_field(
                "reason", SubsidyErrorCode.REASON_REQUIRED, _("Say why the amount is lowered.")
            )
        granted = lowered
    if granted <= rules.ZERO:
        raise NothingToPay()
    policy = locked.policy
    if policy.annual_quota is not None and counters.approved_count >= policy.annual_quota:
        raise QuotaExhausted(
            _("%(policy)s has approved its %(n)d awards for %(year)d.")
            % {"policy": policy.name, "n": policy.annual_quota, "year": locked.year}
        )
    if policy.annual_budget is not None and counters.approved_amount + granted > policy.annual_budget:
        raise BudgetExhausted(
            _("%(policy)s has %(left)s of its %(year)d budget left; %(amount)s cannot be approved.")
            % {
                "policy": policy.name,
                "left": display_money(policy.annual_budget - counters.approved_amount),
                "year": locked.year,
                "amount": display_money(granted),
            }
        )
    today = clock.today()
    try:
        ends = rules.add_working_days(today + datetime.timedelta(days=1), policy.notice_days)
    except rules.CalendarNotCovered as exc:
        raise CalendarNotCovered(
            _(
                "The official holiday calendar for %(year)d is not published yet: the notice period cannot be "
                "counted. Try again once it is (the platform's calendar is updated with it)."
            )
            % {"year": exc.year}
        ) from exc
    counters.approved_amount += granted
    counters.approved_count += 1
    counters.save(update_fields=["approved_amount", "approved_count"])
    locked.approved_amount = granted
    locked.reduction_reason = reason if granted < locked.rule_amount else ""
    locked.decided_at, locked.decided_by = clock.now(), actor.user
    locked.notice_starts_on, locked.notice_ends_on = today, ends
    CLAIM.apply(
        locked,
        "approve",
        actor=actor,
        reason=locked.reduction_reason,
        update_fields=[
            "computation",
            "rule_amount",
            "approved_amount",
            "reduction_reason",
            "decided_at",
            "decided_by",
            "notice_starts_on",
            "notice_ends_on",
        ],
        data={"rule_amount": locked.rule_amount, "approved": granted, "notice_ends_on": ends.isoformat()},
    )
    return locked


def release_counters(claim: Claim) -> None:
    """An approved award overturned: its amount and place go back to the policy's year."""
    counters = policy_year(claim.policy, claim.year)
    counters.approved_amount -= claim.approved_amount or rules.ZERO
    counters.approved_count -= 1
    counters.save(update_fields=["approved_amount", "approved_count"])


def automatic_policies(city) -> list[Policy]:
    today = clock.today()
    return [
        p
        for p in Policy.objects.filter(city_id=getattr(city, "pk", city), mode=Mode.AUTOMATIC, active=True)
        if p.opens_on <= today and (p.closes_on is None or p.closes_on >= today)
    ]
