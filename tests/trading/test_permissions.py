"""Who may take which step on a listing, an offer and a deal, through the API: role × action.

Each case gets its own object in the state the step starts from; a refusal must change nothing.
"""

from __future__ import annotations

import pytest

from ipops.models import Encumbrance, IPAsset, OrgKind
from ipops.tenancy import city_scope
from tests.conftest import api, make_asset, make_user
from tests.support import assert_matrix, snapshot
from trading import services
from trading.models import Listing, ListingAsset, Message, Negotiation, Offer, Transaction

from .conftest import as_actor, create_listing, party, url

pytestmark = pytest.mark.django_db

MARKET = (Listing, ListingAsset, Negotiation, Offer, Message, Transaction, IPAsset, Encumbrance)
WHO = ("seller", "buyer", "other_holder", "bank", "bureau_staff", "bureau_admin", "official")

# fmt: off
EXPECTED = {
    #             seller buyer other bank  staff admin official
    "publish":   (200,   404,  404,  403,  403,  403,  403),  # a draft is the seller's alone
    "withdraw":  (200,   403,  403,  403,  200,  200,  403),  # bureau staff moderate
    "offer":     (403,   201,  201,  403,  403,  403,  403),  # never on one's own listing
    "accept":    (201,   409,  404,  403,  403,  403,  403),  # the buyer made it (own_offer)
    "contract":  (200,   200,  404,  403,  403,  403,  403),
    "pay":       (403,   200,  404,  403,  403,  403,  403),  # the buyer pays
    "complete":  (200,   403,  404,  403,  200,  200,  403),
    "cancel":    (200,   200,  404,  403,  200,  200,  403),
}
# fmt: on


@pytest.fixture
def world(qingdao):
    seller = party(qingdao, name="卖方")
    buyer = party(qingdao, name="买方")
    users = {
        "seller": seller.user,
        "buyer": buyer.user,
        "other_holder": make_user(qingdao, "university"),
        "bank": make_user(qingdao, "bank"),
        "bureau_staff": party(qingdao, "bureau_staff", OrgKind.BUREAU).user,
        "bureau_admin": make_user(qingdao, "bureau_admin"),
        "official": make_user(qingdao, "official"),
    }

    def listing(publish=True):
        return create_listing(qingdao, seller, [make_asset(qingdao, seller.org)], publish=publish)

    def offer():
        with city_scope(qingdao):
            return services.offer_make(actor=as_actor(buyer, qingdao), listing=listing(), price="100000")

    def deal(*, contract=False, paid=False):
        made = offer()
        with city_scope(qingdao):
            tx = services.offer_accept(actor=as_actor(seller, qingdao), offer=made)
            if contract or paid:
                tx = services.transaction_record_contract(
                    actor=as_actor(seller, qingdao), transaction=tx, contract_ref="HT-1"
                )
            if paid:
                tx = services.transaction_pay(actor=as_actor(buyer, qingdao), transaction=tx)
        return tx

    # Each action: the object it acts on, made fresh, as (path, body).
    steps = {
        "publish": lambda: (f"listings/{listing(publish=False).pk}/publish/", {}),
        "withdraw": lambda: (f"listings/{listing().pk}/withdraw/", {}),
        "offer": lambda: (f"listings/{listing().pk}/offers/", {"price": "90000"}),
        "accept": lambda: (f"offers/{offer().pk}/accept/", {}),
        "contract": lambda: (f"transactions/{deal().pk}/contract/", {"contract_ref": "HT-2"}),
        "pay": lambda: (f"transactions/{deal(contract=True).pk}/pay/", {}),
        "complete": lambda: (f"transactions/{deal(paid=True).pk}/complete/", {"recordal_number": "R-1"}),
        "cancel": lambda: (f"transactions/{deal().pk}/cancel/", {"reason": "双方协商一致"}),
    }
    return users, steps


def test_who_may_take_each_step(qingdao, world):
    users, steps = world

    def outcome(case):
        who, action = case
        path, body = steps[action]()
        before = snapshot(*MARKET)
        status = api(users[who]).post(url(qingdao, path), body).status_code
        if status >= 400 and snapshot(*MARKET) != before:
            return f"{status}, but rows changed"
        return status

    expected = {(who, action): codes[i] for action, codes in EXPECTED.items() for i, who in enumerate(WHO)}
    assert_matrix(expected, outcome)
