"""Reads of the city's indicators, always from the current snapshot and through the actor's view.

The scoreboard is three queries however many indicators: the snapshot, the plan-to-date rows with their
indicators, the monthly rows for the sparklines.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet

from ipops.access import Actor
from ipops.errors import NotFound
from ipops.models import City
from ipops.tenancy import city_scope
from ipops.visibility import get_visible_or_404, restrict
from reporting import rules
from reporting.errors import ReportingErrorCode
from reporting.models import Indicator, IndicatorValue, Snapshot, SourceKind, Statistic
from reporting.sources import METRICS, Metric


def current_snapshot(actor: Actor) -> Snapshot | None:
    return restrict(Snapshot.objects.filter(is_current=True), actor).first()


@dataclass
class ScoreRow:
    indicator: Indicator
    plan: IndicatorValue | None
    months: list[IndicatorValue] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.plan.status if self.plan else rules.NO_DATA

    @property
    def sparkline(self) -> list[float | None]:
        return [float(v.actual) if v.actual is not None else None for v in self.months if v.status != ""]


@dataclass
class Scoreboard:
    snapshot: Snapshot | None
    rows: list[ScoreRow]

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for row in self.rows:
            out[row.status] += 1
        return dict(out)


def _order(row: ScoreRow) -> tuple:
    """Worst status first; within a status, the furthest behind first."""
    progress = row.plan.progress if row.plan and row.plan.progress is not None else None
    return (
        rules.STATUS_ORDER.get(row.status, 9),
        progress if progress is not None else 0,
        row.indicator.order,
    )


def scoreboard(actor: Actor, *, status: str = "") -> Scoreboard:
    """Every active indicator at plan to date, lagging ones first, with its monthly actuals (sparkline)."""
    snapshot = current_snapshot(actor)
    indicators = list(restrict(Indicator.objects.filter(active=True), actor).order_by("order", "code"))
    rows = {i.pk: ScoreRow(i, None) for i in indicators}
    if snapshot is not None:
        values = IndicatorValue.objects.filter(
            snapshot=snapshot, indicator__in=indicators, period_kind__in=[rules.PLAN, rules.MONTH]
        ).order_by("indicator_id", "period_end")
        for value in values:
            row = rows.get(value.indicator_id)
            if row is None:
                continue
            if value.period_kind == rules.PLAN:
                row.plan = value
            else:
                row.months.append(value)
    ordered = sorted(rows.values(), key=_order)
    if status:
        ordered = [r for r in ordered if r.status == status]
    return Scoreboard(snapshot, ordered)


@dataclass
class IndicatorDetail:
    indicator: Indicator
    snapshot: Snapshot | None
    plan: IndicatorValue | None
    years: list[IndicatorValue]
    quarters: list[IndicatorValue]
    months: list[IndicatorValue]
    metric: Metric | None


def indicator_detail(actor: Actor, pk) -> IndicatorDetail:
    indicator = get_visible_or_404(Indicator.objects.all(), actor, pk)
    snapshot = current_snapshot(actor)
    by_kind: dict[str, list[IndicatorValue]] = defaultdict(list)
    if snapshot is not None:
        for value in IndicatorValue.objects.filter(snapshot=snapshot, indicator=indicator).order_by(
            "period_end"
        ):
            by_kind[value.period_kind].append(value)
    plan = by_kind[rules.PLAN][0] if by_kind[rules.PLAN] else None
    metric = METRICS.get(indicator.metric) if indicator.source == SourceKind.COMPUTED else None
    return IndicatorDetail(
        indicator, snapshot, plan, by_kind[rules.YEAR], by_kind[rules.QUARTER], by_kind[rules.MONTH], metric
    )


def period_bounds(key: str, city: City) -> tuple[datetime.date, datetime.date]:
    """A period key ("2025-03", "2025-Q1", "2025", "plan") as its first and last day; 404 if not the plan's."""
    for period in rules.plan_periods(city.plan_start_year, city.plan_years):
        if period.key == key:
            return period.start, period.end
    raise NotFound(code=ReportingErrorCode.INVALID_PERIOD)


@dataclass
class Records:
    indicator: Indicator
    metric: Metric
    period: str
    date_from: datetime.date
    date_to: datetime.date
    queryset: QuerySet


def records(actor: Actor, pk, period: str) -> Records:
    """The records behind a computed figure in a period (the deals of that month, the loans of that
    quarter). A reported indicator, or a metric without records, has none to show (404)."""
    indicator = get_visible_or_404(Indicator.objects.all(), actor, pk)
    metric = METRICS.get(indicator.metric) if indicator.source == SourceKind.COMPUTED else None
    if metric is None or metric.records is None:
        raise NotFound(code=ReportingErrorCode.INDICATOR_NOT_FOUND)
    date_from, date_to = period_bounds(period, actor.city)
    if indicator.kind in rules.ANNUAL_KINDS and period != rules.PLAN:
        date_from = datetime.date(date_to.year, 1, 1) if period.count("-") == 0 else date_from
    qs = metric.records(city=actor.city, date_from=date_from, date_to=date_to)
    return Records(indicator, metric, period, date_from, date_to, qs)


def statistics(actor: Actor, *, code: str = "", history: bool = False) -> QuerySet[Statistic]:
    qs = restrict(Statistic.objects.all(), actor).select_related("entered_by")
    if not history:
        qs = qs.filter(is_current=True)
    if code:
        qs = qs.filter(code=code)
    return qs.order_by("code", "-year", "-month", "-version")


@dataclass
class Comparison:
    cities: list[City]
    #: One line per indicator code: its name and, per city, the plan-to-date row (or None).
    lines: list[dict]


def comparison(cities: list[City]) -> Comparison:
    """Every indicator side by side across the cities the official may read (the caller checked the grants),
    ranked by progress. Two queries per city (its current snapshot's plan rows, with their indicators)."""
    lines: dict[str, dict] = {}
    for city in cities:
        with city_scope(city):
            values = IndicatorValue.objects.filter(
                city=city, snapshot__is_current=True, period_kind=rules.PLAN, indicator__active=True
            ).select_related("indicator")
            for value in values:
                line = lines.setdefault(
                    value.indicator.code,
                    {
                        "code": value.indicator.code,
                        "name": value.indicator.name,
                        "indicator": value.indicator,
                        "cities": {},
                    },
                )
                line["cities"][city.slug] = value
    for line in lines.values():
        ranked = sorted(
            (v for v in line["cities"].values() if v.progress is not None),
            key=lambda v: v.progress,
            reverse=True,
        )
        line["rank"] = {v.city_id: i for i, v in enumerate(ranked, start=1)}
    ordered = sorted(lines.values(), key=lambda line: (line["indicator"].order, line["code"]))
    return Comparison(cities, ordered)
