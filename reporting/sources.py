"""Where an indicator's figures come from: the *metrics* computed from the other apps' records (through
their selectors: reporting imports them, they never import reporting) and the *statistics* the bureau
reports. Each becomes a `rules.Series` by month.

`CitySources` reads each source app once per roll-up (one grouped query per source table, never raw rows
into Python): the deal count and the deal amount share one query, the three loan metrics another.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from funds.selectors.register import guided_market_funds, guided_market_funds_by_month
from ipops.models import City
from ipops.selectors.registry import registry_by_month, registry_records
from pledge_finance.figures import disbursed_loans, loans_by_month
from reporting.models import Statistic, StatisticCode, Unit
from reporting.rules import Series
from subsidies.selectors import paid_by_month, paid_claims
from trading.models import CentreKind
from trading.selectors import centres_evaluation, completed_deals, deals_by_month

#: What a change in another app touches: the topics `ipops.events` publishes.
DEALS = "deals"
LOANS = "loans"
CLAIMS = "claims"
FUNDS = "funds"
REGISTRY = "registry"

#: Reported statistics that are amounts in their period (summed); the others are levels (carried forward).
FLOW_STATISTICS = frozenset(
    {
        StatisticCode.PCT_APPLICATIONS,
        StatisticCode.ENFORCEMENT_CASES,
        StatisticCode.PRACTITIONERS_TRAINED,
        StatisticCode.CERTIFIED_ENTITIES,
        StatisticCode.SECURITISATION_PRODUCTS,
        StatisticCode.NAVIGATION_PROJECTS,
    }
)


@dataclass(frozen=True)
class Metric:
    """A named aggregation by city and month. `read(sources)` picks its values out of the source query it
    shares; `records(city, date_from, date_to)` is the queryset behind a figure (drill-down)."""

    code: str
    label: Any
    unit: str
    flow: bool
    topic: str
    read: Callable[[CitySources], dict[datetime.date, Decimal]]
    records: Callable[..., QuerySet] | None = None


class CitySources:
    """One city's source queries, each run once, over the plan (and the year before it, for growth)."""

    def __init__(self, city: City, date_from: datetime.date, date_to: datetime.date):
        self.city = city
        self.date_from = date_from
        self.date_to = date_to

    @cached_property
    def deals(self):
        return deals_by_month(city=self.city, date_from=self.date_from, date_to=self.date_to)

    @cached_property
    def loans(self):
        return loans_by_month(city=self.city, date_from=self.date_from, date_to=self.date_to)

    @cached_property
    def claims(self):
        return paid_by_month(city=self.city, date_from=self.date_from, date_to=self.date_to)

    @cached_property
    def registry(self):
        return registry_by_month(city=self.city)

    @cached_property
    def funds(self):
        return guided_market_funds_by_month(city=self.city)

    @cached_property
    def centres(self) -> dict[datetime.date, Decimal]:
        """Industry centres at [003]'s national level: each year's count sits in its December (the current
        year's in its latest month, on the year's deals so far)."""
        from trading.models import OperationsCentre

        centres = list(OperationsCentre.objects.filter(city=self.city, kind=CentreKind.INDUSTRY))
        out: dict[datetime.date, Decimal] = {}
        for year in range(self.date_from.year, self.date_to.year + 1):
            month = datetime.date(year, 12, 1) if year < self.date_to.year else self.date_to.replace(day=1)
            out[month] = Decimal(sum(1 for e in centres_evaluation(year, centres) if e.qualified))
        return out

    @cached_property
    def statistics(self) -> dict[str, dict[datetime.date, Decimal]]:
        """Every current reported value of the city in one query: a yearly figure in its December, unless
        monthly figures of that year exist (then they are the year)."""
        yearly: dict[str, dict[int, Decimal]] = defaultdict(dict)
        monthly: dict[str, dict[datetime.date, Decimal]] = defaultdict(dict)
        for code, year, month, value in Statistic.objects.filter(city=self.city, is_current=True).values_list(
            "code", "year", "month", "value"
        ):
            if month:
                monthly[code][datetime.date(year, month, 1)] = value
            else:
                yearly[code][year] = value
        out: dict[str, dict[datetime.date, Decimal]] = defaultdict(dict)
        for code in set(yearly) | set(monthly):
            months = monthly.get(code, {})
            years_with_months = {m.year for m in months}
            out[code].update(months)
            for year, value in yearly.get(code, {}).items():
                if code in FLOW_STATISTICS and year in years_with_months:
                    continue
                out[code].setdefault(datetime.date(year, 12, 1), value)
        return out

    def series(self, source: str, code: str) -> Series:
        if source == "reported":
            return Series(flow=code in FLOW_STATISTICS, points=self.statistics.get(code, {}), reported=True)
        metric = METRICS[code]
        return Series(flow=metric.flow, points=metric.read(self))


