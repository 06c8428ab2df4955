"""Browser: a seller lists a patent, a buyer finds it by search and offers, the seller accepts, the deal page
leads both through contract, escrow and recordal, and the patent changes owner; a buyer of another city
finds a national listing and sends its seller an enquiry, which the seller answers. No console error, no
failed request, on any page of either journey."""

from __future__ import annotations

import pytest

from ipops.models import IPAsset
from ipops.tenancy import city_scope
from tests.conftest import make_asset, make_city, make_org, make_user
from tests.e2e.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _context(browser, problems: list[str]):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    page.on("response", lambda r: problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None)
    return context, page


def test_seller_lists_buyer_finds_offers_and_the_patent_changes_owner(browser, live_server):
    city = make_city("qingdao", "青岛")
    seller_org = make_org(city, "enterprise", name="青岛海纳智能装备有限公司")
    buyer_org = make_org(city, "enterprise", name="青岛蓝海新材料科技有限公司")
    make_user(city, "enterprise", org=seller_org, username="qd.seller")
    make_user(city, "enterprise", org=buyer_org, username="qd.buyer")
    patent = make_asset(city, seller_org, title="一种动力电池液冷板及其热管理系统", ipc=("H01M 10/6556",))
    base = live_server.url
    problems: list[str] = []
    seller_ctx, seller = _context(browser, problems)
    buyer_ctx, buyer = _context(browser, problems)
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

        # The seller accepts: the deal opens, and its page says what comes next.
        seller.goto(negotiation_url)
        seller.click("#accept")
        seller.wait_for_selector("#deal-status")
        deal_url = seller.url
        assert "交易开始" in seller.inner_text(".alert-success")
        assert "轮到您" in seller.inner_text("#next-step")
        seller.fill("#contract-ref", "QD-JS-2026-0088")
        seller.click("#contract-submit")
        seller.wait_for_selector("#deal-status")
        assert "下一步：买方将约定价款付至监管账户" in seller.inner_text(".alert-success")
        assert seller.get_attribute("[data-stage=escrow]", "data-state") == "current"

        # The buyer pays into escrow; the seller records the CNIPA recordal and completes.
        buyer.goto(deal_url)
        assert "轮到您" in buyer.inner_text("#next-step")
        buyer.click("#pay")
        buyer.wait_for_selector("#escrow-status")
        assert "已付至监管账户" in buyer.inner_text("#escrow-status")
        seller.goto(deal_url)
        seller.fill("#recordal-number", "2026370200001234")
        seller.click("#complete")
        seller.wait_for_selector("#deal-status")
        assert "已完成" in seller.inner_text("#deal-status")
        assert "已放款给卖方" in seller.inner_text("#escrow-status")
        history = seller.inner_text("#deal-history")
        assert history.index("合同已登记") < history.index("价款已付至监管账户") < history.index("交易完成")
    finally:
        seller_ctx.close()
        buyer_ctx.close()
    assert problems == []
    with city_scope(city):
        assert IPAsset.objects.get(pk=patent.pk).owner_id == buyer_org.pk


def test_a_buyer_of_another_city_enquires_about_a_national_listing(browser, live_server):
    qingdao, jinan = make_city("qingdao", "青岛"), make_city("jinan", "济南")
    seller_org = make_org(qingdao, "enterprise", name="青岛海纳智能装备有限公司")
    buyer_org = make_org(jinan, "enterprise", name="济南齐鲁动力科技有限公司")
    make_user(qingdao, "enterprise", org=seller_org, username="qd.seller")
    make_user(jinan, "enterprise", org=buyer_org, username="jn.buyer")
    patent = make_asset(qingdao, seller_org, title="一种动力电池液冷板及其热管理系统", ipc=("H01M 10/6556",))
    base = live_server.url
    problems: list[str] = []
    seller_ctx, seller = _context(browser, problems)
    buyer_ctx, buyer = _context(browser, problems)
    try:
        # The seller lists it from the patent's own page, for the national marketplace.
        login(seller, base, "qd.seller", "pw-123456")
        seller.goto(f"{base}/qingdao/assets/{patent.pk}/")
        seller.click("a[data-asset-action]")
        assert seller.is_checked(f"#asset-choices input[value='{patent.pk}']")
        seller.fill("#id_asking_price", "88")
        seller.select_option("#id_visibility", "national")
        seller.click("#listing-submit")
        seller.wait_for_selector("#listing-status")
        reference = seller.inner_text("#page-title + div").split(" ·")[0].strip()

        # The buyer in Jinan finds it by its number on the national market and enquires.
        login(buyer, base, "jn.buyer", "pw-123456")
        buyer.goto(f"{base}/market/")
        buyer.fill("#search-q", reference)
        buyer.click("#search-submit")
        buyer.click("#national-table a")
        buyer.fill("#id_contact_name", "王经理")
        buyer.fill("#id_phone", "0531-88886666")
        buyer.fill("#id_price", "80")
        buyer.fill("#id_message", "有意受让，请联系")
        buyer.click("#enquiry-submit")
        buyer.wait_for_selector("#my-enquiries")
        assert "购买意向已发送" in buyer.inner_text(".alert-success")

        # The seller reads who asks and answers; the buyer reads the answer on the national market.
        seller.reload()
        assert "济南齐鲁动力科技有限公司" in seller.inner_text("#enquiries")
        seller.fill("#enquiries textarea[name=reply]", "欢迎，请致电 0532-66668888")
        seller.click("#enquiries [data-action=answer]")
        seller.wait_for_selector(".alert-success")
        buyer.goto(f"{base}/market/enquiries/")
        assert "0532-66668888" in buyer.inner_text("#my-enquiries")
    finally:
        seller_ctx.close()
        buyer_ctx.close()
    assert problems == []
