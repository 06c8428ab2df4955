"""The fund register in a real browser, with no console error.

(a) A fund manager lands on its home, opens its fund, records a capital call, an investment in a platform
enterprise holding patents (the registry's count shows) and a distribution, and sees the figures move.
(b) The bureau reads the funds list, the guide fund with its sub-funds counted against the target, and the
special budget's projection to plan end, following an expenditure to the record behind it."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from ipops import clock
from ipops.tenancy import city_scope
from pledge_finance import services as pledge_services
from tests.conftest import actor, make_city
from tests.e2e.conftest import login
from tests.funds.conftest import open_budget
from tests.funds.test_fund_pages import build_register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-123456"


def submit(page, selector):
    with page.expect_navigation():
        page.click(selector)


def figure(page, key: str) -> str:
    return page.locator(f"#figure-{key} .value").inner_text()


def test_a_fund_manager_keeps_its_funds_records(live_server, page):
    reg = build_register(make_city("qingdao", "青岛"))
    fund = reg.subs[1]  # committed, nothing called yet
    base = live_server.url
    login(page, base, reg.manager.username, PASSWORD)
    assert page.locator("#page-title").get_attribute("data-home") == "institution"
    assert page.locator("#panel-my-funds tr[data-fund]").count() == 3
    submit(page, f"#panel-my-funds tr[data-fund='{fund.pk}'] a")
    assert page.locator("#page-title").inner_text() == fund.name
    page.wait_for_selector("#sources-chart[data-rendered]")
    assert figure(page, "paid_in").startswith("0.00")

    # A capital call from the social investor, paid in on the day.
    social = page.locator("#id_call-commitment option", has_text="社会资本").get_attribute("value")
    page.select_option("#id_call-commitment", social)
    page.fill("#id_call-amount", "4000")
    page.fill("#id_call-paid_on", clock.today().isoformat())
    submit(page, "#call-submit")
    assert page.locator("#calls tr[data-paid='yes']").count() == 1
    assert figure(page, "paid_in").startswith("4,000.00")
    assert figure(page, "paid_in_ratio") == "40%"

    # An investment in the platform enterprise: its two in-force patents come from the registry.
    page.select_option("#id_invest-investee", str(reg.company.pk))
    page.fill("#id_invest-amount", "3000")
    page.fill("#id_invest-stake", "12.5")
    submit(page, "#invest-submit")
    row = page.locator("#investments tr[data-investment]")
    assert row.count() == 1
    assert row.locator(".patents-in-force").inner_text() == "2"
    assert figure(page, "invested_ratio") == "75%"
    assert figure(page, "ip_share") == "100%"

    # Income paid back to the investors: DPI moves off zero.
    page.select_option("#id_distribute-kind", "income")
    page.fill("#id_distribute-amount", "400")
    submit(page, "#distribute-submit")
    assert page.locator("#distributions tr[data-kind='income']").count() == 1
    assert figure(page, "dpi") == "0.10×"


def test_the_bureau_reads_the_funds_the_guide_fund_and_the_budget(live_server, page):
    city = make_city("qingdao", "青岛")
    reg = build_register(city)
    open_budget(city)
    recent = clock.today() - datetime.timedelta(days=40)
    with city_scope(city), clock.at(recent):
        pledge_services.reserve_open(
            actor=actor(reg.bureau, city), opening_balance=Decimal("30000000"), opened_on=recent
        )
    base = live_server.url
    login(page, base, reg.bureau.username, PASSWORD)

    submit(page, "a[data-nav='funds-list']")
    assert page.locator("#page-title").inner_text() == "基金"
    page.wait_for_selector("#funds-chart[data-rendered]")
    assert page.locator("#funds tr[data-depth='1']").count() == 3
    submit(page, f"#funds tr[data-fund='{reg.guide.pk}'] a")
    assert page.locator("#sub-funds tr[data-fund]").count() == 3
    guided = page.locator("#guided-count")
    assert guided.get_attribute("data-count") == "3"
    assert guided.get_attribute("data-meets") == "yes"
    assert page.locator("#guided-leverage").inner_text() == "5.00×"
    assert page.locator("#commit-form").count() == 0  # the bureau reads; the manager keeps the records

    submit(page, "a[data-nav='funds-list']")
    submit(page, "#tab-budget")
    page.wait_for_selector("[data-chart='chart-floor-market'][data-rendered]")
    assert "方案期末" in page.locator("#projection").inner_text()
    assert page.locator("[data-projected]").count() == 2
    submit(page, "#expenditures a.reference-link")
    assert page.url.startswith(f"{base}/qingdao/loans/reserve/")
    assert page.locator("#ledger tr[data-kind]").count() == 1
