"""Pages and API detail responses offer exactly the steps the lifecycles allow the actor now
(`trading.lifecycles.available_names`): no button for a step the service would refuse."""

from __future__ import annotations

import re

import pytest

from ipops.tenancy import city_scope
from tests.conftest import actor
from trading import services
from trading.lifecycles import available_names

from .conftest import as_actor, create_listing, url

pytestmark = pytest.mark.django_db


def _buttons(response) -> set[str]:
    assert response.status_code == 200
    return set(re.findall(r'data-action="([a-z_]+)"', response.content.decode()))


@pytest.mark.parametrize("state", ["draft", "published", "negotiating"])
def test_the_listing_page_offers_exactly_the_available_steps(
    client, qingdao, seller, buyer, buyer2, bureau, patent, state
):
    listing = create_listing(qingdao, seller, [patent], publish=state != "draft")
    if state == "negotiating":
        with city_scope(qingdao):
            services.offer_make(actor=as_actor(buyer, qingdao), listing=listing, price="1000")
    viewers = {"seller": seller, "bureau": bureau} | ({} if state == "draft" else {"other buyer": buyer2})
    seen = {}
    for who, p in viewers.items():
        client.force_login(p.user)
        seen[who] = _buttons(client.get(f"/qingdao/market/{listing.pk}/"))
        with city_scope(qingdao):
            listing.refresh_from_db()
            assert seen[who] == set(available_names(actor(p.user, qingdao), listing)), who
    if state == "draft":
        assert seen == {"seller": {"publish", "withdraw"}, "bureau": {"withdraw"}}
    else:
        assert seen == {"seller": {"withdraw"}, "bureau": {"withdraw"}, "other buyer": {"offer"}}


def test_the_deal_page_offers_pay_only_once_the_contract_is_recorded(client, qingdao, seller, buyer, patent):
    listing = create_listing(qingdao, seller, [patent])
    with city_scope(qingdao):
        offer = services.offer_make(actor=as_actor(buyer, qingdao), listing=listing, price="1000")
        tx = services.offer_accept(actor=as_actor(seller, qingdao), offer=offer)
    client.force_login(buyer.user)
    page = f"/qingdao/trading/deals/{tx.pk}/"
    assert _buttons(client.get(page)) == {"contract", "cancel"}
    with city_scope(qingdao):
        services.transaction_record_contract(
            actor=as_actor(seller, qingdao), transaction=tx, contract_ref="HT-1"
        )
        tx.refresh_from_db()
        assert set(available_names(actor(buyer.user, qingdao), tx)) == {"contract", "cancel", "pay"}
    assert _buttons(client.get(page)) == {"contract", "cancel", "pay"}
    client.force_login(seller.user)
    assert _buttons(client.get(page)) == {"contract", "cancel"}  # the buyer pays; nothing to complete yet


def test_api_detail_responses_list_the_available_steps(qingdao, seller, buyer, patent):
    s, b = seller.client(), buyer.client()
    listing = create_listing(qingdao, seller, [patent])
    assert s.get(url(qingdao, f"listings/{listing.pk}/")).json()["actions"] == ["withdraw"]
    assert b.get(url(qingdao, f"listings/{listing.pk}/")).json()["actions"] == ["offer"]
    offer = b.post(url(qingdao, f"listings/{listing.pk}/offers/"), {"price": "1000"}).json()
    assert offer["actions"] == ["withdraw"]
    assert s.get(url(qingdao, f"offers/{offer['id']}/")).json()["actions"] == ["accept", "reject", "counter"]
    assert b.get(url(qingdao, f"negotiations/{offer['negotiation']}/")).json()["actions"] == [
        "message",
        "close",
    ]
    tx = s.post(url(qingdao, f"offers/{offer['id']}/accept/")).json()
    assert tx["actions"] == ["contract", "cancel"]
    after = b.post(url(qingdao, f"transactions/{tx['id']}/contract/"), {"contract_ref": "HT-1"}).json()
    assert after["actions"] == ["contract", "cancel", "pay"]
    br = b.post(url(qingdao, "buy-requests/"), {"title": "求购电池热管理技术"}).json()
    assert br["actions"] == ["close"]
    assert s.get(url(qingdao, f"buy-requests/{br['id']}/")).json()["actions"] == []
