"""How an indicator's figure, its target at a point of the plan, its progress, status and projection are
worked out: pure functions over a source's monthly series (no ORM), so every kind has worked cases.

A *series* holds one value per month (the month's first day as key): for a flow (deals, amounts, cases) the
amount in that month, summed over a period; for a stock (population, patents in force) the level at the
month's end, carried forward until the next value. A reported yearly figure sits in December.

The *measure* is the figure the target speaks of, at a day:
- cumulative count: the flow summed since the plan started (a stock source: its level);
- stock ratio: numerator ÷ denominator × scale (valid invention patents ÷ population × 10,000);
- annual amount and annual growth: the flow summed since 1 January of that day's year (year to date);
- reduction, score, count ≥ N, people: the level (a flow source: summed since the plan started).

The *trajectory* is where the measure should be on that day to reach the target by plan end: linear from
the baseline (at the end of the baseline year, else 0 at plan start) through any per-year targets to the
plan-end target for levels; for annual kinds the year's target pro rata of the year elapsed — a growth
target compounds the baseline year's amount year by year ((1 + g)ᵏ), then pro rata.

Status: *met* when the measure has reached the period's target (the plan-end target, or the year's for
annual kinds); otherwise progress = measure ÷ trajectory (inverted when lower is better) decides: at
least `lagging_below` (default 95%) *on track*, at least `at_risk_below` (80%) *lagging*, else *at risk*.
"""

from __future__ import annotations

import bisect
import calendar
import datetime
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

CUMULATIVE = "cumulative"
STOCK_RATIO = "stock_ratio"
ANNUAL_AMOUNT = "annual_amount"
ANNUAL_GROWTH = "annual_growth"
REDUCTION = "reduction"
SCORE = "score"
COUNT_AT_LEAST = "count_at_least"
PEOPLE = "people"

ANNUAL_KINDS = frozenset({ANNUAL_AMOUNT, ANNUAL_GROWTH})

HIGHER = "higher"
LOWER = "lower"

MET = "met"
ON_TRACK = "on_track"
LAGGING = "lagging"
AT_RISK = "at_risk"
NO_DATA = "no_data"

#: Worst first: the scoreboard's order.
STATUS_ORDER = {AT_RISK: 0, LAGGING: 1, NO_DATA: 2, ON_TRACK: 3, MET: 4, "": 5}

MONTH = "month"
QUARTER = "quarter"
YEAR = "year"
PLAN = "plan"

PLACES = Decimal("0.000001")
ZERO = Decimal(0)
ONE = Decimal(1)


def q6(value: Decimal) -> Decimal:
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


# --- periods --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    key: str
    kind: str
    start: datetime.date
    end: datetime.date


