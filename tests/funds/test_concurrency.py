"""Two payments booked at the same moment never overspend a source (the source row is locked)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from funds import services
from funds.errors import FundsErrorCode
from funds.models import BudgetSource, Expenditure
from ipops import clock
from ipops.tenancy import city_scope
from tests.funds.conftest import open_budget
from tests.support import failures, race, successes

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal
DAY = datetime.date(2024, 3, 1)


def test_two_payments_at_once_never_overspend_a_source(qingdao):
    open_budget(qingdao, municipal=D("1000000"))

    def pay():
        with clock.at(DAY):
            return services.budget_spend(
                actor=None,
                city=qingdao,
                source_kind="municipal",
                category="subsidy_award",
                amount=D("600000"),
                spent_on=DAY,
                reference="test.record:1",
            )

    results = race(pay, pay, context=lambda: city_scope(qingdao))
    assert len(successes(results)) == 1
    assert [f.code for f in failures(results)] == [FundsErrorCode.SOURCE_EXHAUSTED]
    with city_scope(qingdao):
        assert BudgetSource.objects.get(kind="municipal").spent == D("600000")
        assert Expenditure.objects.count() == 1
