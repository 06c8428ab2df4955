"""Receiving and spending the special budget: every refusal has its code and writes nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from funds import rules, services
from funds.errors import FundsErrorCode
from funds.models import BudgetSource, Expenditure, SpecialBudget
from ipops import clock
from ipops.errors import ApplicationError, CoreErrorCode
from ipops.models import AuditEvent
from ipops.tenancy import city_scope
from tests.conftest import actor, make_user
from tests.funds.conftest import HUNDRED_MILLION, OPENED, open_budget
from tests.support import nothing_changed

D = Decimal
DAY = datetime.date(2024, 3, 1)
MODELS = (SpecialBudget, BudgetSource, Expenditure)


def spend(city, **over):
    args = {
        "actor": None,
        "city": city,
        "category": "training",
        "amount": D("1000000"),
        "spent_on": DAY,
        "reference": "test.record:1",
        "source_kind": "central_1",
    }
    args.update(over)
    with city_scope(city), clock.at(DAY):
        return services.budget_spend(**args)


def refused(call, code):
    with nothing_changed(*MODELS), pytest.raises(ApplicationError) as caught:
        call()
    assert caught.value.code == code
    return caught.value


def test_opening_allots_the_central_tranches_and_the_local_money(qingdao):
    open_budget(qingdao, received=False)
    with city_scope(qingdao):
        allotted = dict(BudgetSource.objects.values_list("kind", "allotted"))
    assert allotted == {
        "central_1": HUNDRED_MILLION,
        "central_2": D("50000000"),
        "municipal": HUNDRED_MILLION,
    }


def test_a_budget_opens_once_per_plan(qingdao):
    open_budget(qingdao, received=False)
    bureau = make_user(qingdao, "bureau_staff")
    with city_scope(qingdao), clock.at(OPENED):
        refused(
            lambda: services.budget_open(actor=actor(bureau, qingdao), local={"municipal": 1}),
            FundsErrorCode.BUDGET_ALREADY_OPEN,
        )


def test_only_the_bureau_records_receipts(qingdao):
    open_budget(qingdao, received=False)
    official = make_user(qingdao, "official")
    with city_scope(qingdao), clock.at(OPENED):
        refused(
            lambda: services.budget_receive(actor=actor(official, qingdao), kind="central_1", amount=1),
            CoreErrorCode.PERMISSION_DENIED,
        )


def test_a_spend_books_the_expenditure_and_its_audit_record(qingdao):
    open_budget(qingdao)
    expenditure = spend(qingdao, category="equity_investment", in_cluster_zone=True)
    with city_scope(qingdao):
        source = BudgetSource.objects.get(kind="central_1")
        assert source.spent == D("1000000") and source.remaining == D("99000000")
        assert expenditure.market_based and expenditure.in_cluster_zone
        assert AuditEvent.objects.filter(action="budget_spend", object_id=str(expenditure.pk)).exists()


@pytest.mark.parametrize("category", sorted(rules.CENTRAL_FORBIDDEN))
def test_central_money_refuses_every_forbidden_use(qingdao, category):
    open_budget(qingdao)
    error = refused(lambda: spend(qingdao, category=category), FundsErrorCode.CENTRAL_MONEY_FORBIDDEN_USE)
    assert "category" in error.fields


def test_local_money_pays_for_a_forbidden_use(qingdao):
    open_budget(qingdao)
    assert spend(qingdao, category="personnel", source_kind="municipal").amount == D("1000000")


def test_no_source_is_spent_beyond_what_it_received(qingdao):
    open_budget(qingdao)
    spend(qingdao, amount=D("99999999.99"))
    error = refused(lambda: spend(qingdao, amount=D("0.02")), FundsErrorCode.SOURCE_EXHAUSTED)
    assert "0.000001 万元" in error.message  # what is left, exactly, in 万元


def test_without_a_budget_nothing_is_spent(qingdao):
    refused(lambda: spend(qingdao), FundsErrorCode.BUDGET_NOT_OPEN)


def test_tranche_two_is_received_only_after_the_review_and_spent_only_once_received(qingdao):
    open_budget(qingdao)
    bureau = make_user(qingdao, "bureau_staff")
    refused(lambda: spend(qingdao, source_kind="central_2"), FundsErrorCode.SOURCE_NOT_RECEIVED)
    with city_scope(qingdao), clock.at(DAY):
        who = actor(bureau, qingdao)
        refused(
            lambda: services.budget_receive(actor=who, kind="central_2", amount=1),
            FundsErrorCode.REVIEW_NOT_PASSED,
        )
        # The review passed but cut the tranche to 40,000,000.
        services.budget_review_record(actor=who, passed_on=DAY, tranche_2=D("40000000"))
        refused(
            lambda: services.budget_receive(actor=who, kind="central_2", amount=D("40000000.01")),
            FundsErrorCode.RECEIPT_EXCEEDS_ALLOTMENT,
        )
        services.budget_receive(actor=who, kind="central_2", amount=D("40000000"))
    assert spend(qingdao, source_kind="central_2").source.kind == "central_2"


def test_a_reversal_returns_the_money_once(qingdao):
    open_budget(qingdao)
    expenditure = spend(qingdao)
    with city_scope(qingdao), clock.at(DAY):
        reversal = services.budget_spend_reverse(
            actor=None, city=qingdao, expenditure=expenditure, reason="退回"
        )
        assert reversal.amount == -expenditure.amount
        assert BudgetSource.objects.get(kind="central_1").spent == D("0")
        refused(
            lambda: services.budget_spend_reverse(
                actor=None, city=qingdao, expenditure=expenditure, reason="再次退回"
            ),
            FundsErrorCode.ALREADY_REVERSED,
        )


def test_another_citys_expenditure_cannot_be_reversed(qingdao, jinan):
    open_budget(qingdao)
    expenditure = spend(qingdao)
    with city_scope(jinan):
        refused(
            lambda: services.budget_spend_reverse(
                actor=None, city=jinan, expenditure=expenditure.pk, reason="x"
            ),
            FundsErrorCode.EXPENDITURE_NOT_FOUND,
        )


def test_bad_input_is_refused_field_by_field_and_writes_nothing(qingdao):
    open_budget(qingdao)
    error = refused(
        lambda: spend(qingdao, category="lunch", amount=D("-1"), reference=" ", spent_on=None),
        CoreErrorCode.INVALID_CHOICE,
    )
    assert set(error.fields) == {"category", "amount", "reference", "spent_on"}
