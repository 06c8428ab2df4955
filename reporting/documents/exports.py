"""The scoreboard and an indicator's page as PDFs, made while the reader waits (one snapshot's rows and a
chart or two: well under a second)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from ipops import clock
from ipops.access import Actor
from ipops.uploads import safe_name
from reporting import rules, selectors
from reporting.documents import charts, display, pdf
from reporting.models import Indicator, IndicatorValue, Status
from reporting.permissions import require

#: The order statuses are counted in on every document: the worst first.
STATUS_ROWS = (rules.AT_RISK, rules.LAGGING, rules.NO_DATA, rules.ON_TRACK, rules.MET)


def status_label(status: str) -> str:
    return str(Status(status).label) if status in Status.values else "—"


@dataclass(frozen=True)
class Line:
    """One indicator's row in a document's table, every figure already in words and units."""

    indicator: Indicator
    status: str
    status_label: str
    actual: str
    target: str
    target_end: str
    plan_target: str
    progress: str
    progress_ratio: float | None


def line(indicator: Indicator, value: IndicatorValue | None) -> Line:
    status = value.status if value is not None and value.status else rules.NO_DATA
    return Line(
        indicator=indicator,
        status=status,
        status_label=status_label(status),
        actual=display.figure(indicator, value.actual) if value else "—",
        target=display.figure(indicator, value.target) if value else "—",
        target_end=display.figure(indicator, value.target_end) if value else "—",
        plan_target=display.plan_target(indicator),
        progress=display.percent(value.progress) if value else "—",
        progress_ratio=float(value.progress) if value is not None and value.progress is not None else None,
    )


def status_counts(lines: list[Line]) -> list[tuple[str, str, int]]:
    counts = {s: 0 for s in STATUS_ROWS}
    for item in lines:
        counts[item.status] = counts.get(item.status, 0) + 1
    return [(s, status_label(s), counts[s]) for s in STATUS_ROWS]


def common(actor: Actor) -> dict:
    city = actor.city
    return {
        "city": city,
        "plan_years": f"{city.plan_start_year}–{city.plan_end_year}",
        "printed_on": clock.today(),
    }


def scoreboard_pdf(actor: Actor) -> tuple[bytes, str]:
    """The city's scoreboard: the counts per status, every indicator at plan to date, a chart of each
    one's progress against its trajectory."""
    require(actor, "indicator.view")
    board = selectors.scoreboard(actor)
    lines = [line(row.indicator, row.plan) for row in board.rows]
    counts = status_counts(lines)
    context = {
        **common(actor),
        "snapshot": board.snapshot,
        "lines": lines,
        "counts": counts,
        "status_chart": charts.status_counts(counts) if lines else "",
        "progress_chart": charts.progress_bars(
            [(i.indicator.name, i.progress_ratio, i.status) for i in lines]
        )
        if lines
        else "",
    }
    filename = _("%(city)s indicators scoreboard %(day)s") % {
        "city": actor.city.name,
        "day": clock.today().isoformat(),
    }
    return pdf.render("reporting/pdf/scoreboard.html", context), safe_name(filename, "pdf")


def _period_rows(indicator: Indicator, values: list[IndicatorValue]) -> list[dict]:
    return [
        {
            "period": v.period,
            "line": line(indicator, v),
            "rate": display.percent(v.rate) if v.rate is not None else "",
            "compound_rate": display.percent(v.compound_rate) if v.compound_rate is not None else "",
        }
        for v in values
    ]


def trajectory_chart(detail: selectors.IndicatorDetail):
    """The actual against the target's trajectory month by month, with the projection to plan end."""
    indicator = detail.indicator
    if not detail.months:
        return ""
    scale = 10000.0 if indicator.unit == "yuan" else 1.0
    unit = _("10k CNY") if indicator.unit == "yuan" else str(indicator.get_unit_display())

    def scaled(value) -> float | None:
        return float(value) / scale if value is not None else None

    months = [v.period_end for v in detail.months]
    actual = [scaled(v.actual) if v.status else None for v in detail.months]
    target = [scaled(v.target) for v in detail.months]
    projection = None
    if detail.plan is not None and detail.plan.projection is not None:
        projection = (detail.months[-1].period_end, float(detail.plan.projection) / scale)
    return charts.trajectory(
        months,
        actual,
        target,
        projection=projection,
        labels=(_("Actual"), _("Target trajectory"), _("Projection")),
        unit=unit,
    )


def indicator_pdf(actor: Actor, pk) -> tuple[bytes, str]:
    """One indicator: what it measures and by which rule, its baseline, the chart of actual against the
    trajectory with the projection, and its years and quarters."""
    require(actor, "indicator.view")
    detail = selectors.indicator_detail(actor, pk)
    indicator = detail.indicator
    context = {
        **common(actor),
        "indicator": indicator,
        "snapshot": detail.snapshot,
        "plan": line(indicator, detail.plan),
        "plan_value": detail.plan,
        "projection": display.figure(indicator, detail.plan.projection) if detail.plan else "—",
        "baseline": display.baseline(indicator),
        "plan_target": display.plan_target(indicator),
        "rule": display.rule_text(indicator),
        "source": detail.metric.label if detail.metric else indicator.get_statistic_display(),
        "years": _period_rows(indicator, detail.years),
        "quarters": _period_rows(indicator, detail.quarters),
        "growth": indicator.kind in (rules.ANNUAL_GROWTH, rules.REDUCTION),
        "chart": trajectory_chart(detail),
    }
    filename = f"{actor.city.name} {indicator.name}"
    return pdf.render("reporting/pdf/indicator.html", context), safe_name(filename, "pdf")
