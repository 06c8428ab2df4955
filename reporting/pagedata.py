"""What the reporting pages show, as people read it: figures in their units (万元 for amounts, percentages
for rates and progress), the status rule in words, the cities an official may compare, and the charts'
ECharts options. No query here runs per row: the pages read through `reporting.selectors`."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from ipops.access import CITY_READER_ROLES, actor_for, request_cities
from ipops.models import City
from ipops.money import display_rate, to_wan
from ipops.tenancy import scopes_disabled
from reporting import rules
from reporting.models import Indicator, Kind, SourceKind, StatisticCode, Unit
from reporting.sources import METRICS

#: Bootstrap colours of the statuses (badges, bars, the counts chart).
STATUS_COLOURS = {
    rules.MET: "success",
    rules.ON_TRACK: "primary",
    rules.LAGGING: "warning",
    rules.AT_RISK: "danger",
    rules.NO_DATA: "secondary",
    "": "secondary",
}
STATUS_HEX = {
    rules.MET: "#198754",
    rules.ON_TRACK: "#0d6efd",
    rules.LAGGING: "#e0a030",
    rules.AT_RISK: "#dc3545",
    rules.NO_DATA: "#8c959f",
}
RATE_KINDS = frozenset({Kind.ANNUAL_GROWTH, Kind.REDUCTION})
#: Units counted in whole numbers (a fractional level still shows its decimals).
COUNT_UNITS = frozenset({Unit.ITEMS, Unit.ENTITIES, Unit.PROJECTS, Unit.PEOPLE, Unit.PERSONS})
YI = Decimal(100_000_000)


def _number(value: Decimal, places: int) -> str:
    text = f"{value:,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def figure(value, unit: str) -> str:
    """A measured or target level in its unit: amounts in 万元 (亿元 from 100 million), counts whole."""
    if value is None or value == "":
        return "—"
    value = Decimal(value)
    if unit == Unit.YUAN:
        if abs(value) >= YI:
            yi = _("100M CNY")
            return f"{value / YI:,.2f} {yi}"
        wan = _("10k CNY")
        return f"{to_wan(value):,.2f} {wan}"
    label = Unit(unit).label if unit in Unit.values else ""
    if unit in COUNT_UNITS and value == value.to_integral_value():
        return f"{value:,.0f} {label}".strip()
    return f"{_number(value, 2)} {label}".strip()


def percent(ratio, places: int = 1) -> str:
    return "—" if ratio is None else display_rate(ratio, places)


def target_text(indicator: Indicator) -> str:
    """The plan-end target as the plan states it: a rate for growth and reductions, else a level."""
    if indicator.kind in RATE_KINDS:
        return percent(indicator.target, 2)
    return figure(indicator.target, indicator.unit)


def source_text(indicator: Indicator) -> str:
    if indicator.source == SourceKind.COMPUTED:
        metric = METRICS.get(indicator.metric)
        return str(metric.label) if metric else indicator.metric
    return (
        str(StatisticCode(indicator.statistic).label) if indicator.statistic in StatisticCode.values else ""
    )


def rule_text(indicator: Indicator) -> list[str]:
    """How this indicator's status is decided, in sentences."""
    lagging, at_risk = percent(indicator.lagging_below, 2), percent(indicator.at_risk_below, 2)
    lines = []
    if indicator.kind == Kind.ANNUAL_GROWTH:
        lines.append(
            _(
                "The trajectory compounds: the baseline year's figure grows by %(rate)s a year; within a year "
                "the target is that year's figure pro rata of the months elapsed."
            )
            % {"rate": target_text(indicator)}
        )
    elif indicator.kind == Kind.ANNUAL_AMOUNT:
        lines.append(
            _("The trajectory is linear within each year: the year's target pro rata of the months elapsed.")
        )
    elif indicator.kind == Kind.REDUCTION:
        lines.append(
            _(
                "The trajectory is linear from the baseline to the baseline reduced by %(rate)s at the end "
                "of the plan."
            )
            % {"rate": target_text(indicator)}
        )
    else:
        lines.append(
            _(
                "The trajectory is linear from the baseline (or zero at the plan's start) through any target "
                "per year to the plan-end target."
            )
        )
    if indicator.direction == "lower":
        lines.append(_("Lower is better: progress is the target at this point ÷ the actual."))
    else:
        lines.append(_("Progress is the actual ÷ the target at this point of the trajectory."))
    lines.append(
        _(
            "Met once the period's target is reached; otherwise on track from %(lagging)s progress, lagging "
            "from %(at_risk)s, at risk below %(at_risk)s."
        )
        % {"lagging": lagging, "at_risk": at_risk}
    )
    return lines


