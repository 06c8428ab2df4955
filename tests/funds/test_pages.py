"""The special budget's page and export: officials and the bureau read them; other roles and other
cities' users are refused."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from funds import services
from funds.models import BudgetSource
from ipops import clock
from ipops.tenancy import city_scope
from tests.conftest import make_user
from tests.funds.conftest import open_budget
from tests.support import assert_matrix, nothing_changed

pytestmark = pytest.mark.django_db
D = Decimal
DAY = datetime.date(2024, 3, 15)


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def budget(qingdao):
    open_budget(qingdao)
    with city_scope(qingdao), clock.at(DAY):
        for category, cluster, market in (
            ("cluster_zone", True, False),
            ("service_purchase", False, True),
            ("training", False, False),
        ):
            services.budget_spend(
                actor=None,
                city=qingdao,
                source_kind="central_1",
                category=category,
                amount=D("1000000"),
                spent_on=DAY,
                reference=f"subsidies.payment:{category}",
                in_cluster_zone=cluster,
                market_based=market,
            )
    return qingdao


def test_the_bureau_reads_sources_shares_and_each_expenditure_with_its_reference(budget):
    r = client_for(make_user(budget, "bureau_staff")).get(f"/{budget.slug}/funds/budget/")
    assert r.status_code == 200
    page = r.content.decode()
    assert 'data-reference="subsidies.payment:cluster_zone"' in page
    assert 'data-chart="chart-budget-month"' in page
    # One third in the cluster zone, one third market-based: both below their floors.
    assert page.count('data-meets="no"') == 2
    assert "33.3%" in page


def test_the_export_lists_every_expenditure_in_yuan(budget):
    r = client_for(make_user(budget, "official")).get(f"/{budget.slug}/funds/budget/export.xlsx")
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert sorted(row[6] for row in rows) == [
        "subsidies.payment:cluster_zone",
        "subsidies.payment:service_purchase",
        "subsidies.payment:training",
    ]
    assert {D(str(row[3])) for row in rows} == {D("1000000")}


def test_a_city_without_a_budget_says_so(qingdao):
    r = client_for(make_user(qingdao, "official")).get(f"/{qingdao.slug}/funds/budget/")
    assert r.status_code == 200
    assert 'id="no-budget"' in r.content.decode()


def test_only_the_citys_readers_see_the_budget(budget):
    roles = ["enterprise", "university", "service", "bank", "insurer", "guarantor", "fund_manager"]
    readers = ["bureau_staff", "bureau_admin", "official"]
    expected = {
        (role, tail): (200 if role in readers else 403)
        for role in roles + readers
        for tail in ("", "export.xlsx")
    }
    users = {role: make_user(budget, role) for role in roles + readers}
    assert_matrix(
        expected,
        lambda case: client_for(users[case[0]]).get(f"/{budget.slug}/funds/budget/{case[1]}").status_code,
    )


def test_another_citys_bureau_cannot_read_this_budget(budget, jinan):
    other = client_for(make_user(jinan, "bureau_staff"))
    for tail in ("", "export.xlsx"):
        r = other.get(f"/{budget.slug}/funds/budget/{tail}")
        assert r.status_code in (403, 404)
        assert b"subsidies.payment" not in r.content


def test_the_bureau_home_shows_the_budget_panel(budget):
    r = client_for(make_user(budget, "bureau_staff")).get(f"/{budget.slug}/")
    assert 'id="panel-city-budget"' in r.content.decode()


def test_the_bureau_records_money_received_in_wan_on_the_page(qingdao):
    open_budget(qingdao, received=False)
    client = client_for(make_user(qingdao, "bureau_staff"))
    url = f"/{qingdao.slug}/funds/budget/"
    r = client.post(url, {"kind": "central_1", "amount": "10000", "received_on": "2024-01-20"})
    assert r.status_code == 302
    with city_scope(qingdao):
        source = BudgetSource.objects.get(kind="central_1")
    assert (source.received, source.received_on) == (D("100000000"), datetime.date(2024, 1, 20))
    with nothing_changed(BudgetSource):
        r = client.post(url, {"kind": "central_2", "amount": "1"})
    assert r.status_code == 400
    assert "中期绩效评价" in r.content.decode()


def test_an_official_cannot_record_a_receipt(qingdao):
    open_budget(qingdao, received=False)
    with nothing_changed(BudgetSource):
        r = client_for(make_user(qingdao, "official")).post(
            f"/{qingdao.slug}/funds/budget/", {"kind": "central_1", "amount": "1"}
        )
    assert r.status_code == 403
