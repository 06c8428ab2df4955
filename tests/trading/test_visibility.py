"""Lists and details agree: for every role (and another city's user), the ids a list returns are exactly
the ids whose detail answers 200 — both come from the entity's one visibility rule."""

from __future__ import annotations

import pytest

from ipops.models import OrgKind
from ipops.tenancy import city_scope
from tests.conftest import api, grant, make_asset, make_user
from tests.support import assert_matrix
from trading import services
from trading.models import BuyRequest, Listing, Negotiation, Offer, Transaction

from .conftest import as_actor, create_listing, party, url

pytestmark = pytest.mark.django_db

#: entity → (its list, its detail); negotiations are listed through their offers (`offers/`).
ENDPOINTS = {
    Listing: ("listings/", "listings/{}/"),
    BuyRequest: ("buy-requests/", "buy-requests/{}/"),
    Negotiation: ("offers/", "negotiations/{}/"),
    Offer: ("offers/", "offers/{}/"),
    Transaction: ("transactions/", "transactions/{}/"),
}


@pytest.fixture
def market(qingdao, jinan):
    """Listings in every state, open and closed buy requests, negotiations and deals of two buyers."""
    seller, buyer, buyer2 = (
        party(qingdao, name="卖方"),
        party(qingdao, name="买方"),
        party(qingdao, name="买方二"),
    )

    def listing(**kw):
        return create_listing(qingdao, seller, [make_asset(qingdao, seller.org)], **kw)

    create_listing(qingdao, seller, [make_asset(qingdao, seller.org)], publish=False)  # a draft
    listing()  # on the market, no offers
    contested, sold, cancelled, withdrawn = listing(), listing(), listing(), listing()
    with city_scope(qingdao):
        s, b, b2 = (as_actor(p, qingdao) for p in (seller, buyer, buyer2))
        services.offer_make(actor=b, listing=contested, price="100000")
        services.offer_make(actor=b2, listing=contested, price="110000")
        tx = services.offer_accept(actor=s, offer=services.offer_make(actor=b, listing=sold, price="1"))
        services.transaction_record_contract(actor=s, transaction=tx, contract_ref="HT-1")
        services.transaction_pay(actor=b, transaction=tx)
        services.transaction_complete(actor=s, transaction=tx, recordal_number="R-1")
        tx = services.offer_accept(actor=s, offer=services.offer_make(actor=b2, listing=cancelled, price="2"))
        services.transaction_cancel(actor=b2, transaction=tx, reason="尽调未通过")
        services.offer_make(actor=b, listing=withdrawn, price="3")
        services.listing_withdraw(actor=s, listing=withdrawn)
        services.buy_request_create(actor=b, title="求购电池热管理技术")
        services.buy_request_close(
            actor=b, buy_request=services.buy_request_create(actor=b, title="求购石墨烯涂层")
        )
        services.buy_request_create(actor=b2, title="求购轨道交通转向架")
    official = make_user(jinan, "official")
    grant(official, qingdao)
    users = {
        "seller": seller.user,
        "buyer": buyer.user,
        "buyer2": buyer2.user,
        **{role: make_user(qingdao, role) for role in ("university", "service", "bank", "insurer")},
        **{role: make_user(qingdao, role) for role in ("guarantor", "fund_manager", "bureau_admin")},
        "bureau_staff": party(qingdao, "bureau_staff", OrgKind.BUREAU).user,
        "official": make_user(qingdao, "official"),
        "official_by_grant": official,
        "other_city": make_user(jinan, "enterprise"),
    }
    return users


def _listed(client, city, model) -> set[int]:
    path = ENDPOINTS[model][0]
    r = client.get(url(city, path), {"page_size": 200})
    if r.status_code != 200:
        return set()
    key = "negotiation" if model is Negotiation else "id"
    return {row[key] for row in r.json()["results"]}


def _shown(client, city, model) -> set[int]:
    with city_scope(city):
        every = list(model.objects.values_list("pk", flat=True))
    return {pk for pk in every if client.get(url(city, ENDPOINTS[model][1].format(pk))).status_code == 200}


def test_every_list_agrees_with_its_details_for_every_role(qingdao, market):
    shown = {
        (who, model.__name__): _shown(api(user), qingdao, model)
        for who, user in market.items()
        for model in ENDPOINTS
    }
    models = {m.__name__: m for m in ENDPOINTS}
    assert_matrix(shown, lambda case: _listed(api(market[case[0]]), qingdao, models[case[1]]))

    # The rule differs by role: the sets are not all alike.
    with city_scope(qingdao):
        drafts = set(Listing.objects.filter(status="draft").values_list("pk", flat=True))
        every_deal = set(Transaction.objects.values_list("pk", flat=True))
    assert drafts <= shown["seller", "Listing"] and not drafts & shown["buyer", "Listing"]
    assert shown["bureau_staff", "Transaction"] == shown["official_by_grant", "Transaction"] == every_deal
    assert shown["bank", "Transaction"] == shown["other_city", "Listing"] == set()
    assert shown["buyer", "Negotiation"] != shown["buyer2", "Negotiation"]
