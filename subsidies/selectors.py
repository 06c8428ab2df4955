"""Reads of subsidies: the catalogue, claims through the visibility rule, the review queue's counts, what
each policy has used of its budget, the policy calculator (政策计算器) and the sandbox (政策沙盘).

The calculator and the sandbox compute with the very function claims use (`services.evaluate`) and write
nothing."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth

from ipops import clock
from ipops.models import Organization
from ipops.money import ZERO
from subsidies import bases, rules
from subsidies.models import (
    COMMITTED_STATES,
    Basis,
    Claim,
    ClaimState,
    Mode,
    PaymentBatch,
    Policy,
    PolicyYear,
)
from subsidies.services.catalogue import eligible, evaluate


def policies(actor) -> QuerySet[Policy]:
    return Policy.objects.restrict(actor).order_by("code")


def claims(actor) -> QuerySet[Claim]:
    return (
        Claim.objects.restrict(actor).select_related("policy", "organization").order_by("-created_at", "-pk")
    )


def awards_in_notice() -> QuerySet[Claim]:
    """The city's awards in public notice today, for anyone (the public page and API): read by the notice's
    own dates, not by who asks — the request's city scope names the city. Soonest end first."""
    return (
        Claim.objects.filter(
            state__in=(ClaimState.IN_NOTICE, ClaimState.HELD), notice_ends_on__gte=clock.today()
        )
        .select_related("policy", "organization")
        .order_by("notice_ends_on", "pk")
    )


def calendar_gap(day=None) -> int | None:
    """The year the official holiday calendar does not cover yet, if a notice of the longest active policy
    approved on `day` would reach into it: staff are told before they approve, never left to guess."""
    day = day or clock.today()
    longest = max(Policy.objects.filter(active=True).values_list("notice_days", flat=True), default=0)
    if not longest:
        return None
    try:
        rules.add_working_days(day, longest + 1)
    except rules.CalendarNotCovered as exc:
        return exc.year
    return None


def queue_counts(actor) -> dict[str, int]:
    """How many of the claims the actor sees are in each state (the review queue's filter badges)."""
    rows = claims(actor).order_by().values("state").annotate(n=Count("pk"))
    return {row["state"]: row["n"] for row in rows}


@dataclass(frozen=True)
class PolicyUse:
    policy: Policy
    year: int
    approved: Decimal
    approved_count: int
    paid: Decimal

    @property
    def left(self) -> Decimal | None:
        return None if self.policy.annual_budget is None else self.policy.annual_budget - self.approved

    @property
    def share(self) -> Decimal | None:
        return rules.share_of(self.approved, self.policy.annual_budget)


def budget_use(actor, year: int | None = None) -> list[PolicyUse]:
    """Each policy's approved (committed) and paid amounts in the year against its annual budget: two
    grouped queries whatever the number of policies."""
    year = year or clock.today().year
    shown = list(policies(actor))
    counters = {c.policy_id: c for c in PolicyYear.objects.filter(year=year, policy__in=shown)}
    paid = dict(
        Claim.objects.filter(year=year, state=ClaimState.PAID, policy__in=shown)
        .values_list("policy_id")
        .annotate(total=Sum("approved_amount"))
        .order_by()
    )
    return [
        PolicyUse(
            policy=p,
            year=year,
            approved=counters[p.pk].approved_amount if p.pk in counters else ZERO,
            approved_count=counters[p.pk].approved_count if p.pk in counters else 0,
            paid=paid.get(p.pk) or ZERO,
        )
        for p in shown
    ]


