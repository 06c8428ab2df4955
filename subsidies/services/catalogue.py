"""The policy catalogue: the bureau adds and changes policies (their history kept by pghistory), and
every amount anywhere is computed by `evaluate`, from the policy's rule, the claim's inputs, the
platform's records and the organisation's prior awards."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipops import audit, clock, validators
from ipops.access import Actor
from ipops.errors import CoreErrorCode, FieldErrors, ValidationFailed
from ipops.models import Organization, OrgKind
from ipops.rules import add_years
from subsidies import bases, rules
from subsidies.errors import PolicyClosed, PolicyCodeTaken, SubsidyErrorCode
from subsidies.models import Basis, Claim, Frequency, Mode, Policy, RuleKind
from subsidies.permissions import require

#: The fields a policy is made of, as the catalogue editor and the API take them.
EDITABLE = (
    "code",
    "name",
    "family",
    "claimant_kinds",
    "tech_sme_only",
    "rule_kind",
    "params",
    "basis",
    "frequency",
    "claim_cap",
    "year_cap",
    "annual_quota",
    "annual_budget",
    "evidence",
    "opens_on",
    "closes_on",
    "mode",
    "notice_days",
    "budget_source",
    "active",
)
CLAIMANT_KINDS = (OrgKind.ENTERPRISE, OrgKind.UNIVERSITY, OrgKind.INSTITUTE, OrgKind.SERVICE)
#: Record-based policies can run without an application; declared ones need the claimant's evidence.
AUTOMATIC_BASES = frozenset(Basis.values) - {Basis.DECLARED}
RULE_MESSAGES = {
    "invalid_parameter": gettext_lazy("This parameter does not fit the rule."),
    "unknown_level": gettext_lazy("Choose one of the policy's levels."),
    "base_required": gettext_lazy("Give the amount the percentage applies to."),
    "items_required": gettext_lazy("Give the number of items (at least one)."),
}
RULE_CODES = {
    "invalid_parameter": SubsidyErrorCode.INVALID_RULE_PARAMETER,
    "unknown_level": SubsidyErrorCode.UNKNOWN_LEVEL,
    "base_required": SubsidyErrorCode.BASE_REQUIRED,
    "items_required": SubsidyErrorCode.ITEMS_REQUIRED,
}


def rule_error(exc: rules.RuleError, prefix: str = "") -> ValidationFailed:
    field = f"{prefix}{exc.field}"
    detail = str(RULE_MESSAGES.get(exc.code, exc.code))
    code = RULE_CODES.get(exc.code, SubsidyErrorCode.INVALID_RULE_PARAMETER)
    return ValidationFailed(detail, code=code, fields={field: [{"code": code, "detail": detail}]})


def _clean(data: Mapping, errors: FieldErrors, current: Policy | None) -> dict:
    def get(name, default=None):
        if name in data:
            return data[name]
        return getattr(current, name) if current is not None else default

    out: dict = {}
    out["code"] = validators.text(get("code"), "code", errors, max_length=30)
    out["name"] = validators.text(get("name"), "name", errors, max_length=120)
    out["family"] = validators.text(get("family", ""), "family", errors, required=False, max_length=40)
    kinds = list(get("claimant_kinds", []) or [])
    if not kinds or any(k not in CLAIMANT_KINDS for k in kinds):
        errors.add(
            "claimant_kinds",
            SubsidyErrorCode.INVALID_RULE_PARAMETER,
            _("Choose who may claim: enterprises, universities, institutes or service institutions."),
        )
    out["claimant_kinds"] = kinds
    out["tech_sme_only"] = bool(get("tech_sme_only", False))
    out["rule_kind"] = validators.choice(get("rule_kind"), RuleKind.values, "rule_kind", errors) or ""
    out["basis"] = validators.choice(get("basis", Basis.DECLARED), Basis.values, "basis", errors) or ""
    out["frequency"] = validators.choice(get("frequency"), Frequency.values, "frequency", errors) or ""
    out["mode"] = validators.choice(get("mode", Mode.APPLICATION), Mode.values, "mode", errors) or ""
    params = get("params", {}) or {}
    if not isinstance(params, Mapping):
        errors.add(
            "params", SubsidyErrorCode.INVALID_RULE_PARAMETER, _("This parameter does not fit the rule.")
        )
        params = {}
    out["params"] = dict(params)
    if out["rule_kind"]:
        try:
            rules.check_params(out["rule_kind"], out["params"])
        except rules.RuleError as exc:
            errors.add(f"params.{exc.field}", RULE_CODES[exc.code], RULE_MESSAGES[exc.code])
    for name in ("claim_cap", "year_cap", "annual_budget"):
        out[name] = validators.money(get(name), name, errors, required=False)
    out["annual_quota"] = validators.whole_number(
        get("annual_quota"), "annual_quota", errors, low=1, high=100000, required=False
    )
    out["notice_days"] = validators.whole_number(get("notice_days", 5), "notice_days", errors, low=1, high=30)
    evidence = get("evidence", []) or []
    out["evidence"] = [str(e).strip()[:120] for e in evidence if str(e).strip()]
    out["opens_on"] = get("opens_on")
    if out["opens_on"] in (None, ""):
        errors.add("opens_on", CoreErrorCode.REQUIRED, _("Give the day the policy opens."))
    out["closes_on"] = get("closes_on") or None
    # A programme of this platform's time: not before the patent system, not planned beyond five years.
    latest = add_years(clock.today(), validators.FURTHEST_YEARS)
    for name in ("opens_on", "closes_on"):
        if isinstance(out[name], datetime.date) and (
            validators.date_in_range(out[name], name, errors, earliest=validators.EARLIEST, latest=latest)
            is None
        ):
            out[name] = None
    if out["closes_on"] and out["opens_on"] and out["closes_on"] < out["opens_on"]:
        errors.add(
            "closes_on", SubsidyErrorCode.INVALID_RULE_PARAMETER, _("The policy closes before it opens.")
        )
    out["budget_source"] = validators.text(
        get("budget_source", "municipal"), "budget_source", errors, max_length=12
    )
    out["active"] = bool(get("active", True))
    if out["mode"] == Mode.AUTOMATIC and out["basis"] not in AUTOMATIC_BASES:
        errors.add(
            "mode",
            SubsidyErrorCode.INVALID_RULE_PARAMETER,
            _("Only a policy whose amounts come from the platform's records can be paid automatically."),
        )
    return out


@transaction.atomic
def policy_save(*, actor: Actor, data: Mapping, policy: Policy | None = None) -> Policy:
    """Bureau: add a policy to the catalogue, or change one (every version kept)."""
    require(actor, "policy.manage")
    errors = FieldErrors()
    cleaned = _clean(data, errors, policy)
    errors.raise_if_any()
    target = policy or Policy(city=actor.city)
    before = {name: getattr(policy, name) for name in EDITABLE} if policy is not None else None
    for name, value in cleaned.items():
        setattr(target, name, value)
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError as exc:
        raise PolicyCodeTaken() from exc
    changed = (
        sorted(n for n in EDITABLE if before[n] != getattr(target, n))
        if before is not None
        else list(EDITABLE)
    )
    audit.record(
        actor=actor.user,
        city=actor.city,
        action="policy_change" if policy is not None else "policy_add",
        obj=target,
        data={"code": target.code, "changed": changed},
    )
    return target


def require_open(policy: Policy, day: datetime.date) -> None:
    if (
        not policy.active
        or policy.opens_on > day
        or (policy.closes_on is not None and policy.closes_on < day)
    ):
        raise PolicyClosed()


def eligible(policy: Policy, organization: Organization) -> str | None:
    """Why the organisation may not claim under the policy, or None."""
    if organization.kind not in policy.claimant_kinds:
        return _("%(policy)s is for %(kinds)s.") % {
            "policy": policy.name,
            "kinds": "、".join(str(OrgKind(k).label) for k in policy.claimant_kinds),
        }
    if policy.tech_sme_only and not organization.is_tech_sme:
        return _("%(policy)s is for technology-based SMEs.") % {"policy": policy.name}
    return None


@dataclass(frozen=True)
class Evaluation:
    computation: rules.Computation
    year: int
    period: str
    case: str


def evaluate(
    policy: Policy,
    organization: Organization,
    *,
    inputs: Mapping | None = None,
    case: bases.Case | None = None,
    year: int | None = None,
    claim: Claim | None = None,
    params: Mapping | None = None,
) -> Evaluation:
    """What the policy pays the organisation for `inputs` (declared) or `case` (from the records), with
    its caps and the organisation's prior awards — for a claim, the calculator and the sandbox alike
    (the sandbox passes `params` to try other parameters)."""
    inputs = inputs or {}
    year = case.year if case is not None else (year or clock.today().year)
    level = inputs.get("level")
    base = case.base if case is not None else _decimal(inputs.get("base"))
    items = case.items if case is not None else _int(inputs.get("items"))
    if policy.frequency == Frequency.PER_CASE and case is None:
        items = items or 1
    computation = rules.compute(
        policy.rule_kind,
        params if params is not None else policy.params,
        level=level,
        base=base,
        items=items,
        claim_cap=policy.claim_cap,
        year_cap=policy.year_cap,
        awarded_in_year=bases.awarded(organization, policy=policy, year=year, excluding=claim)
        if policy.year_cap is not None
        else rules.ZERO,
        awarded_in_family=bases.awarded(organization, family=policy.family, excluding=claim)
        if policy.rule_kind == RuleKind.TIERED and policy.family
        else rules.ZERO,
    )
    if case is not None and case.facts:
        computation = rules.Computation(
            computation.amount,
            (rules.Step("records", computation.steps[0].amount, dict(case.facts)),) + computation.steps,
        )
    case_key = case.key if case is not None else str(inputs.get("case", "") or "")[:60]
    if case is None and not case_key and policy.rule_kind == RuleKind.TIERED:
        case_key = str(level or "")  # each level is its own case; the family cap pays only the difference
    return Evaluation(
        computation=computation,
        year=year,
        period=rules.period_key(policy.frequency, year, case_key),
        case=case_key,
    )


def _decimal(value):
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
