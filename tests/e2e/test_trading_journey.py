"""Browser: a seller lists a patent, a buyer finds it by search and offers, the seller accepts,
the deal completes and the patent changes owner."""

from __future__ import annotations

import pytest

from ipops.models import IPAsset
from ipops.tenancy import city_scope
from tests.conftest import make_asset, make_city, make_org, make_user
from tests.e2e.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _context(browser):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def test_seller_lists_buyer_finds_offers_and_the_patent_changes_owner(browser, live_server):
    city = make_city("qingdao", "青岛")
    seller_org = make_org(city, "enterprise", name="青岛海纳智能装备有限公司")
    buyer_org = make_org(city, "enterprise", name="青岛蓝海新材料科技有限公司")
    make_user(city, "enterprise", org=seller_org, username="qd.seller")
    make_user(city, "enterprise", org=buyer_org, username="qd.buyer")
    patent = make_asset(city, seller_org, title="一种动力电池液冷板及其热管理系统", ipc=("H01M 10/6556",))
    base = live_server.url
    seller_ctx, seller = _context(browser)
    buyer_ctx, buyer = _context(browser)
    try:
        # The seller lists the patent.
        login(seller, base, "qd.seller", "pw-123456")
        seller.goto(f"{base}/qingdao/trading/listings/new/")
        seller.check(f"#asset-choices input[value='{patent.pk}']")
        seller.select_option("#id_deal_type", "assignment")
        seller.fill("#id_asking_price", "88")  # 万元
        seller.fill("#id_description", "可提供样品测试数据")
        seller.click("#listing-submit")
        seller.wait_for_selector("#listing-status")
        assert "已发布" in seller.inner_text("#listing-status")

        # The buyer finds it with other words (电池包 液冷) and offers.
        login(buyer, base, "qd.buyer", "pw-123456")
        buyer.goto(f"{base}/qingdao/market/")
        buyer.fill("#search-q", "液冷 电池")
        buyer.click("#search-submit")
        buyer.click("#listing-table a.listing-link")
        buyer.fill("#offer-price", "80")  # 万元
        buyer.fill("#offer-message", "希望尽快签约")
        buyer.click("#offer-submit")
        buyer.wait_for_selector("#thread")
        negotiation_url = buyer.url

        # The seller accepts: the deal opens.
        seller.goto(negotiation_url)
        seller.click("#accept")
        seller.wait_for_selector("#deal-status")
        deal_url = seller.url
        seller.fill("#contract-ref", "QD-JS-2026-0088")
        seller.click("#contract-submit")
        seller.wait_for_selector("#deal-status")

        # The buyer pays into escrow; the seller records the CNIPA recordal and completes.
        buyer.goto(deal_url)
        buyer.click("#pay")
        buyer.wait_for_selector("#escrow-status")
        assert "已付至监管账户" in buyer.inner_text("#escrow-status")
        seller.goto(deal_url)
        seller.fill("#recordal-number", "2026370200001234")
        seller.click("#complete")
        seller.wait_for_selector("#deal-status")
        assert "已完成" in seller.inner_text("#deal-status")
        assert "已放款给卖方" in seller.inner_text("#escrow-status")
    finally:
        seller_ctx.close()
        buyer_ctx.close()
    with city_scope(city):
        assert IPAsset.objects.get(pk=patent.pk).owner_id == buyer_org.pk
