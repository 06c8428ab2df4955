"""Where an indicator's figures come from: the *metrics* computed from the other apps' records (through
their selectors: reporting imports them, they never import reporting) and the *statistics* the bureau
reports. Each becomes a `rules.Series` by month.

`CitySources` reads each source app once per roll-up (one grouped query per source table, never raw rows
into Python): the deal count and the deal amount share one query, the three loan metrics another.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from funds.selectors.register import (
    guided_market_funds,
    guided_market_funds_by_city_month,
    guided_market_funds_by_month,
)
from ipops.models import City
from ipops.selectors.registry import registry_by_city_month, registry_by_month, registry_records
from pledge_finance.figures import disbursed_loans, loans_by_city_month, loans_by_month
from reporting.models import Statistic, StatisticCode, Unit
from reporting.rules import Series
from subsidies.selectors import paid_by_city_month, paid_claims
from trading.models import CentreKind, OperationsCentre
from trading.selectors import centres_evaluation, completed_deals, deals_by_city_month, deals_by_month

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

    @classmethod
    def read_together(
        cls, windows: Mapping[City, tuple[datetime.date, datetime.date]]
    ) -> dict[int, CitySources]:
        """Many cities' sources with each source read once for all of them, grouped by city and month (the
        nightly roll-up of every city: one by one, a city costs about twenty statements, and its deals
        query pays the row-security policy's poor estimate). Call inside `scopes_disabled()`.

        Each city keeps its own window: the months outside it are dropped, so a city's sources are exactly
        what `CitySources(city, *window)` reads."""
        ids = [city.pk for city in windows]
        start = min(w[0] for w in windows.values())
        end = max(w[1] for w in windows.values())
        deals = deals_by_city_month(cities=ids, date_from=start, date_to=end)
        loans = loans_by_city_month(cities=ids, date_from=start, date_to=end)
        claims = paid_by_city_month(cities=ids, date_from=start, date_to=end)
        registry = registry_by_city_month(cities=ids)
        funds = guided_market_funds_by_city_month(cities=ids)
        centres: dict[int, list[OperationsCentre]] = defaultdict(list)
        for centre in OperationsCentre.objects.filter(city_id__in=ids, kind=CentreKind.INDUSTRY):
            centres[centre.city_id].append(centre)
        statistics: dict[int, list[tuple]] = defaultdict(list)
        for city_id, *row in (
            Statistic.objects.filter(city_id__in=ids, is_current=True)
            .values_list("city_id", "code", "year", "month", "value")
            .order_by()
        ):
            statistics[city_id].append(row)
        out = {}
        for city, (date_from, date_to) in windows.items():
            first = date_from.replace(day=1)

            def within(by_city: dict, city_id: int = city.pk, first=first, last=date_to) -> dict:
                return {m: v for m, v in by_city.get(city_id, {}).items() if first <= m <= last}

            sources = cls(city, date_from, date_to)
            # The values the cached properties would have read (a cached_property lives in the instance's
            # __dict__ under its own name).
            sources.__dict__.update(
                deals=within(deals),
                loans=within(loans),
                claims=within(claims),
                registry=registry.get(city.pk, {"inventions": {}, "pct": {}}),
                funds=funds.get(city.pk, {}),
                centres=_qualified_centres(centres.get(city.pk, []), date_from, date_to),
                statistics=_reported(statistics.get(city.pk, [])),
            )
            out[city.pk] = sources
        return out

    @cached_property
    def deals(self):
        return deals_by_month(city=self.city, date_from=self.date_from, date_to=self.date_to)

    @cached_property
    def loans(self):
        return loans_by_month(city=self.city, date_from=self.date_from, date_to=self.date_to)

    @cached_property
    def claims(self):
        return paid_by_city_month(cities=[self.city.pk], date_from=self.date_from, date_to=self.date_to).get(
            self.city.pk, {}
        )

    @cached_property
    def registry(self):
        return registry_by_month(city=self.city)

    @cached_property
    def funds(self):
        return guided_market_funds_by_month(city=self.city)

    @cached_property
    def centres(self) -> dict[datetime.date, Decimal]:
        centres = list(OperationsCentre.objects.filter(city=self.city, kind=CentreKind.INDUSTRY))
        return _qualified_centres(centres, self.date_from, self.date_to)

    @cached_property
    def statistics(self) -> dict[str, dict[datetime.date, Decimal]]:
        return _reported(
            Statistic.objects.filter(city=self.city, is_current=True).values_list(
                "code", "year", "month", "value"
            )
        )

    def series(self, source: str, code: str) -> Series:
        if source == "reported":
            return Series(flow=code in FLOW_STATISTICS, points=self.statistics.get(code, {}), reported=True)
        metric = METRICS[code]
        return Series(flow=metric.flow, points=metric.read(self))


def _qualified_centres(
    centres: list, date_from: datetime.date, date_to: datetime.date
) -> dict[datetime.date, Decimal]:
    """Industry centres at [003]'s national level: each year's count sits in its December (the current
    year's in its latest month, on the year's deals so far). No centres, no query."""
    out: dict[datetime.date, Decimal] = {}
    for year in range(date_from.year, date_to.year + 1):
        month = datetime.date(year, 12, 1) if year < date_to.year else date_to.replace(day=1)
        qualified = sum(1 for e in centres_evaluation(year, centres) if e.qualified) if centres else 0
        out[month] = Decimal(qualified)
    return out


def _reported(rows: Iterable[tuple]) -> dict[str, dict[datetime.date, Decimal]]:
    """A city's current reported values (code, year, month, value) by month: a yearly figure in its
    December, unless monthly figures of that year exist (then they are the year)."""
    yearly: dict[str, dict[int, Decimal]] = defaultdict(dict)
    monthly: dict[str, dict[datetime.date, Decimal]] = defaultdict(dict)
    for code, year, month, value in rows:
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
    return {month: Decimal(figures[part]) for month, figures in rows.items()}


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
