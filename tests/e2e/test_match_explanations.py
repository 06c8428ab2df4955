"""Browser: a buyer posts what they want in their own words and reads why each listing matches — the words
found (a synonym marked 近义), the shared classification, the price against the budget in 万元 — with the
score as a bar."""

from __future__ import annotations

import pytest

from tests.conftest import make_asset, make_city, make_org, make_user
from tests.e2e.conftest import login
from tests.trading.conftest import Party, create_listing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_buyer_reads_why_a_listing_matches(page, live_server):
    city = make_city("qingdao", "青岛")
    seller_org = make_org(city, "enterprise", name="青岛海纳智能装备有限公司")
    buyer_org = make_org(city, "enterprise", name="青岛蓝海新材料科技有限公司")
    seller = Party(make_user(city, "enterprise", org=seller_org, username="qd.seller"), seller_org)
    make_user(city, "enterprise", org=buyer_org, username="qd.buyer")
    asset = make_asset(city, seller_org, title="一种钢轨焊缝超声波探伤装置", ipc=("G01N 29/04",))
    create_listing(city, seller, [asset], price="350000.00")
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    base = live_server.url

    login(page, base, "qd.buyer", "pw-123456")
    page.goto(f"{base}/qingdao/trading/buy-requests/new/")
    page.fill("#id_title", "铁轨焊缝探伤")
    page.fill("#id_ipc_codes", "G01N 29/06")
    page.fill("#id_budget_max", "40")  # 万元
    page.click("#buy-request-submit")
    page.wait_for_selector("#matches .match-explained")

    bar = page.locator("#matches [role=progressbar]").first
    assert 0 < int(bar.get_attribute("aria-valuenow") or 0) <= 100
    reasons = page.inner_text("#matches")
    assert "铁轨（近义：钢轨）" in reasons
    assert "同属 IPC 大组 G01N 29" in reasons
    assert "挂牌价 35.00 万元，在预算（不超过 40.00 万元）内" in reasons
    assert "≈" not in reasons and "(+" not in reasons
    assert errors == []
