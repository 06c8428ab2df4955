"""The bureau follows its home panel to the special budget: sources, the two floors as gauges, the charts
and the expenditures with their references draw without a console error, and the export downloads."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from funds import services
from ipops import clock
from ipops.tenancy import city_scope
from tests.conftest import make_city, make_user
from tests.e2e.conftest import login
from tests.funds.conftest import open_budget

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-123456"
DAY = datetime.date(2024, 5, 20)


def test_bureau_reads_the_budget_from_its_home_and_exports_it(live_server, page):
    city = make_city("qingdao", "青岛")
    open_budget(city)
    with city_scope(city), clock.at(DAY):
        services.budget_spend(
            actor=None,
            city=city,
            source_kind="central_1",
            category="equity_investment",
            amount=Decimal("3000000"),
            spent_on=DAY,
            reference="funds.test:1",
            in_cluster_zone=True,
        )
    bureau = make_user(city, "bureau_staff")
    base = live_server.url
    login(page, base, bureau.username, PASSWORD)
    page.goto(f"{base}/qingdao/")
    with page.expect_navigation():
        page.click("#panel-city-budget a")
    assert page.locator("#page-title").inner_text() == "专项资金"
    assert page.locator("#sources tr[data-kind='central_1']").count() == 1
    page.wait_for_selector("[data-chart='chart-floor-cluster'][data-rendered]")
    page.wait_for_selector("#month-chart[data-rendered]")
    assert page.locator("#floor-1").get_attribute("data-meets") == "yes"
    assert page.locator("#expenditures tr[data-reference='funds.test:1']").count() == 1
    with page.expect_download() as download:
        page.click("#budget-export")
    assert download.value.suggested_filename.endswith(".xlsx")
