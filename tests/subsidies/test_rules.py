"""The subsidy rules as pure functions: each rule kind with hypothesis, and working days counted with the
official calendar (holidays and make-up working days), never as weekdays."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subsidies import rules

D = Decimal
money = st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False)
rates = st.decimals(min_value=0, max_value=1, places=4, allow_nan=False, allow_infinity=False)
TIERS = {
    "provincial_advantage": "50000",
    "provincial_demonstration": "100000",
    "national_demonstration": "200000",
}


@given(base=money, rate=rates, claim_cap=st.none() | money, year_cap=st.none() | money, awarded=money)
def test_percent_never_exceeds_any_cap_and_is_to_the_fen(base, rate, claim_cap, year_cap, awarded):
    c = rules.compute(
        rules.PERCENT,
        {"rate": str(rate)},
        base=base,
        claim_cap=claim_cap,
        year_cap=year_cap,
        awarded_in_year=awarded,
    )
    assert c.amount == c.amount.quantize(D("0.01"))
    assert D(0) <= c.amount <= (base * rate).quantize(D("0.01")) + D("0.005")
    if claim_cap is not None:
        assert c.amount <= claim_cap
    if year_cap is not None:
        assert c.amount <= max(year_cap - awarded, D(0))
    assert c.steps[-1].amount == c.amount


@given(levels=st.lists(st.sampled_from(sorted(TIERS)), min_size=1, max_size=4))
def test_tiered_family_never_pays_more_than_the_highest_level_held(levels):
    """However an enterprise climbs (or repeats) the levels, all its awards add up to the highest one."""
    awarded = D(0)
    for level in levels:
        c = rules.compute(rules.TIERED, {"tiers": TIERS}, level=level, awarded_in_family=awarded)
        awarded += c.amount
    assert awarded == max(D(TIERS[level]) for level in levels)


def test_worked_cases_from_spec_6():
    # Advantage → national demonstration: 50,000 then the 150,000 difference.
    first = rules.compute(rules.TIERED, {"tiers": TIERS}, level="provincial_advantage")
    later = rules.compute(
        rules.TIERED, {"tiers": TIERS}, level="national_demonstration", awarded_in_family=first.amount
    )
    assert (first.amount, later.amount) == (D("50000.00"), D("150000.00"))
    assert [s.code for s in later.steps] == ["tier", "family_difference"]
    # Operations centre: 5% of 12,000,000 deals = 600,000, capped at 500,000.
    centre = rules.compute(rules.PERCENT, {"rate": "0.05"}, base=D("12000000"), claim_cap=D("500000"))
    assert centre.amount == D("500000.00")
    assert [s.code for s in centre.steps] == ["percent", "claim_cap"]
    # Interest subsidy: 50% of 86,000.55 interest = 43,000.28 (half up), then the 200,000 yearly cap with
    # 180,000 already awarded that year leaves 20,000.
    interest = rules.compute(
        rules.PERCENT, {"rate": "0.5"}, base=D("86000.55"), year_cap=D("200000"), awarded_in_year=D("180000")
    )
    assert interest.steps[0].amount == D("43000.28")
    assert interest.amount == D("20000.00")
    # Patent pool: 500,000 each.
    assert rules.compute(rules.PER_ITEM, {"amount": "500000"}, items=2).amount == D("1000000.00")


@pytest.mark.parametrize(
    ("kind", "params", "kwargs", "code"),
    [
        (rules.TIERED, {"tiers": TIERS}, {"level": "mayor"}, "unknown_level"),
        (rules.PERCENT, {"rate": "0.5"}, {}, "base_required"),
        (rules.PERCENT, {"rate": "1.5"}, {"base": D(1)}, "invalid_parameter"),
        (rules.PER_ITEM, {"amount": "1"}, {"items": 0}, "items_required"),
        (rules.FIXED, {"amount": "-1"}, {}, "invalid_parameter"),
        ("lottery", {}, {}, "invalid_parameter"),
    ],
)
def test_bad_parameters_and_inputs_name_their_field(kind, params, kwargs, code):
    with pytest.raises(rules.RuleError) as err:
        rules.compute(kind, params, **kwargs)
    assert err.value.code == code


def test_periods():
    assert rules.period_key(rules.ONE_TIME, 2025) == "once"
    assert rules.period_key(rules.ANNUAL, 2025) == "2025"
    assert rules.period_key(rules.PER_CASE, 2025, "loan:7") == "2025:loan:7"


def test_working_days_skip_national_day_and_count_the_make_up_saturday():
    """Five working days from Wednesday 2026-09-30: 30 Sep, then 1-7 Oct are the National Day holiday,
    8 and 9 Oct, Saturday 10 Oct is a make-up working day, Sunday 11 is not, Monday 12 Oct is the fifth.
    Counting weekdays would end on 6 Oct, in the middle of the holiday."""
    assert rules.add_working_days(datetime.date(2026, 9, 30), 5) == datetime.date(2026, 10, 12)
    # A notice published on a holiday starts counting on the first working day after it.
    assert rules.add_working_days(datetime.date(2026, 10, 3), 1) == datetime.date(2026, 10, 8)


def test_a_year_the_calendar_does_not_cover_is_flagged_not_guessed():
    with pytest.raises(rules.CalendarNotCovered) as err:
        rules.add_working_days(datetime.date(2026, 12, 28), 5)
    assert err.value.year == 2027
