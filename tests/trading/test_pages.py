"""Pages: each role's views render, writes go through services, strangers get 403/404."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from ipops.tenancy import city_scope
from tests.conftest import make_user
from trading.models import BuyRequest, Listing, Offer, Transaction

from .conftest import create_listing, url
from .test_deal_flow import _deal

pytestmark = pytest.mark.django_db


def _login(client, user):
    client.force_login(user)
    return client


def test_seller_lists_from_the_form_and_buyer_negotiates_to_a_deal(client, qingdao, seller, buyer, patent):
    c = _login(client, seller.user)
    assert c.get("/qingdao/trading/listings/new/").status_code == 200
    r = c.post(
        "/qingdao/trading/listings/new/",
        {
            "asset_ids": [patent.pk],
            "deal_type": "assignment",
            "asking_price": "50",  # 万元, as the form says
            "visibility": "city",
            "publish": "on",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    with city_scope(qingdao):
        listing = Listing.objects.get(seller=seller.org)
    assert listing.status == "published" and listing.asking_price == Decimal("500000.00")
    for path in ("/qingdao/trading/sell/", f"/qingdao/market/{listing.pk}/"):
        assert c.get(path).status_code == 200

    c.force_login(buyer.user)
    r = c.post(f"/qingdao/trading/listings/{listing.pk}/offer/", {"price": "45", "message": "诚意购买"})
    assert r.status_code == 302 and "/trading/negotiations/" in r["Location"]
    negotiation_page = r["Location"]
    assert "诚意购买" in c.get(negotiation_page).content.decode()
    assert c.get("/qingdao/trading/buy/").status_code == 200

    c.force_login(seller.user)
    page = c.get(negotiation_page)
    offer_id = page.context["pending"].pk
    r = c.post(negotiation_page, {"action": "accept", "offer": offer_id})
    assert r.status_code == 302 and "/trading/deals/" in r["Location"]
    deal_page = r["Location"]
    assert c.post(deal_page, {"action": "contract", "contract_ref": "HT-1"}).status_code == 302
    c.force_login(buyer.user)
    assert c.post(deal_page, {"action": "pay"}).status_code == 302
    c.force_login(seller.user)
    assert c.post(deal_page, {"action": "complete", "recordal_number": "ZL-REC-1"}).status_code == 302
    with city_scope(qingdao):
        tx = Transaction.objects.get(listing=listing)
        patent.refresh_from_db()
    assert tx.status == "completed" and patent.owner_id == buyer.org.pk
    assert "ZL-REC-1" in c.get(deal_page).content.decode()


def test_business_errors_come_back_as_messages(client, qingdao, seller, buyer, patent):
    listing = create_listing(qingdao, seller, [patent])
    c = _login(client, buyer.user)
    c.post(f"/qingdao/trading/listings/{listing.pk}/offer/", {"price": "0.1"})
    r = c.post(f"/qingdao/trading/listings/{listing.pk}/offer/", {"price": "0.2"}, follow=True)
    assert r.status_code == 200
    assert any("awaiting an answer" in str(m) or "等待" in str(m) for m in r.context["messages"])


def test_buy_request_page_shows_matches_with_reasons(client, qingdao, seller, buyer, patent):
    create_listing(qingdao, seller, [patent])
    c = _login(client, buyer.user)
    r = c.post("/qingdao/trading/buy-requests/new/", {"title": "求购动力电池热管理技术", "budget_max": "90"})
    assert r.status_code == 302
    page = c.get(r["Location"])
    assert page.status_code == 200
    assert page.context["matches"] and 'data-reason="text"' in page.content.decode()
    with city_scope(qingdao):
        br = BuyRequest.objects.get(buyer=buyer.org)
    assert c.post(f"/qingdao/trading/buy-requests/{br.pk}/", {"action": "close"}).status_code == 302


def test_bureau_sees_all_deals_and_exports_them(client, qingdao, seller, buyer, bureau, patent):
    listing = create_listing(qingdao, seller, [patent])
    buyer.client().post(url(qingdao, f"listings/{listing.pk}/offers/"), {"price": "1000"})
    c = _login(client, bureau.user)
    assert c.get("/qingdao/trading/deals/").status_code == 200
    r = c.get("/qingdao/trading/deals/export.xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert c.get("/qingdao/trading/centres/").status_code == 200
    c.force_login(buyer.user)
    assert c.get("/qingdao/trading/deals/export.xlsx").status_code == 403


def test_bureau_deals_page_charts_the_completed_amounts_by_year(
    client, qingdao, seller, buyer, bureau, patent
):
    _deal(qingdao, seller, buyer, patent, "assignment")  # agreed at 700,000.00 and completed
    page = _login(client, bureau.user).get("/qingdao/trading/deals/").content.decode()
    option = json.loads(
        re.search(r'<script id="chart-deals" type="application/json">(.*?)</script>', page).group(1)
    )
    assert 'data-chart="chart-deals"' in page
    assert option["xAxis"]["data"] == [str(timezone.localdate().year)]
    transfers, licences = option["series"]
    assert transfers["data"] == [70.0] and licences["data"] == [0.0]  # 万元


def test_strangers_and_readers(client, qingdao, jinan, seller, official, patent):
    listing = create_listing(qingdao, seller, [patent], publish=False)
    stranger = make_user(jinan, "enterprise")
    c = _login(client, stranger)
    assert c.get("/qingdao/trading/sell/").status_code == 403
    assert c.get(f"/qingdao/market/{listing.pk}/").status_code == 404  # a draft is not on the market
    c.force_login(official)
    assert c.get("/qingdao/trading/deals/").status_code == 200
    assert c.get("/qingdao/trading/listings/new/").status_code == 403  # read-only
    client.logout()
    r = client.get("/qingdao/trading/sell/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_offers_and_counter_offers_are_typed_in_wan_with_the_unit_beside(
    client, qingdao, seller, buyer, patent
):
    listing = create_listing(qingdao, seller, [patent])
    c = _login(client, buyer.user)
    assert 'id="offer-price"' in c.get(f"/qingdao/market/{listing.pk}/").content.decode()
    negotiation_page = c.post(f"/qingdao/trading/listings/{listing.pk}/offer/", {"price": "45"})["Location"]
    c.force_login(seller.user)
    page = c.get(negotiation_page)
    html = page.content.decode()
    counter = html[html.index('id="counter-price"') :]
    assert counter.index("万元") < 300  # the unit beside the field, not "（元）"
    r = c.post(negotiation_page, {"action": "counter", "offer": page.context["pending"].pk, "price": "48"})
    assert r.status_code == 302
    with city_scope(qingdao):
        prices = sorted(o.price for o in Offer.objects.filter(negotiation__listing=listing))
    assert prices == [Decimal("450000.00"), Decimal("480000.00")]


def test_a_fund_manager_lands_on_deal_flow_not_an_empty_page(client, qingdao, seller, patent):
    """Until the funds app arrives, a fund manager's work on the platform is sourcing: the newest patents on
    the city's market, by industry, and the year's deals."""
    listing = create_listing(qingdao, seller, [patent])
    client.force_login(make_user(qingdao, "fund_manager"))
    home = client.get("/qingdao/").content.decode()
    assert 'id="panel-market-watch"' in home and listing.title in home
