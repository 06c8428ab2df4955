"""Anonymous visitors see only listings on the market; the national view carries published fields only."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.conftest import make_asset

from .conftest import create_listing, party, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def listings(qingdao, seller):
    def one(title, **kw):
        return create_listing(qingdao, seller, [make_asset(qingdao, seller.org, title=title)], **kw)

    published = one("一种石墨烯散热涂层", visibility="national")
    city_only = one("一种石墨烯防腐涂料")
    draft = one("一种石墨烯导电油墨", publish=False)
    withdrawn = one("一种石墨烯电加热片")
    from ipops.tenancy import city_scope
    from trading import services

    from .conftest import as_actor

    with city_scope(qingdao):
        services.listing_withdraw(actor=as_actor(seller, qingdao), listing=withdrawn)
    return {"published": published, "city_only": city_only, "draft": draft, "withdrawn": withdrawn}


def test_anonymous_api_search_sees_only_listings_on_the_market(qingdao, listings):
    r = APIClient().get(url(qingdao, "market/listings/"), {"q": "石墨烯"})
    assert r.status_code == 200
    ids = {row["id"] for row in r.json()["results"]}
    assert ids == {listings["published"].pk, listings["city_only"].pk}
    for key in ("draft", "withdrawn"):
        assert APIClient().get(url(qingdao, f"market/listings/{listings[key].pk}/")).status_code == 404
    detail = APIClient().get(url(qingdao, f"market/listings/{listings['published'].pk}/")).json()
    assert detail["due_diligence"][0]["legal_status"] == "in_force"
    assert "visibility" not in detail and "created_by" not in detail


def test_anonymous_cannot_use_the_member_api(qingdao, listings):
    assert APIClient().get(url(qingdao, "listings/")).status_code in (401, 403)
    assert APIClient().post(
        url(qingdao, f"listings/{listings['published'].pk}/offers/"), {"price": "1"}
    ).status_code in (401, 403)


def test_public_market_page_lists_only_listings_on_the_market(client, qingdao, listings):
    r = client.get(f"/{qingdao.slug}/market/", {"q": "石墨烯"})
    assert r.status_code == 200
    body = r.content.decode()
    assert "一种石墨烯散热涂层" in body and "一种石墨烯防腐涂料" in body
    assert "导电油墨" not in body and "电加热片" not in body
    assert client.get(f"/{qingdao.slug}/market/{listings['published'].pk}/").status_code == 200
    assert client.get(f"/{qingdao.slug}/market/{listings['draft'].pk}/").status_code == 404
    assert client.get("/nowhere/market/").status_code == 404


def test_national_view_shows_national_listings_of_every_city_and_nothing_else(
    client, qingdao, jinan, listings
):
    jinan_seller = party(jinan, name="济南卖方")
    jinan_listing = create_listing(
        jinan,
        jinan_seller,
        [make_asset(jinan, jinan_seller.org, title="一种石墨烯传感器")],
        visibility="national",
    )
    r = APIClient().get("/market/api/listings/", {"q": "石墨烯"})
    assert r.status_code == 200
    rows = r.json()["results"]
    assert {row["id"] for row in rows} == {listings["published"].pk, jinan_listing.pk}
    assert {row["city"] for row in rows} == {"qingdao", "jinan"}
    assert set(rows[0]) == {
        "id",
        "city",
        "city_name",
        "reference",
        "title",
        "description",
        "deal_type",
        "asking_price",
        "negotiable",
        "industry",
        "ipc_codes",
        "asset_kinds",
        "region",
        "status",
        "published_at",
        "seller",
    }
    only_jinan = APIClient().get("/market/api/listings/", {"city": "jinan"}).json()["results"]
    assert [row["id"] for row in only_jinan] == [jinan_listing.pk]
    page = client.get("/market/", {"q": "石墨烯"})
    assert page.status_code == 200
    assert "一种石墨烯传感器" in page.content.decode() and "防腐涂料" not in page.content.decode()
    row = page.content.decode().split(f'data-listing="{jinan_listing.pk}"')[1].split("</tr>")[0]
    assert "济南" in row and "转让" in row and "assignment" not in row  # names, not codes


def test_search_falls_back_from_and_to_ranked_or(qingdao, listings):
    r = APIClient().get(url(qingdao, "market/listings/"), {"q": "石墨烯 散热 轮胎"}).json()
    assert r["mode"] in ("pairs", "or")
    assert r["results"][0]["id"] == listings["published"].pk


def test_search_filters(qingdao, seller, listings):
    other = create_listing(
        qingdao,
        seller,
        [make_asset(qingdao, seller.org, title="一种轮胎胎面胶料", ipc=("C08L 9/06",))],
        deal_type="non_exclusive_licence",
        price="90000",
    )
    c = APIClient()

    def ids(**params):
        return {row["id"] for row in c.get(url(qingdao, "market/listings/"), params).json()["results"]}

    assert ids(ipc="C08L") == {other.pk}
    assert ids(deal_type="non_exclusive_licence") == {other.pk}
    assert ids(price_max="100000") == {other.pk}
    assert other.pk not in ids(price_min="100000")
    assert ids(kind="design") == set()
    assert ids(q="胎面", industry="other") == {other.pk}