# --- the calculator ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    """What a policy would pay the organisation today: per case from the records, or for a declared
    policy, what its rule pays (at each level of a tiered rule)."""

    policy: Policy
    amount: Decimal | None
    why_not: str = ""
    cases: list[tuple[bases.Case, rules.Computation]] = field(default_factory=list)
    levels: list[tuple[str, Decimal]] = field(default_factory=list)
    claimed: bool = False


def calculator(actor, organization: Organization | None = None) -> list[Offer]:
    """Every active policy open today, with what the organisation would get by the same rules its claims
    use; policies it may not claim say why."""
    organization = organization or actor.organization
    today = clock.today()
    open_policies = [
        p
        for p in Policy.objects.filter(active=True).order_by("code")
        if p.opens_on <= today and (p.closes_on is None or p.closes_on >= today)
    ]
    taken = set(
        Claim.objects.filter(organization=organization)
        .exclude(state__in=[ClaimState.WITHDRAWN])
        .values_list("policy_id", "period")
    )
    out = []
    for policy in open_policies:
        why = eligible(policy, organization)
        if why:
            out.append(Offer(policy, None, why_not=why))
            continue
        if policy.basis != Basis.DECLARED:
            found = []
            for case in bases.record_cases(policy, organization, None, today):
                try:
                    found.append((case, evaluate(policy, organization, case=case).computation))
                except rules.RuleError:
                    continue
            unclaimed = [
                (case, c)
                for case, c in found
                if (policy.pk, rules.period_key(policy.frequency, case.year, case.key)) not in taken
            ]
            total = sum((c.amount for _, c in unclaimed), ZERO)
            out.append(
                Offer(
                    policy,
                    total if unclaimed else None,
                    why_not="" if unclaimed else str(bases.not_on_record(policy)),
                    cases=unclaimed,
                    claimed=bool(found) and not unclaimed,
                )
            )
            continue
        levels: list[tuple[str, Decimal]] = []
        amount: Decimal | None = None
        try:
            if policy.rule_kind == rules.TIERED:
                for level in policy.params.get("tiers", {}):
                    levels.append(
                        (level, evaluate(policy, organization, inputs={"level": level}).computation.amount)
                    )
                amount = max((a for _, a in levels), default=None)
            elif policy.rule_kind != rules.PERCENT:
                amount = evaluate(policy, organization, inputs={"items": 1}).computation.amount
        except rules.RuleError:
            amount = None
        period = rules.period_key(policy.frequency, today.year, "")
        out.append(
            Offer(
                policy,
                amount,
                levels=levels,
                claimed=policy.frequency != rules.PER_CASE and (policy.pk, period) in taken,
            )
        )
    return out


# --- the sandbox ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SandboxLine:
    label: str
    organization: str
    now: Decimal
    then: Decimal


@dataclass(frozen=True)
class SandboxResult:
    """What last year's approved claims and the entitlements not yet claimed would cost under the tried
    parameters, beside what they cost (or would cost) under the current ones."""

    policy: Policy
    last_year: int
    last_year_lines: list[SandboxLine]
    entitled_lines: list[SandboxLine]
    budget: Decimal | None

    @property
    def last_year_now(self) -> Decimal:
        return sum((line.now for line in self.last_year_lines), ZERO)

    @property
    def last_year_then(self) -> Decimal:
        return sum((line.then for line in self.last_year_lines), ZERO)

    @property
    def entitled_now(self) -> Decimal:
        return sum((line.now for line in self.entitled_lines), ZERO)

    @property
    def entitled_then(self) -> Decimal:
        return sum((line.then for line in self.entitled_lines), ZERO)


def sandbox(actor, policy: Policy, params: Mapping) -> SandboxResult:
    """The policy's cost under `params` (its rule parameters; `claim_cap` and `year_cap` too when given):
    nothing is written. `rules.RuleError` when the parameters do not fit the rule."""
    rules.check_params(policy.rule_kind, params)
    trial = Policy(
        **{
            f.attname: getattr(policy, f.attname)
            for f in Policy._meta.concrete_fields
            if f.attname not in ("params", "claim_cap", "year_cap")
        }
    )
    trial.params = {k: v for k, v in params.items() if k not in ("claim_cap", "year_cap")}
    trial.claim_cap = _cap(params, "claim_cap", policy.claim_cap)
    trial.year_cap = _cap(params, "year_cap", policy.year_cap)
    today = clock.today()
    last_year = today.year - 1
    past = (
        Claim.objects.filter(policy=policy, year=last_year, state__in=COMMITTED_STATES)
        .select_related("organization")
        .order_by("pk")
    )
    last_lines = []
    for claim in past:
        then = _recompute(trial, claim)
        last_lines.append(
            SandboxLine(
                claim.case or claim.period, claim.organization.name, claim.approved_amount or ZERO, then
            )
        )
    entitled_lines = []
    if policy.mode == Mode.AUTOMATIC or policy.basis != Basis.DECLARED:
        # The entitlements not claimed yet: what the automatic task would create today.
        taken = set(
            Claim.objects.filter(policy=policy)
            .exclude(state=ClaimState.WITHDRAWN)
            .values_list("organization_id", "period")
        )
        for organization in Organization.objects.filter(kind__in=policy.claimant_kinds).order_by("pk"):
            if eligible(policy, organization):
                continue
            for case in bases.record_cases(policy, organization, None, today):
                if (organization.pk, rules.period_key(policy.frequency, case.year, case.key)) in taken:
                    continue
                now = evaluate(policy, organization, case=case).computation.amount
                then = evaluate(trial, organization, case=case).computation.amount
                entitled_lines.append(SandboxLine(case.key, organization.name, now, then))
    return SandboxResult(policy, last_year, last_lines, entitled_lines, policy.annual_budget)


def _cap(params: Mapping, name: str, current):
    if name not in params:
        return current
    value = params[name]
    return None if value in (None, "") else Decimal(str(value))


def _recompute(trial: Policy, claim: Claim) -> Decimal:
    case = None
    if trial.basis != Basis.DECLARED:
        found = bases.record_cases(trial, claim.organization, claim.year, clock.today())
        case = next((c for c in found if c.key == claim.case), None)
        if case is None:
            return ZERO
    try:
        return evaluate(
            trial, claim.organization, inputs=claim.inputs, case=case, claim=claim
        ).computation.amount
    except rules.RuleError:
        return ZERO


def claimant_counts(actor) -> Counter:
    """The claimant's own claims by state (its home's panel)."""
    return Counter(
        dict(
            Claim.objects.filter(organization_id=actor.organization_id)
            .values_list("state")
            .annotate(n=Count("pk"))
            .order_by()
        )
    )


# --- monthly figures and records behind them (read by `reporting`) ------------------------------------------


def paid_by_month(*, city, date_from, date_to) -> dict:
    """Claims paid per month of their payment batch and per policy code: {month: {code: (count, amount)}}."""
    rows = (
        Claim.objects.filter(city=city, state=ClaimState.PAID)
        .filter(batch__paid_on__gte=date_from, batch__paid_on__lte=date_to)
        .annotate(m=TruncMonth("batch__paid_on"))
        .values("m", "policy__code")
        .annotate(n=Count("pk"), amount=Sum("approved_amount"))
        .order_by()
    )
    out: dict = {}
    for row in rows:
        out.setdefault(row["m"], {})[row["policy__code"]] = (row["n"], row["amount"] or ZERO)
    return out


def paid_by_city_month(*, cities, date_from, date_to) -> dict[int, dict[datetime.date, tuple[int, Decimal]]]:
    """Claims paid per month of their payment batch, every policy together, for many cities in one query
    (the indicator roll-up reads a share of the cities at once, inside `scopes_disabled()`):
    {city id: {month: (count, amount)}}.

    The claims are summed by their batch (an integer key) and the few batches then by the month they were
    paid: no join and no date arithmetic per claim."""
    claims, batches = Claim._meta.db_table, PaymentBatch._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT b.city_id, date_trunc('month', b.paid_on)::date, sum(c.n), sum(c.amount)
            FROM (
                SELECT batch_id, count(*) AS n, sum(approved_amount) AS amount FROM {claims}
                WHERE city_id = ANY(%s) AND state = %s GROUP BY batch_id
            ) AS c
            JOIN {batches} b ON b.id = c.batch_id
            WHERE b.paid_on BETWEEN %s AND %s
            GROUP BY 1, 2
            """,  # noqa: S608 — the models' own tables; every value is a parameter
            [list(cities), ClaimState.PAID, date_from, date_to],
        )
        rows = cursor.fetchall()
    out: dict[int, dict[datetime.date, tuple[int, Decimal]]] = {}
    for city_id, month, n, amount in sorted(rows, key=lambda row: (row[0], row[1])):
        out.setdefault(city_id, {})[month] = (int(n), amount or ZERO)
    return out


def paid_claims(*, city, date_from, date_to) -> QuerySet[Claim]:
    """The claims paid in a period, newest payment first: the records behind a subsidies figure."""
    return (
        Claim.objects.filter(city=city, state=ClaimState.PAID)
        .filter(batch__paid_on__gte=date_from, batch__paid_on__lte=date_to)
        .select_related("policy", "organization", "batch")
        .order_by("-batch__paid_on", "-pk")
    )
