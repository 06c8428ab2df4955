"""Figures as a reader of a printed document reads them: amounts in 万元 (亿元 from 100 million), rates and
progress as percentages, counts without trailing decimals, the unit beside every figure. Never the stored
internals ("0.950000", "annual_growth")."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from ipops.money import display_rate
from reporting import rules
from reporting.models import Indicator, Unit

YI = Decimal("100000000")
WAN = Decimal("10000")
#: Kinds whose plan-end target is a rate (a ratio), not a level.
RATE_TARGET_KINDS = frozenset({rules.ANNUAL_GROWTH, rules.REDUCTION})


def _trim(value: Decimal, places: int) -> str:
    """`value` to at most `places` decimals, thousands separated, without trailing zeros."""
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{rounded:,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def amount(value) -> str:
    """An amount in 元 as 万元, or 亿元 from 100 million: "1,234.5 万元", "1.25 亿元"."""
    if value is None:
        return "—"
    value = Decimal(str(value))
    if abs(value) >= YI:
        yi = _("100M CNY")
        return f"{_trim(value / YI, 2)} {yi}"
    wan = _("10k CNY")
    return f"{_trim(value / WAN, 2)} {wan}"


def percent(ratio, places: int = 1) -> str:
    """A ratio as a percentage: 0.953 → "95.3%"."""
    if ratio is None:
        return "—"
    return display_rate(Decimal(str(ratio)), places)


def figure(indicator: Indicator, value) -> str:
    """A measured or target level of the indicator in its unit."""
    if value is None:
        return "—"
    value = Decimal(str(value))
    if indicator.unit == Unit.YUAN:
        return amount(value)
    places = 2 if indicator.unit in (Unit.PER_10K, Unit.POINTS, Unit.DAYS) else 0
    return f"{_trim(value, places)} {indicator.get_unit_display()}"


def plan_target(indicator: Indicator) -> str:
    """What the plan asks by its end: a growth or reduction rate as a percentage, else a level."""
    if indicator.kind == rules.ANNUAL_GROWTH:
        return _("+%(rate)s a year") % {"rate": percent(indicator.target)}
    if indicator.kind == rules.REDUCTION:
        return _("−%(rate)s against the baseline") % {"rate": percent(indicator.target)}
    return figure(indicator, indicator.target)


def baseline(indicator: Indicator) -> str:
    if indicator.baseline_value is None:
        return "—"
    shown = figure(indicator, indicator.baseline_value)
    return f"{shown} ({indicator.baseline_year})" if indicator.baseline_year else shown


def rule_text(indicator: Indicator) -> str:
    """How the indicator's status is decided, in words (the thresholds as percentages)."""
    return _(
        "%(kind)s. Met when the actual reaches the period's target; otherwise progress against the "
        "trajectory decides: at least %(lagging)s on track, at least %(at_risk)s lagging, below that at risk."
    ) % {
        "kind": indicator.get_kind_display(),
        "lagging": percent(indicator.lagging_below, 0),
        "at_risk": percent(indicator.at_risk_below, 0),
    }
