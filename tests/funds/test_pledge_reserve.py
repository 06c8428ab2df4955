"""The pledge reserve is paid out of the special budget: opening or topping it up books an expenditure in
the same transaction, and a refused payment leaves the reserve as it was."""

from __future__ import annotations

import datetime
import pathlib
from decimal import Decimal

import pytest

from funds.errors import FundsErrorCode
from funds.models import BudgetSource, Expenditure
from ipops import clock
from ipops.errors import ApplicationError
from ipops.tenancy import city_scope
from pledge_finance import services
from pledge_finance.models import ReserveEntry, RiskReserve
from tests.conftest import actor, make_user
from tests.funds.conftest import open_budget
from tests.support import nothing_changed

pytestmark = pytest.mark.django_db
D = Decimal
DAY = datetime.date(2024, 2, 1)
THIRTY_MILLION = D("30000000")
MODELS = (RiskReserve, ReserveEntry, BudgetSource, Expenditure)


def open_reserve(city, amount=THIRTY_MILLION):
    bureau = make_user(city, "bureau_staff")
    with clock.at(DAY):
        return services.reserve_open(actor=actor(bureau, city), opening_balance=amount, opened_on=DAY)


def top_up(city, amount):
    bureau = make_user(city, "bureau_staff")
    with clock.at(DAY):
        return services.reserve_top_up(
            actor=actor(bureau, city), amount=amount, note="年度追加", booked_on=DAY
        )


def test_opening_and_topping_up_the_reserve_book_municipal_expenditures(qingdao):
    open_budget(qingdao)
    with city_scope(qingdao):
        reserve = open_reserve(qingdao)
        entry = top_up(qingdao, D("5000000"))
        opening = reserve.entries.get(kind="opening")
        booked = {e.reference: e for e in Expenditure.objects.all()}
        assert set(booked) == {
            f"pledge_finance.reserveentry:{opening.pk}",
            f"pledge_finance.reserveentry:{entry.pk}",
        }
        assert {(e.category, e.source.kind, e.amount, e.spent_on) for e in booked.values()} == {
            ("risk_reserve", "municipal", D("30000000"), DAY),
            ("risk_reserve", "municipal", D("5000000"), DAY),
        }
        assert BudgetSource.objects.get(kind="municipal").spent == D("35000000")


def test_a_top_up_the_municipal_money_cannot_cover_books_nothing(qingdao):
    open_budget(qingdao, municipal=D("31000000"))
    with city_scope(qingdao):
        open_reserve(qingdao)
        with nothing_changed(*MODELS), pytest.raises(ApplicationError) as caught:
            top_up(qingdao, D("1000000.01"))
    assert caught.value.code == FundsErrorCode.SOURCE_EXHAUSTED


def test_without_a_special_budget_the_reserve_cannot_be_opened(qingdao):
    with city_scope(qingdao), nothing_changed(*MODELS), pytest.raises(ApplicationError) as caught:
        open_reserve(qingdao)
    assert caught.value.code == FundsErrorCode.BUDGET_NOT_OPEN


def test_funds_never_imports_the_apps_that_post_to_it():
    root = pathlib.Path(__file__).resolve().parents[2] / "funds"
    for path in root.rglob("*.py"):
        text = path.read_text()
        for app in ("pledge_finance", "subsidies", "trading"):
            assert f"from {app}" not in text and f"import {app}" not in text, path
