"""The special budget's pure rules: what central money may pay for, what a source has left."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from funds import rules

D = Decimal


@pytest.mark.parametrize("category", sorted(rules.CENTRAL_FORBIDDEN))
@pytest.mark.parametrize("kind", sorted(rules.CENTRAL_KINDS))
def test_central_money_never_pays_for_a_forbidden_use(kind, category):
    assert not rules.central_may_pay(kind, category)


@pytest.mark.parametrize("category", sorted(rules.CENTRAL_FORBIDDEN))
def test_local_money_may_pay_for_what_central_money_may_not(category):
    assert rules.central_may_pay(rules.MUNICIPAL, category)


def test_central_money_pays_for_the_programme_itself():
    assert rules.central_may_pay(rules.CENTRAL_1, rules.RISK_RESERVE)


amounts = st.decimals(min_value=0, max_value=10**9, places=2)


@given(received=amounts, spent=amounts, amount=amounts)
def test_a_source_never_pays_beyond_what_it_received(received, spent, amount):
    if rules.spendable(received=received, spent=spent, amount=amount):
        assert spent + amount <= received


def test_shares_of_nothing_are_not_shown():
    assert rules.share(D("0"), D("0")) is None
    assert rules.share(D("40"), D("100")) == D("0.4")