@functools.cache
def days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, days_in_month(year, month))


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def plan_bounds(start_year: int, years: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(start_year, 1, 1), datetime.date(start_year + years - 1, 12, 31)


def plan_periods(start_year: int, years: int) -> list[Period]:
    """Every month, quarter and year of the plan, and the plan itself."""
    out: list[Period] = []
    for year in range(start_year, start_year + years):
        for month in range(1, 13):
            out.append(
                Period(f"{year}-{month:02d}", MONTH, datetime.date(year, month, 1), month_end(year, month))
            )
        for quarter in range(1, 5):
            first = 3 * quarter - 2
            out.append(
                Period(
                    f"{year}-Q{quarter}",
                    QUARTER,
                    datetime.date(year, first, 1),
                    month_end(year, first + 2),
                )
            )
        out.append(Period(str(year), YEAR, datetime.date(year, 1, 1), datetime.date(year, 12, 31)))
    start, end = plan_bounds(start_year, years)
    out.append(Period(PLAN, PLAN, start, end))
    return out


def current_periods(periods: Sequence[Period], today: datetime.date) -> list[Period]:
    """The periods a new record of today changes: today's month, quarter and year, and the plan."""
    return [p for p in periods if p.start <= today <= p.end]


# Pure functions of dates, asked the same few hundred days for every indicator of every city: cached.
@functools.lru_cache(maxsize=8192)
def year_fraction(day: datetime.date) -> Decimal:
    """Share of the calendar year elapsed at the end of `day`, in months (31 March → 3/12 exactly)."""
    days = days_in_month(day.year, day.month)
    return (Decimal(day.month - 1) + Decimal(day.day) / Decimal(days)) / 12


@functools.lru_cache(maxsize=8192)
def months_elapsed(start: datetime.date, day: datetime.date) -> Decimal:
    """Months from the start of `start`'s month to the end of `day`, fractional within `day`'s month."""
    days = days_in_month(day.year, day.month)
    whole = (day.year - start.year) * 12 + (day.month - start.month)
    return Decimal(whole) + Decimal(day.day) / Decimal(days)


# --- series ---------------------------------------------------------------------------------------------------


class Series:
    """One source's values by month (key: the month's first day). A computed flow counts a month without
    records as 0; a reported one has no figure where nobody reported one.

    Sorted once with running totals, so a period's total or a day's level is two binary searches: the
    roll-up asks ~50 periods of every indicator of every city."""

    __slots__ = ("flow", "points", "reported", "_keys", "_sums")

    def __init__(
        self, flow: bool, points: Mapping[datetime.date, Decimal] | None = None, reported: bool = False
    ):
        self.flow = flow
        self.points = dict(points or {})
        self.reported = reported
        self._keys = sorted(self.points)
        running = ZERO
        self._sums = [ZERO]
        for key in self._keys:
            running += self.points[key]
            self._sums.append(running)

    def total(self, start: datetime.date, end: datetime.date) -> Decimal | None:
        lo = bisect.bisect_left(self._keys, start)
        hi = bisect.bisect_right(self._keys, end)
        if hi <= lo:
            return None if self.reported else ZERO
        return self._sums[hi] - self._sums[lo]

    def level(self, day: datetime.date) -> Decimal | None:
        """The latest level at or before `day`'s month."""
        index = bisect.bisect_right(self._keys, month_start(day))
        return self.points[self._keys[index - 1]] if index else None


# --- the indicator as the rules need it -----------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    kind: str
    target: Decimal
    plan_start_year: int
    plan_years: int
    direction: str = HIGHER
    yearly_targets: Mapping[int, Decimal] = field(default_factory=dict)
    baseline_year: int | None = None
    baseline_value: Decimal | None = None
    scale: Decimal = ONE
    lagging_below: Decimal = Decimal("0.95")
    at_risk_below: Decimal = Decimal("0.80")

    @functools.cached_property
    def plan_start(self) -> datetime.date:
        return datetime.date(self.plan_start_year, 1, 1)

    @functools.cached_property
    def anchors(self) -> list[tuple[datetime.date, Decimal]]:
        return _anchors(self)

    @functools.cached_property
    def segments(self) -> list[tuple[datetime.date, Decimal, Decimal, datetime.date, Decimal]]:
        """The trajectory between each two anchors: (end, value at its start, rise, first day, months)."""
        return [
            (
                d1,
                v0,
                v1 - v0,
                d0 + datetime.timedelta(days=1),
                months_elapsed(d0 + datetime.timedelta(days=1), d1),
            )
            for (d0, v0), (d1, v1) in zip(self.anchors, self.anchors[1:], strict=False)
        ]

    @functools.cached_property
    def year_targets(self) -> dict[int, Decimal | None]:
        """`_year_target` by year, as asked (filled by `target_end` and `trajectory`)."""
        return {}

    @functools.cached_property
    def ends(self) -> dict[int | None, Decimal | None]:
        """`target_end` by year (None: the plan-end target of a level), as asked."""
        return {}

    @functools.cached_property
    def plan_end(self) -> datetime.date:
        return datetime.date(self.plan_start_year + self.plan_years - 1, 12, 31)


class Figure(NamedTuple):
    """An indicator over one period (a plain tuple: the roll-up makes ~900 a city)."""

    actual: Decimal | None
    target: Decimal | None
    target_end: Decimal | None
    progress: Decimal | None
    status: str
    rate: Decimal | None = None
    compound_rate: Decimal | None = None


def measure(
    spec: Spec, source: Series, day: datetime.date, denominator: Series | None = None
) -> Decimal | None:
    """The figure the target speaks of, at the end of `day` (see the module's docstring)."""
    if spec.kind == STOCK_RATIO:
        numerator = source.level(day) if not source.flow else source.total(spec.plan_start, day)
        below = denominator.level(day) if denominator is not None else None
        if numerator is None or not below:
            return None
        return q6(numerator / below * spec.scale)
    if spec.kind in ANNUAL_KINDS:
        return source.total(datetime.date(day.year, 1, 1), day)
    if source.flow:
        return source.total(spec.plan_start, day)
    return source.level(day)


def _anchors(spec: Spec) -> list[tuple[datetime.date, Decimal]]:
    """The level trajectory's corner points: the baseline, each year's target, the plan-end target."""
    start_value = spec.baseline_value if spec.baseline_value is not None and spec.kind != CUMULATIVE else ZERO
    if spec.kind == REDUCTION:
        start_value = spec.baseline_value or ZERO
    points = [(spec.plan_start - datetime.timedelta(days=1), start_value)]
    for year in range(spec.plan_start_year, spec.plan_start_year + spec.plan_years):
        if year in spec.yearly_targets:
            points.append((datetime.date(year, 12, 31), _level_target(spec, spec.yearly_targets[year])))
    if points[-1][0] != spec.plan_end:
        points.append((spec.plan_end, _level_target(spec, spec.target)))
    return points


def _level_target(spec: Spec, target: Decimal) -> Decimal:
    """A reduction's target is a rate (0.2): the level it asks for is the baseline less that share."""
    if spec.kind == REDUCTION:
        return (spec.baseline_value or ZERO) * (ONE - target)
    return target


def _year_target(spec: Spec, year: int) -> Decimal | None:
    """An annual kind's full-year target: the amount, or for growth the baseline compounded to `year`."""
    if spec.kind == ANNUAL_AMOUNT:
        return spec.yearly_targets.get(year, spec.target)
    if spec.baseline_value is None or spec.baseline_year is None:
        return None
    value = spec.baseline_value
    for y in range(spec.baseline_year + 1, year + 1):
        value *= ONE + spec.yearly_targets.get(y, spec.target)
    return value


def _full_year_target(spec: Spec, year: int) -> Decimal | None:
    known = spec.year_targets
    if year not in known:
        known[year] = _year_target(spec, year)
    return known[year]


def trajectory(spec: Spec, day: datetime.date) -> Decimal | None:
    """Where the measure should be at the end of `day` to reach the target by plan end."""
    if spec.kind in ANNUAL_KINDS:
        full = _full_year_target(spec, day.year)
        return None if full is None else q6(full * year_fraction(day))
    points = spec.anchors
    if day <= points[0][0]:
        return q6(points[0][1])
    for end, start_value, rise, first_day, span in spec.segments:
        if day <= end:
            return q6(start_value + rise * months_elapsed(first_day, day) / span)
    return q6(points[-1][1])


def target_end(spec: Spec, period: Period) -> Decimal | None:
    """What the period's horizon asks for: an annual kind's year target, else the plan-end target."""
    year = period.end.year if spec.kind in ANNUAL_KINDS else None
    known = spec.ends
    if year not in known:
        if year is None:
            known[year] = q6(_level_target(spec, spec.target))
        else:
            full = _full_year_target(spec, year)
            known[year] = None if full is None else q6(full)
    return known[year]


def progress(spec: Spec, actual: Decimal, target: Decimal | None) -> Decimal | None:
    if target is None:
        return None
    if spec.direction == LOWER:
        if actual == 0:
            return q6(ONE) if target >= 0 else None
        return q6(target / actual)
    if target == 0:
        return q6(ONE)
    return q6(actual / target)


def status(spec: Spec, actual: Decimal | None, ratio: Decimal | None, end_target: Decimal | None) -> str:
    if actual is None:
        return NO_DATA
    if end_target is not None and (actual <= end_target if spec.direction == LOWER else actual >= end_target):
        return MET
    if ratio is None:
        return NO_DATA
    if ratio >= spec.lagging_below:
        return ON_TRACK
    if ratio >= spec.at_risk_below:
        return LAGGING
    return AT_RISK


def rates(
    spec: Spec, source: Series, day: datetime.date, actual: Decimal | None
) -> tuple[Decimal | None, ...]:
    """Growth: year over year (the same span of last year) and compound per year since the baseline year
    (a partial year annualised); reduction: the share cut from the baseline."""
    if actual is None:
        return None, None
    if spec.kind == REDUCTION:
        if not spec.baseline_value:
            return None, None
        return q6(ONE - actual / spec.baseline_value), None
    if spec.kind != ANNUAL_GROWTH:
        return None, None
    last_year_day = _same_day_last_year(day)
    before = source.total(datetime.date(last_year_day.year, 1, 1), last_year_day)
    yoy = q6(actual / before - ONE) if before else None
    compound = None
    if spec.baseline_value and spec.baseline_year is not None and day.year > spec.baseline_year:
        years = day.year - spec.baseline_year
        annualised = actual / year_fraction(day)
        ratio = float(annualised / spec.baseline_value)
        if ratio > 0:
            compound = q6(Decimal(repr(ratio ** (1 / years))) - ONE)
    return yoy, compound


@functools.lru_cache(maxsize=8192)
def _same_day_last_year(day: datetime.date) -> datetime.date:
    if day.month == 2 and day.day == 29:
        return datetime.date(day.year - 1, 2, 28)
    if day == month_end(day.year, day.month):
        return month_end(day.year - 1, day.month)
    return day.replace(year=day.year - 1)


def evaluate(
    spec: Spec,
    source: Series,
    period: Period,
    today: datetime.date,
    denominator: Series | None = None,
) -> Figure:
    """The indicator over one period, as of `today` (a period still running is measured up to today; one
    not begun has its target only)."""
    day = min(period.end, today)
    end_target = target_end(spec, period)
    if period.start > today:
        return Figure(None, trajectory(spec, period.end), end_target, None, "")
    actual = measure(spec, source, day, denominator)
    target = trajectory(spec, day)
    ratio = progress(spec, actual, target) if actual is not None else None
    rate, compound = rates(spec, source, day, actual)
    return Figure(actual, target, end_target, ratio, status(spec, actual, ratio, end_target), rate, compound)


# --- projection -----------------------------------------------------------------------------------------------


def projection(
    spec: Spec, source: Series, today: datetime.date, denominator: Series | None = None
) -> Decimal | None:
    """Where the measure will be at plan end at the present pace (an estimate, read as such).

    Levels: a least-squares line through the last twelve month-end measures, extended to plan end. Annual kinds:
    the last twelve months' flow (this year's run rate in the plan's final year), grown at the compound
    rate since the baseline for the years left. Fewer than two measures: no projection."""
    end = min(today, spec.plan_end)
    if end < spec.plan_start:
        return None
    if spec.kind in ANNUAL_KINDS:
        if end.year == spec.plan_end.year:
            so_far = source.total(datetime.date(end.year, 1, 1), end)
            return None if so_far is None else q6(so_far / year_fraction(end))
        start = (
            datetime.date(end.year, 1, 1)
            if end.month == 12
            else datetime.date(end.year - 1, end.month + 1, 1)
        )
        trailing = source.total(start, end)
        if trailing is None:
            return None
        grow = ONE
        if spec.kind == ANNUAL_GROWTH:
            _, compound = rates(spec, source, end, source.total(datetime.date(end.year, 1, 1), end))
            if compound is not None:
                grow = (ONE + compound) ** (spec.plan_end.year - end.year)
        return q6(trailing * grow)
    # The month ends from the plan's start to `end` (the last one is `end` itself), numbered 0, 1, 2, …
    count = (end.year - spec.plan_start.year) * 12 + end.month - spec.plan_start.month + 1
    points = []
    for i in range(max(0, count - 12), count):
        year, month = divmod(spec.plan_start.month - 1 + i, 12)
        day = min(month_end(spec.plan_start.year + year, month + 1), end)
        if (v := measure(spec, source, day, denominator)) is not None:
            points.append((i, float(v)))
    if len(points) < 2:
        return None
    slope, intercept = least_squares_line(points)
    last = spec.plan_years * 12 - 1
    return q6(Decimal(repr(round(slope * last + intercept, 6))))


def least_squares_line(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """The ordinary least-squares line y = slope·x + intercept through the points (at least two, with two
    different x): the closed form, as numpy.polyfit(x, y, 1) gives it, without its SVD for twelve points."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in points)
    slope = sxy / sxx
    return slope, mean_y - slope * mean_x
