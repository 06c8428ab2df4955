"""The special budget's API: readers list sources and expenditures, the bureau records receipts (the
endpoint harness in tests/api covers every role and city; these are the worked cases)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from funds import services
from funds.models import BudgetSource
from ipops import clock
from ipops.tenancy import city_scope
from tests.conftest import api, make_user
from tests.funds.conftest import open_budget
from tests.support import nothing_changed

pytestmark = pytest.mark.django_db
D = Decimal
DAY = datetime.date(2024, 3, 1)


def test_readers_list_sources_and_expenditures_with_their_references(qingdao):
    open_budget(qingdao)
    with city_scope(qingdao), clock.at(DAY):
        services.budget_spend(
            actor=None,
            city=qingdao,
            source_kind="municipal",
            category="subsidy_award",
            amount=D("250000"),
            spent_on=DAY,
            reference="subsidies.payment:7",
        )
    client = api(make_user(qingdao, "official"))
    sources = {
        row["kind"]: row for row in client.get(f"/api/v1/{qingdao.slug}/budget/sources/").json()["results"]
    }
    assert D(sources["municipal"]["remaining"]) == D("99750000")
    [row] = client.get(f"/api/v1/{qingdao.slug}/budget/expenditures/").json()["results"]
    assert (row["source_kind"], row["reference"], D(row["amount"])) == (
        "municipal",
        "subsidies.payment:7",
        D("250000"),
    )


def test_the_bureau_records_a_receipt_and_a_refused_one_changes_nothing(qingdao):
    open_budget(qingdao, received=False)
    client = api(make_user(qingdao, "bureau_staff"))
    url = f"/api/v1/{qingdao.slug}/budget/receipts/"
    r = client.post(url, {"kind": "central_1", "amount": "100000000.00"}, format="json")
    assert r.status_code == 201 and D(r.json()["received"]) == D("100000000")
    with nothing_changed(BudgetSource):
        r = client.post(url, {"kind": "central_2", "amount": "1.00"}, format="json")
    assert (r.status_code, r.json()["code"]) == (409, "review_not_passed")


def test_after_the_review_the_reduced_second_tranche_is_received(qingdao):
    open_budget(qingdao)
    client = api(make_user(qingdao, "bureau_staff"))
    base = f"/api/v1/{qingdao.slug}/budget/"
    with clock.at(DAY):
        r = client.post(
            f"{base}review/", {"passed_on": "2024-02-28", "tranche_2": "45000000.00"}, format="json"
        )
        assert r.status_code == 201 and D(r.json()["allotted"]) == D("45000000")
        again = client.post(f"{base}review/", {"passed_on": "2024-02-28"}, format="json")
        assert (again.status_code, again.json()["code"]) == (409, "review_already_recorded")
        r = client.post(f"{base}receipts/", {"kind": "central_2", "amount": "45000000.00"}, format="json")
    assert r.status_code == 201 and r.json()["review_passed_on"] == "2024-02-28"