def _cumulated(increments: dict) -> dict[datetime.date, Decimal]:
    """Levels at each month end from increments by month (everything before the first month included)."""
    level = Decimal(0)
    out = {}
    for month in sorted(increments):
        key = month.date() if isinstance(month, datetime.datetime) else month
        level += Decimal(increments[month])
        out[key] = level
    return out


def _field(rows: dict, attr: str) -> dict[datetime.date, Decimal]:
    return {month: Decimal(getattr(figures, attr)) for month, figures in rows.items()}


def _subsidies(rows: dict, part: int) -> dict[datetime.date, Decimal]:
    return {month: Decimal(sum(v[part] for v in by_policy.values())) for month, by_policy in rows.items()}


def _registry_records(pct: bool):
    def records(*, city, date_from, date_to):
        return registry_records(city=city, date_from=date_from, date_to=date_to, pct=pct)

    return records


METRICS: dict[str, Metric] = {
    m.code: m
    for m in [
        Metric(
            "deals_count",
            _("Completed transfers and licences"),
            Unit.ITEMS,
            True,
            DEALS,
            lambda s: _field(s.deals, "count"),
            completed_deals,
        ),
        Metric(
            "deals_amount",
            _("Amount of completed transfers and licences"),
            Unit.YUAN,
            True,
            DEALS,
            lambda s: _field(s.deals, "amount"),
            completed_deals,
        ),
        Metric(
            "pledge_count",
            _("Pledge loans disbursed"),
            Unit.PROJECTS,
            True,
            LOANS,
            lambda s: _field(s.loans, "count"),
            disbursed_loans,
        ),
        Metric(
            "pledge_amount",
            _("Pledge financing disbursed"),
            Unit.YUAN,
            True,
            LOANS,
            lambda s: _field(s.loans, "amount"),
            disbursed_loans,
        ),
        Metric(
            "pledge_enterprises",
            _("Enterprises financed by pledge loans"),
            Unit.ENTITIES,
            True,
            LOANS,
            lambda s: _field(s.loans, "new_enterprises"),
            disbursed_loans,
        ),
        Metric(
            "subsidies_paid_amount",
            _("Subsidies and awards paid"),
            Unit.YUAN,
            True,
            CLAIMS,
            lambda s: _subsidies(s.claims, 1),
            paid_claims,
        ),
        Metric(
            "subsidies_paid_count",
            _("Subsidy and award claims paid"),
            Unit.ITEMS,
            True,
            CLAIMS,
            lambda s: _subsidies(s.claims, 0),
            paid_claims,
        ),
        Metric(
            "registry_inventions",
            _("In-force invention patents on the platform"),
            Unit.ITEMS,
            False,
            REGISTRY,
            lambda s: _cumulated(s.registry["inventions"]),
            _registry_records(pct=False),
        ),
        Metric(
            "registry_pct",
            _("PCT applications on the platform"),
            Unit.ITEMS,
            True,
            REGISTRY,
            lambda s: {
                (k.date() if isinstance(k, datetime.datetime) else k): Decimal(v)
                for k, v in s.registry["pct"].items()
            },
            _registry_records(pct=True),
        ),
        Metric(
            "market_funds_guided",
            _("Market funds guided by the guide fund"),
            Unit.ITEMS,
            False,
            FUNDS,
            lambda s: _cumulated(s.funds),
            guided_market_funds,
        ),
        Metric(
            "industry_centres",
            _("Industry IP operations centres at the national level"),
            Unit.ITEMS,
            False,
            DEALS,
            lambda s: s.centres,
        ),
    ]
}

METRIC_CHOICES = [(code, m.label) for code, m in METRICS.items()]


def topics_of(indicator) -> set[str]:
    """The events that change an indicator: its metric's topic (a reported one changes with its data only)."""
    if indicator.source == "computed" and indicator.metric in METRICS:
        return {METRICS[indicator.metric].topic}
    return set()
