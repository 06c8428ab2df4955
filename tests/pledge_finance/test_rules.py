"""Property tests of the pure rules: every split sums exactly, no part is negative, nothing exceeds its bound."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pledge_finance import rules
from pledge_finance.models import PARTIES

D = Decimal
FEN = D("0.01")

money = st.integers(min_value=1, max_value=10_000_000_000).map(lambda f: D(f) / 100)
rates = st.integers(min_value=0, max_value=240_000).map(lambda x: D(x) / 1_000_000)
months = st.integers(min_value=1, max_value=120)
days = st.dates(min_value=datetime.date(2015, 1, 1), max_value=datetime.date(2035, 12, 31))
methods = st.sampled_from([rules.EQUAL_INSTALMENTS, rules.BULLET])


@st.composite
def share_triples(draw):
    """Three non-negative shares with six places summing to exactly 1."""
    a = draw(st.integers(min_value=0, max_value=1_000_000))
    b = draw(st.integers(min_value=0, max_value=1_000_000 - a))
    return {
        "insurer": D(a) / 1_000_000,
        "guarantor": D(b) / 1_000_000,
        "bank": D(1_000_000 - a - b) / 1_000_000,
    }


@given(loss=money, shares=share_triples())
def test_loss_allocation_sums_exactly_and_each_part_is_within_a_fen(loss, shares):
    parts = rules.allocate_loss(loss, shares)
    assert sum(parts.values()) == loss
    for party, part in parts.items():
        assert part >= 0
        assert part == part.quantize(FEN)
        assert abs(part - loss * shares[party]) < FEN


def test_qingdao_split_of_an_uneven_loss():
    parts = rules.allocate_loss(
        D("1000000.03"), {"insurer": D("0.6"), "guarantor": D("0.2"), "bank": D("0.2")}
    )
    assert parts == {"insurer": D("600000.02"), "guarantor": D("200000.01"), "bank": D("200000.00")}


def test_shares_not_summing_to_one_are_refused():
    with pytest.raises(ValueError, match="100%"):
        rules.allocate_loss(D("100"), {"insurer": D("0.6"), "guarantor": D("0.2"), "bank": D("0.19")})


@settings(max_examples=200)
@given(amount=money, rate=rates, n=months, start=days, method=methods)
def test_schedule_repays_exactly_the_principal_with_no_negative_part(amount, rate, n, start, method):
    schedule = rules.repayment_schedule(amount=amount, annual_rate=rate, months=n, start=start, method=method)
    assert len(schedule) == n
    assert sum(i.principal for i in schedule) == amount
    assert all(i.principal >= 0 and i.interest >= 0 for i in schedule)
    assert [i.due_date for i in schedule] == sorted(i.due_date for i in schedule)
    assert schedule[-1].due_date == rules.add_months(start, n)
    if method == rules.BULLET:
        assert all(i.principal == 0 for i in schedule[:-1])


@given(
    amount=st.integers(min_value=100_000, max_value=1_000_000_000).map(lambda f: D(f) / 100),
    rate=st.integers(min_value=10_000, max_value=240_000).map(lambda x: D(x) / 1_000_000),
    n=st.integers(min_value=2, max_value=60),
    start=days,
)
def test_equal_instalments_are_level_but_for_the_last(amount, rate, n, start):
    schedule = rules.repayment_schedule(
        amount=amount, annual_rate=rate, months=n, start=start, method=rules.EQUAL_INSTALMENTS
    )
    payment = rules.level_payment(amount, rate, n)
    assert all(i.total == payment for i in schedule[:-1])
    assert abs(schedule[-1].total - payment) <= D("0.01") * n


def test_known_annuity():
    # 1,200,000 over 12 months at 4.35%: A·r / (1 − (1 + r)^−n) with r = 0.0435 / 12 = 102,371.880436…
    assert rules.level_payment(D("1200000"), D("0.0435"), 12) == D("102371.88")


@given(amount=money, rate=rates, n=months, start=days, method=methods, pay=st.lists(money, max_size=8))
def test_repayments_never_overpay_and_settle_oldest_first(amount, rate, n, start, method, pay):
    schedule = rules.repayment_schedule(amount=amount, annual_rate=rate, months=n, start=start, method=method)
    states = [rules.InstalmentState(i.due_date, i.principal, i.interest) for i in schedule]
    for p in pay:
        owed = sum(s.open for s in states)
        if p > owed:
            with pytest.raises(ValueError, match="exceeds"):
                rules.apply_repayment(states, p)
            continue
        split = rules.apply_repayment(states, p)
        assert split.principal + split.interest == p
        for index, (principal, interest) in split.parts.items():
            s = states[index]
            states[index] = rules.InstalmentState(
                s.due_date,
                s.principal_due,
                s.interest_due,
                s.principal_paid + principal,
                s.interest_paid + interest,
            )
        assert all(s.principal_open >= 0 and s.interest_open >= 0 for s in states)
        # Oldest first: nothing is paid on an instalment while an earlier one is still open.
        last = max(split.parts)
        assert all(states[j].open == 0 for j in range(last))


@given(claims=st.dictionaries(st.sampled_from(PARTIES), money, min_size=1), balance=money)
def test_reserve_never_pays_more_than_it_holds_or_than_is_claimed(claims, balance):
    paid = rules.reserve_payouts(claims, balance)
    assert sum(paid.values()) <= balance
    assert all(D(0) <= paid[k] <= claims[k] for k in claims)
    if sum(claims.values()) <= balance:
        assert paid == claims
    else:
        assert sum(paid.values()) == balance


def test_reserve_with_nothing_left_pays_nothing():
    assert rules.reserve_payouts({"bank": D("10")}, D("0")) == {"bank": D("0.00")}


@given(
    loss=money,
    payout_share=st.integers(0, 100).map(lambda p: D(p) / 100),
    recoveries=st.lists(money, max_size=6),
)
def test_refunds_to_the_reserve_never_exceed_what_it_paid(loss, payout_share, recoveries):
    payout = (loss * payout_share).quantize(FEN)
    recovered = refunded = D("0.00")
    for r in recoveries:
        if recovered + r > loss:
            break
        recovered += r
        refunded += rules.reserve_refund(
            recovered_total=recovered, loss=loss, payout=payout, refunded_before=refunded
        )
        assert D(0) <= refunded <= payout
    if recovered == loss:
        assert refunded == payout


def test_default_loss_counts_unpaid_interest_and_accrual_to_the_default_day():
    schedule = rules.repayment_schedule(
        amount=D("1200000"),
        annual_rate=D("0.0435"),
        months=12,
        start=datetime.date(2025, 1, 15),
        method=rules.BULLET,
    )
    states = [
        rules.InstalmentState(
            i.due_date, i.principal, i.interest, interest_paid=i.interest if n < 2 else D(0)
        )
        for n, i in enumerate(schedule)
    ]
    loss = rules.default_loss(
        instalments=states,
        annual_rate=D("0.0435"),
        disbursed_on=datetime.date(2025, 1, 15),
        default_on=datetime.date(2025, 5, 25),
    )
    assert loss.principal == D("1200000.00")
    # April and May interest unpaid (4,350.00 each) + 10 days from 15 May: 1,200,000 × 4.35% × 10/360.
    assert loss.interest == D("4350.00") * 2 + D("1450.00")


def test_add_months_clamps_to_month_end():
    assert rules.add_months(datetime.date(2025, 1, 31), 1) == datetime.date(2025, 2, 28)
    assert rules.add_months(datetime.date(2024, 1, 31), 1) == datetime.date(2024, 2, 29)
    assert rules.add_months(datetime.date(2025, 11, 30), 3) == datetime.date(2026, 2, 28)