def progress_width(progress) -> int:
    """Width of a progress bar in percent (capped at 100)."""
    if progress is None:
        return 0
    return max(0, min(100, int(Decimal(progress) * 100)))


def comparable_cities(request) -> list[City]:
    """The cities whose indicators this user reads (bureau or official there), in the switcher's order."""
    cities = request_cities(request)
    if len(cities) < 2:
        return cities  # nothing to compare: no need to ask what the user is in each
    out = []
    user = request.user
    with scopes_disabled():
        for city in cities:
            actor = actor_for(user, city)
            if actor is not None and actor.role in CITY_READER_ROLES:
                out.append(city)
    return out


# --- charts -------------------------------------------------------------------------------------------


def _float(value) -> float | None:
    return None if value is None else round(float(value), 6)


def sparkline(values: list[float | None], status: str) -> dict:
    colour = STATUS_HEX.get(status, "#8c959f")
    return {
        "animation": False,
        "grid": {"left": 2, "right": 2, "top": 4, "bottom": 4},
        "xAxis": {"type": "category", "show": False, "boundaryGap": False},
        "yAxis": {"type": "value", "show": False, "scale": True},
        "tooltip": {"show": False},
        "series": [
            {
                "type": "line",
                "data": values,
                "symbol": "none",
                "lineStyle": {"width": 1.5, "color": colour},
                "areaStyle": {"color": colour, "opacity": 0.12},
            }
        ],
    }


def status_chart(counts: dict[str, int], labels: dict[str, str]) -> dict:
    order = [rules.AT_RISK, rules.LAGGING, rules.NO_DATA, rules.ON_TRACK, rules.MET]
    return {
        "tooltip": {"trigger": "item"},
        "legend": {"bottom": 0},
        "series": [
            {
                "type": "pie",
                "radius": ["40%", "68%"],
                "data": [
                    {"name": labels[s], "value": counts[s], "itemStyle": {"color": STATUS_HEX[s]}}
                    for s in order
                    if counts.get(s)
                ],
            }
        ],
    }


def _plot(value, unit: str) -> float | None:
    """A level as drawn: amounts in 万元."""
    if value is None:
        return None
    return _float(to_wan(value, 6)) if unit == Unit.YUAN else _float(value)


def trajectory_chart(indicator: Indicator, months, plan) -> dict:
    """Actual against the trajectory by month, and the projection to plan end."""
    unit = indicator.unit
    labels = [m.period for m in months]
    actual = [_plot(m.actual, unit) if m.status else None for m in months]
    series = [
        {
            "name": _("Actual"),
            "type": "line",
            "data": actual,
            "connectNulls": False,
            "itemStyle": {"color": "#1f5f99"},
        },
        {
            "name": _("Target (trajectory)"),
            "type": "line",
            "data": [_plot(m.target, unit) for m in months],
            "symbol": "none",
            "lineStyle": {"type": "dashed"},
            "itemStyle": {"color": "#8c959f"},
        },
    ]
    if (
        plan is not None
        and plan.projection is not None
        and indicator.kind not in rules.ANNUAL_KINDS
        and labels
    ):
        last = max((i for i, v in enumerate(actual) if v is not None), default=None)
        if last is not None:
            data: list[float | None] = [None] * len(labels)
            data[last] = actual[last]
            data[-1] = _plot(plan.projection, unit)
            series.append(
                {
                    "name": _("Projection"),
                    "type": "line",
                    "data": data,
                    "connectNulls": True,
                    "lineStyle": {"type": "dotted"},
                    "itemStyle": {"color": "#e0a030"},
                }
            )
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 70, "right": 20, "top": 40, "bottom": 50},
        "xAxis": {"type": "category", "data": labels, "axisLabel": {"rotate": 45, "fontSize": 10}},
        "yAxis": {
            "type": "value",
            "name": _("10k CNY") if unit == Unit.YUAN else (Unit(unit).label if unit in Unit.values else ""),
        },
        "series": series,
    }


def comparison_chart(lines: list[dict], cities: list[City]) -> dict:
    """Progress per indicator and city (percent)."""
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 50, "right": 10, "top": 40, "bottom": 110},
        "xAxis": {
            "type": "category",
            "data": [line["name"] for line in lines],
            "axisLabel": {"interval": 0, "rotate": 40, "fontSize": 10},
        },
        "yAxis": {"type": "value", "name": "%"},
        "series": [
            {
                "name": city.name,
                "type": "bar",
                "data": [
                    _float(v.progress * 100)
                    if (v := line["cities"].get(city.slug)) and v.progress is not None
                    else None
                    for line in lines
                ],
            }
            for city in cities
        ],
    }
