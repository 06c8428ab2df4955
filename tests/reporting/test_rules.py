"""Each indicator kind with worked cases: the measure, the target at that point of the plan, progress,
status and projection (pure rules, no database)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from reporting import rules
from reporting.rules import Period, Series, Spec

D = Decimal
PLAN = {"plan_start_year": 2024, "plan_years": 3}


def monthly(value, start=(2024, 1), months=36) -> dict:
    year, month = start
    out = {}
    for _ in range(months):
        out[datetime.date(year, month, 1)] = D(value)
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return out


def year(y: int) -> Period:
    return Period(str(y), rules.YEAR, datetime.date(y, 1, 1), datetime.date(y, 12, 31))


def plan() -> Period:
    return Period("plan", rules.PLAN, datetime.date(2024, 1, 1), datetime.date(2026, 12, 31))


def test_periods_of_a_three_year_plan():
    periods = rules.plan_periods(2024, 3)
    assert len(periods) == 3 * (12 + 4 + 1) + 1
    keys = {p.key for p in periods}
    assert {"2024-01", "2025-Q2", "2026", "plan"} <= keys
    q2 = next(p for p in periods if p.key == "2025-Q2")
    assert (q2.start, q2.end) == (datetime.date(2025, 4, 1), datetime.date(2025, 6, 30))
    today = datetime.date(2025, 5, 20)
    assert [p.key for p in rules.current_periods(periods, today)] == ["2025-05", "2025-Q2", "2025", "plan"]


def test_cumulative_count_grows_on_a_straight_line_to_the_target():
    spec = Spec(kind=rules.CUMULATIVE, target=D(150), **PLAN)
    source = Series(flow=True, points=monthly(5))
    after_a_year = rules.evaluate(spec, source, year(2024), datetime.date(2025, 3, 1))
    assert after_a_year.actual == 60
    assert after_a_year.target == 50  # 150 × 12 / 36
    assert after_a_year.target_end == 150
    assert after_a_year.progress == D("1.2")
    assert after_a_year.status == rules.ON_TRACK
    done = rules.evaluate(spec, source, plan(), datetime.date(2027, 1, 5))
    assert (done.actual, done.status) == (180, rules.MET)


def test_stock_ratio_per_10000_residents():
    spec = Spec(kind=rules.STOCK_RATIO, target=D(35), scale=D(10000), baseline_value=D("27.2"), **PLAN)
    patents = Series(flow=False, points={datetime.date(2026, 12, 1): D(35000)}, reported=True)
    population = Series(flow=False, points={datetime.date(2023, 12, 1): D(10_000_000)}, reported=True)
    at_end = rules.evaluate(spec, patents, year(2026), datetime.date(2027, 2, 1), population)
    assert at_end.actual == D("35.000000")
    assert at_end.status == rules.MET
    short = Series(flow=False, points={datetime.date(2026, 12, 1): D(34999)}, reported=True)
    below = rules.evaluate(spec, short, year(2026), datetime.date(2027, 2, 1), population)
    assert below.actual == D("34.999000")
    assert below.status == rules.ON_TRACK  # a hair under the target: not met, but on its trajectory
    halfway = rules.trajectory(spec, datetime.date(2025, 6, 30))
    assert halfway == D("31.100000")  # 27.2 + (35 − 27.2) × 18 / 36


def test_growth_exactly_at_the_target_is_met_and_a_hair_under_is_not():
    spec = Spec(kind=rules.ANNUAL_GROWTH, target=D("0.2"), baseline_year=2023, baseline_value=D(100), **PLAN)
    exactly = Series(flow=True, points={**monthly(D(100) / 12, (2023, 1), 12), **monthly(10, (2024, 1), 12)})
    figure = rules.evaluate(spec, exactly, year(2024), datetime.date(2025, 1, 10))
    assert figure.actual == 120
    assert figure.target_end == 120
    assert figure.status == rules.MET
    assert figure.rate == D("0.2")  # year over year
    assert figure.compound_rate == D("0.2")
    under = Series(flow=True, points={datetime.date(2024, 12, 1): D("119.99")})
    figure = rules.evaluate(spec, under, year(2024), datetime.date(2025, 1, 10))
    assert figure.status == rules.ON_TRACK
    assert figure.progress == D("0.999917")


def test_growth_compounds_year_by_year():
    spec = Spec(kind=rules.ANNUAL_GROWTH, target=D("0.2"), baseline_year=2023, baseline_value=D(100), **PLAN)
    assert rules.target_end(spec, year(2025)) == D(144)
    assert rules.target_end(spec, year(2026)) == D("172.8")
    # Half-way through 2025 the year's amount should be half of 144.
    assert rules.trajectory(spec, datetime.date(2025, 6, 30)) == D(72)
    two_years = Series(
        flow=True, points={datetime.date(2024, 12, 1): D(110), datetime.date(2025, 12, 1): D(144)}
    )
    figure = rules.evaluate(spec, two_years, year(2025), datetime.date(2026, 1, 2))
    assert figure.status == rules.MET
    assert figure.compound_rate == D("0.2")  # (144 / 100) ^ (1/2) − 1
    assert figure.rate == D("0.309091")  # 144 / 110 − 1


def test_reduction_against_the_baseline():
    spec = Spec(
        kind=rules.REDUCTION,
        target=D("0.2"),
        direction=rules.LOWER,
        baseline_year=2023,
        baseline_value=D(45),
        **PLAN,
    )
    assert rules.target_end(spec, plan()) == D(36)
    days = Series(flow=False, points={datetime.date(2026, 12, 1): D(36)}, reported=True)
    figure = rules.evaluate(spec, days, plan(), datetime.date(2027, 1, 3))
    assert (figure.status, figure.rate) == (rules.MET, D("0.2"))
    slower = Series(flow=False, points={datetime.date(2026, 12, 1): D("36.01")}, reported=True)
    figure = rules.evaluate(spec, slower, plan(), datetime.date(2027, 1, 3))
    assert figure.status == rules.ON_TRACK
    assert figure.rate == D("0.199778")
    assert figure.progress == D("0.999722")  # lower is better: target ÷ actual


def test_annual_amount_pro_rata_within_the_year():
    spec = Spec(kind=rules.ANNUAL_AMOUNT, target=D(900), **PLAN)
    source = Series(flow=True, points=monthly(75), reported=True)
    half = Period("2025-06", rules.MONTH, datetime.date(2025, 6, 1), datetime.date(2025, 6, 30))
    figure = rules.evaluate(spec, source, half, datetime.date(2025, 7, 15))
    assert (figure.actual, figure.target, figure.target_end) == (450, 450, 900)
    assert figure.status == rules.ON_TRACK


@pytest.mark.parametrize(
    ("actual", "expected"),
    [(D(96), rules.ON_TRACK), (D(95), rules.ON_TRACK), (D("94.99"), rules.LAGGING), (D(80), rules.LAGGING),
     (D("79.99"), rules.AT_RISK), (None, rules.NO_DATA)],
)  # fmt: skip
def test_status_thresholds(actual, expected):
    spec = Spec(kind=rules.SCORE, target=D(200), **PLAN)
    ratio = rules.progress(spec, actual, D(100)) if actual is not None else None
    assert rules.status(spec, actual, ratio, D(200)) == expected


def test_a_period_not_begun_has_its_target_only_and_a_reported_one_without_figures_has_no_data():
    spec = Spec(kind=rules.SCORE, target=D(80), baseline_value=D(72), **PLAN)
    future = rules.evaluate(spec, Series(flow=False, reported=True), year(2026), datetime.date(2025, 3, 1))
    assert (future.actual, future.status, future.target) == (None, "", D(80))
    nothing = rules.evaluate(spec, Series(flow=False, reported=True), year(2024), datetime.date(2025, 3, 1))
    assert nothing.status == rules.NO_DATA


def test_projection_extends_the_recent_pace_to_plan_end():
    cumulative = Spec(kind=rules.CUMULATIVE, target=D(150), **PLAN)
    assert (
        rules.projection(cumulative, Series(flow=True, points=monthly(5)), datetime.date(2025, 6, 30)) == 180
    )
    annual = Spec(kind=rules.ANNUAL_AMOUNT, target=D(900), **PLAN)
    # In the plan's last year: this year's run rate.
    assert rules.projection(annual, Series(flow=True, points=monthly(60)), datetime.date(2026, 3, 31)) == 720
    assert rules.projection(cumulative, Series(flow=True, points={}), datetime.date(2024, 1, 20)) is None


@pytest.mark.parametrize("seed", range(20))
def test_the_projection_line_is_numpys_least_squares_line(seed):
    import numpy as np

    rng = np.random.default_rng(seed)
    count = int(rng.integers(2, 13))
    xs = np.arange(count, dtype="float64") + float(rng.integers(0, 30))
    ys = rng.normal(1_000_000, 250_000, count) + xs * rng.normal(0, 5_000)
    slope, intercept = rules.least_squares_line(list(zip(xs.tolist(), ys.tolist(), strict=True)))
    expected_slope, expected_intercept = np.polyfit(xs, ys, 1)
    assert slope == pytest.approx(expected_slope, rel=1e-9, abs=1e-6)
    assert intercept == pytest.approx(expected_intercept, rel=1e-9, abs=1e-6)
