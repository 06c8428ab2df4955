"""Subsidy and award rules as pure functions (no ORM): what a policy's rule pays, step by step, and the
working days of a public notice. A policy is data (its rule kind and parameters); these functions are
the only place an amount is computed, for a claim, the calculator and the sandbox alike.

Rule kinds:
- `fixed`: a fixed amount (贯标 100,000);
- `tiered`: an amount per level; a family of policies is capped at the highest level the organisation
  holds, so a later, higher level pays only the difference (advantage / demonstration enterprise);
- `percent`: a rate of a base — a fee paid, the interest paid, the year's transaction amount —
  capped per claim (贴息 50%, the operations-centre award 5% up to 500,000);
- `per_item`: an amount per item (a patent portfolio, a project), the items counted against the
  policy's annual quota.
Then, in order: the per-claim cap, and the per-organisation yearly cap less what this organisation
was already awarded under the policy (or its family) that year.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import chinese_calendar

ZERO = Decimal("0.00")
FEN = Decimal("0.01")

FIXED = "fixed"
TIERED = "tiered"
PERCENT = "percent"
PER_ITEM = "per_item"
RULE_KINDS = (FIXED, TIERED, PERCENT, PER_ITEM)

# How often an organisation may be paid under a policy (the claim's period key).
ONE_TIME = "one_time"
ANNUAL = "annual"
PER_CASE = "per_case"  # once per case: a loan, a project, a patent portfolio


class RuleError(ValueError):
    """A policy's parameters or a claim's inputs do not fit the rule (a code the services translate)."""

    def __init__(self, code: str, field: str):
        super().__init__(code)
        self.code = code
        self.field = field


@dataclass(frozen=True)
class Step:
    """One line of a computation: what was done (`code`), with what (`facts`), giving `amount`."""

    code: str
    amount: Decimal
    facts: Mapping[str, str] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"code": self.code, "amount": str(self.amount), "facts": dict(self.facts)}


@dataclass(frozen=True)
class Computation:
    amount: Decimal
    steps: tuple[Step, ...]

    def as_json(self) -> list[dict]:
        return [s.as_json() for s in self.steps]


def _money(value, field_name: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(FEN, ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        raise RuleError("invalid_parameter", field_name) from None
    if not amount.is_finite() or amount < 0:
        raise RuleError("invalid_parameter", field_name)
    return amount


def _rate(value, field_name: str) -> Decimal:
    try:
        rate = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise RuleError("invalid_parameter", field_name) from None
    if not rate.is_finite() or not Decimal(0) <= rate <= Decimal(1):
        raise RuleError("invalid_parameter", field_name)
    return rate


def check_params(kind: str, params: Mapping) -> None:
    """Refuse parameters a rule cannot run on (the catalogue editor's and the sandbox's check)."""
    if kind == FIXED:
        _money(params.get("amount"), "amount")
    elif kind == TIERED:
        tiers = params.get("tiers")
        if not isinstance(tiers, Mapping) or not tiers:
            raise RuleError("invalid_parameter", "tiers")
        for level, amount in tiers.items():
            _money(amount, f"tiers.{level}")
    elif kind == PERCENT:
        _rate(params.get("rate"), "rate")
    elif kind == PER_ITEM:
        _money(params.get("amount"), "amount")
    else:
        raise RuleError("invalid_parameter", "rule_kind")


def compute(
    kind: str,
    params: Mapping,
    *,
    level: str | None = None,
    base: Decimal | None = None,
    items: int | None = None,
    claim_cap: Decimal | None = None,
    year_cap: Decimal | None = None,
    awarded_in_year: Decimal = ZERO,
    awarded_in_family: Decimal = ZERO,
) -> Computation:
    """What the rule pays, step by step.

    `awarded_in_family`: what the organisation was already awarded under the tiered family (any year);
    `awarded_in_year`: what it was awarded this year under the policy (the yearly cap's scope)."""
    check_params(kind, params)
    steps: list[Step] = []
    if kind == FIXED:
        amount = _money(params["amount"], "amount")
        steps.append(Step("fixed", amount))
    elif kind == TIERED:
        tiers = {k: _money(v, f"tiers.{k}") for k, v in params["tiers"].items()}
        if level not in tiers:
            raise RuleError("unknown_level", "level")
        amount = tiers[level]
        steps.append(Step("tier", amount, {"level": str(level)}))
        if awarded_in_family > ZERO:
            amount = max(amount - awarded_in_family, ZERO)
            steps.append(Step("family_difference", amount, {"awarded": str(awarded_in_family)}))
    elif kind == PERCENT:
        if base is None or base < 0:
            raise RuleError("base_required", "base")
        rate = _rate(params["rate"], "rate")
        amount = (base * rate).quantize(FEN, ROUND_HALF_UP)
        steps.append(Step("percent", amount, {"base": str(base), "rate": str(rate)}))
    else:  # PER_ITEM
        if items is None or items < 1:
            raise RuleError("items_required", "items")
        unit = _money(params["amount"], "amount")
        amount = unit * items
        steps.append(Step("per_item", amount, {"items": str(items), "unit": str(unit)}))
    if claim_cap is not None and amount > claim_cap:
        amount = claim_cap
        steps.append(Step("claim_cap", amount, {"cap": str(claim_cap)}))
    if year_cap is not None:
        left = max(year_cap - awarded_in_year, ZERO)
        if amount > left:
            amount = left
            steps.append(Step("year_cap", amount, {"cap": str(year_cap), "awarded": str(awarded_in_year)}))
    return Computation(amount=amount, steps=tuple(steps))


def share_of(part: Decimal, whole: Decimal | None) -> Decimal | None:
    """`part` of `whole` as a ratio; None without a whole (no budget set)."""
    if whole is None or whole <= 0:
        return None
    return part / whole


def period_key(frequency: str, year: int, case: str = "") -> str:
    """The claim's period: one-time awards once ever, annual ones once a year, per-case once a case."""
    if frequency == ONE_TIME:
        return "once"
    if frequency == ANNUAL:
        return str(year)
    return f"{year}:{case}"


# --- working days ----------------------------------------------------------------------------------


class CalendarNotCovered(Exception):
    """The official calendar has no data for this year yet (the State Council publishes it each
    November): a notice period there cannot be counted, and is never guessed as weekdays."""

    def __init__(self, year: int):
        super().__init__(year)
        self.year = year


def is_working_day(day: datetime.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        raise CalendarNotCovered(day.year) from None


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The last day of a period of `days` working days that begins on `start` or the next working day
    after it (a notice published on a holiday starts counting on the first working day)."""
    if days < 1:
        raise ValueError("a period has at least one working day")
    day, counted = start, 0
    while True:
        if is_working_day(day):
            counted += 1
            if counted == days:
                return day
        day += datetime.timedelta(days=1)
