"""The official's scoreboard in a real browser, with no console error: an official logs in and lands on
the city's scoreboard (the home panel), opens a lagging indicator computed from the platform's deals,
drills down to the deals of the month, opens one, and downloads the indicator's PDF."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from ipops import clock
from ipops.tenancy import city_scope
from reporting.catalogue import seed_catalogue, seed_statistics
from reporting.models import Indicator
from reporting.services.rollup import rollup_city
from tests.conftest import make_asset, make_city, make_user
from tests.e2e.conftest import login
from tests.factories import PASSWORD
from tests.trading.conftest import party

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def build():
    from tests.trading.test_deal_flow import _deal

    city = make_city("qingdao", "青岛")
    make_user(city, "bureau_staff", username="qingdao.bureau")
    official = make_user(city, "official", username="qingdao.official")
    seller, buyer = (
        party(city, name="青岛海纳智能装备有限公司"),
        party(city, name="青岛蓝海新材料科技有限公司"),
    )
    patent = make_asset(city, seller.org, title="一种动力电池热管理系统及其控制方法", ipc=("H01M 10/613",))
    _listing, deal = _deal(city, seller, buyer, patent, "assignment")
    with city_scope(city):
        seed_catalogue(city)
        seed_statistics(city)
    rollup_city(city.pk)
    with city_scope(city):
        indicator = Indicator.objects.get(code="Q-DEALS-GROWTH")
    return official, indicator, deal


def test_an_official_follows_a_lagging_indicator_to_its_deals_and_its_pdf(live_server, page):
    official, indicator, deal = build()
    base = live_server.url
    login(page, base, official.username, PASSWORD)
    assert page.url == f"{base}/qingdao/"
    panel = page.locator("#panel-scoreboard")
    assert panel.is_visible()
    page.click("#panel-scoreboard-all")
    page.wait_for_selector("#scoreboard")
    row = page.locator(f"#scoreboard tr[data-indicator='{indicator.pk}']")
    assert row.get_attribute("data-status") in ("lagging", "at_risk")
    statuses = page.eval_on_selector_all(
        "#scoreboard tr[data-status]", "els => els.map(e => e.dataset.status)"
    )
    assert statuses[0] in ("lagging", "at_risk"), "the worst first"
    page.wait_for_selector(f"[data-chart='spark-{indicator.pk}'][data-rendered]")

    with page.expect_navigation():
        row.locator("a").first.click()
    assert page.locator("#page-title").get_attribute("data-indicator") == str(indicator.pk)
    page.wait_for_selector("#trajectory-chart[data-rendered]")
    assert page.locator("#status-rule li").count() == 3
    month = f"{clock.today():%Y-%m}"
    with page.expect_navigation():
        page.click(f"#periods-months a[data-drill='{month}']")
    assert page.locator("#page-title").get_attribute("data-period") == month
    assert page.locator("#records tr[data-record-url]").count() == 1
    assert "青岛蓝海新材料科技有限公司" in page.locator("#records").inner_text()
    with page.expect_navigation():
        page.click("#records a.record-link")
    assert page.url == f"{base}/qingdao/trading/deals/{deal}/"

    # The indicator's PDF (built by the documents view, `indicator.pdf` beside the page).
    page.goto(f"{base}/qingdao/indicators/{indicator.pk}/")
    pdf = page.locator("#indicator-pdf").get_attribute("href")
    assert pdf.endswith(f"/qingdao/indicators/{indicator.pk}/indicator.pdf")
    response = page.request.get(f"{base}{pdf}")
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/pdf")
    assert response.body()[:5] == b"%PDF-"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert indicator.name in text  # the Chinese name, set in the PDF's own font
