"""Money rules: rounding to the fen half up, and splits whose parts sum exactly."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ipops.money import fen, split_by_shares, to_wan

QINGDAO = {"insurer": Decimal("0.60"), "guarantor": Decimal("0.20"), "bank": Decimal("0.20")}


@pytest.mark.parametrize(
    ("raw", "rounded"),
    [("1.005", "1.01"), ("1.004", "1.00"), ("2.675", "2.68"), ("-1.005", "-1.01"), ("0.125", "0.13")],
)
def test_fen_rounds_half_up(raw, rounded):
    assert fen(raw) == Decimal(rounded)


def test_float_is_refused():
    with pytest.raises(TypeError):
        fen(0.1)


def test_qingdao_split_of_an_uneven_loss():
    parts = split_by_shares(Decimal("100000.01"), QINGDAO)
    assert parts == {
        "insurer": Decimal("60000.01"),
        "guarantor": Decimal("20000.00"),
        "bank": Decimal("20000.00"),
    }
    assert sum(parts.values()) == Decimal("100000.01")


def test_three_way_equal_split_gives_leftover_fen_to_the_first():
    parts = split_by_shares(Decimal("0.02"), {"a": 1, "b": 1, "c": 1})
    assert parts == {"a": Decimal("0.01"), "b": Decimal("0.01"), "c": Decimal("0.00")}


def test_wan():
    assert to_wan(Decimal("1234567.89")) == Decimal("123.46")


@given(
    total=st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False, allow_infinity=False),
    shares=st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=6).filter(
        lambda s: sum(s) > 0
    ),
)
def test_split_sums_exactly_and_stays_within_a_fen(total, shares):
    weights = {i: Decimal(s) for i, s in enumerate(shares)}
    parts = split_by_shares(total, weights)
    assert sum(parts.values()) == fen(total)
    whole = sum(weights.values())
    for key, part in parts.items():
        assert part >= 0
        assert abs(part - fen(total) * weights[key] / whole) < Decimal("0.01")
