"""Wrong role, wrong state, other city, bad input: 403/404/409/400 — and nothing changed."""

from __future__ import annotations

import pytest

from ipops.errors import ValidationFailed
from ipops.models import Encumbrance, IPAsset
from ipops.services import registry
from ipops.tenancy import city_scope
from tests.conftest import api, make_asset, make_user
from tests.support import nothing_changed
from trading import services
from trading.models import BuyRequest, Listing, ListingAsset, Message, Negotiation, Offer, Transaction

from .conftest import as_actor, create_listing, party, url

pytestmark = pytest.mark.django_db

#: Every row a marketplace request could write (audit records are always compared too).
MARKET = (Listing, ListingAsset, BuyRequest, Negotiation, Offer, Message, Transaction, IPAsset, Encumbrance)


def _pledge(city, asset):
    with city_scope(city):
        registry.encumbrance_add(
            asset_ids=[asset.pk], kind="pledge", source="pledge_finance.loan:1", owner_id=asset.owner_id
        )


@pytest.mark.parametrize("deal_type", ["assignment", "exclusive_licence", "sole_licence"])
def test_a_pledged_asset_cannot_be_listed_for_assignment_or_exclusive_licence(
    qingdao, seller, patent, deal_type
):
    _pledge(qingdao, patent)
    with nothing_changed(*MARKET):
        r = seller.client().post(
            url(qingdao, "listings/"),
            {"asset_ids": [patent.pk], "deal_type": deal_type, "asking_price": "100000"},
        )
        assert r.status_code == 409 and r.json()["code"] == "asset_already_pledged"


def test_a_pledged_asset_may_be_offered_for_pledge_disposal(qingdao, seller, patent):
    _pledge(qingdao, patent)
    r = seller.client().post(
        url(qingdao, "listings/"),
        {"asset_ids": [patent.pk], "deal_type": "pledge_disposal", "asking_price": "100000"},
    )
    assert r.status_code == 201


@pytest.mark.parametrize("status", ["lapsed", "expired", "invalidated", "pending"])
def test_an_asset_not_in_force_cannot_be_listed(qingdao, seller, status):
    asset = make_asset(qingdao, seller.org, legal_status=status)
    with nothing_changed(*MARKET):
        r = seller.client().post(
            url(qingdao, "listings/"),
            {"asset_ids": [asset.pk], "deal_type": "assignment", "asking_price": "100000"},
        )
        assert r.status_code == 409 and r.json()["code"] == "asset_not_in_force"


def test_someone_elses_asset_cannot_be_listed(qingdao, buyer, patent):
    with nothing_changed(*MARKET):
        r = buyer.client().post(
            url(qingdao, "listings/"),
            {"asset_ids": [patent.pk], "deal_type": "assignment", "asking_price": "1"},
        )
        assert r.status_code == 409 and r.json()["code"] == "asset_not_owned"


def test_a_pledge_placed_after_listing_stops_the_sale_at_acceptance(qingdao, seller, buyer, patent):
    listing = create_listing(qingdao, seller, [patent])
    offer = (
        buyer.client().post(url(qingdao, f"listings/{listing.pk}/offers/"), {"price": "400000"}).json()["id"]
    )
    _pledge(qingdao, patent)
    with nothing_changed(*MARKET):
        r = seller.client().post(url(qingdao, f"offers/{offer}/accept/"))
    # The listing's own code, the registry's reason beside it.
    assert r.status_code == 409 and r.json()["code"] == "listing_assets_unavailable"
    assert r.json()["fields"]["assets"][0]["code"] == "asset_already_pledged"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"deal_type": "assignment", "asking_price": "100"}, "asset_ids"),
        ({"asset_ids": [], "deal_type": "assignment", "asking_price": "100"}, "asset_ids"),
        ({"asset_ids": ["x"], "deal_type": "assignment"}, "asset_ids.0"),
        ({"asset_ids": [1], "deal_type": "gift", "asking_price": "100"}, "deal_type"),
        ({"asset_ids": [1], "deal_type": "assignment", "asking_price": "-5"}, "asking_price"),
        ({"asset_ids": [1], "deal_type": "assignment", "asking_price": "1.001"}, "asking_price"),
        ({"asset_ids": [1], "deal_type": "assignment"}, "asking_price"),
        (
            {"asset_ids": [1], "deal_type": "assignment", "asking_price": "5", "ipc_codes": ["XYZ"]},
            "ipc_codes",
        ),
        (
            {"asset_ids": [1], "deal_type": "assignment", "asking_price": "5", "visibility": "world"},
            "visibility",
        ),
    ],
)
def test_bad_listing_input_is_400_with_the_field(qingdao, seller, patent, payload, field):
    payload = (
        {**payload, "asset_ids": [patent.pk if a == 1 else a for a in payload.get("asset_ids", [])]}
        if "asset_ids" in payload
        else payload
    )
    with nothing_changed(*MARKET):
        r = seller.client().post(url(qingdao, "listings/"), payload)
        assert r.status_code == 400, r.json()
        assert field in r.json()["fields"], r.json()


def test_listing_create_reports_every_bad_field_at_once(qingdao, seller, patent):
    with nothing_changed(*MARKET), city_scope(qingdao), pytest.raises(ValidationFailed) as refused:
        services.listing_create(
            actor=as_actor(seller, qingdao),
            asset_ids=[],
            deal_type="assignment",
            asking_price="-5",
            ipc_codes=["XYZ"],
        )
    codes = {field: [e["code"] for e in errors] for field, errors in refused.value.fields.items()}
    assert codes == {
        "asset_ids": ["required"],
        "asking_price": ["amount_not_positive"],
        "ipc_codes": ["ipc_format"],
    }
    # Through the API too, beyond what the request's own shape checks.
    with nothing_changed(*MARKET):
        r = seller.client().post(
            url(qingdao, "listings/"),
            {"asset_ids": [patent.pk], "deal_type": "assignment", "asking_price": "0", "ipc_codes": ["XYZ"]},
        )
    assert r.status_code == 400 and set(r.json()["fields"]) == {"asking_price", "ipc_codes"}


def test_bad_offer_and_buy_request_input_is_400(qingdao, seller, buyer, patent):
    listing = create_listing(qingdao, seller, [patent])
    with nothing_changed(*MARKET):
        b = buyer.client()
        assert b.post(url(qingdao, f"listings/{listing.pk}/offers/"), {"price": "0"}).status_code == 400
        assert b.post(url(qingdao, f"listings/{listing.pk}/offers/"), {"price": "abc"}).status_code == 400
        assert (
            b.post(url(qingdao, f"listings/{listing.pk}/offers/"), {"price": "5", "licence_years": 3}).json()[
                "code"
            ]
            == "not_a_licence"
        )  # an assignment has no licence term
        r = b.post(url(qingdao, "buy-requests/"), {"title": "求购", "budget_min": "500", "budget_max": "100"})
        assert r.status_code == 400 and r.json()["code"] == "budget_range_inverted"
        assert b.post(url(qingdao, "buy-requests/"), {"keywords": "x"}).status_code == 400
        assert b.get(url(qingdao, "listings/"), {"ipc": "Q99"}).status_code == 400
        assert b.get(url(qingdao, "listings/"), {"price_min": "x"}).status_code == 400


def test_wrong_role_is_403_and_changes_nothing(qingdao, seller, buyer, bureau, official, patent):
    listing = create_listing(qingdao, seller, [patent])
    bank = make_user(qingdao, "bank")
    offer = (
        buyer.client().post(url(qingdao, f"listings/{listing.pk}/offers/"), {"price": "400000"}).json()["id"]
    )
    with nothing_changed(*MARKET):
        # a bank cannot list or offer; an official reads but never writes; the seller cannot offer on its own listing
        assert (
            api(bank)
            .post(
                url(qingdao, "listings/"),
                {"asset_ids": [patent.pk], "deal_type": "assignment", "asking_price": "1"},
            )
            .status_code
            == 403
        )
        assert (
            api(bank).post(url(qingdao, f"listings/{listing.pk}/offers/"), {"price": "1"}).status_code == 403
        )
        r = api(official).post(url(qingdao, f"listings/{listing.pk}/offers/"), {"price": "1"})
        assert r.status_code == 403 and r.json()["code"] == "read_only_access"
        assert (
            seller.client().post(url(qingdao, f"listings/{listing.pk}/offers/"), {"price": "1"}).status_code
            == 403
        )
        # only the other side answers an offer
        r = buyer.client().post(url(qingdao, f"offers/{offer}/accept/"))
        assert r.status_code == 409 and r.json()["code"] == "own_offer"
        assert (
            buyer.client().patch(url(qingdao, f"listings/{listing.pk}/"), {"asking_price": "1"}).status_code
            == 403
        )
        r = bureau.client().post(url(qingdao, f"offers/{offer}/accept/"))
        assert r.status_code == 403 and r.json()["code"] == "role_not_allowed"  # bureau staff never negotiate
        assert buyer.client().get(url(qingdao, "transactions/figures/")).status_code == 403
    assert api(official).get(url(qingdao, "transactions/figures/")).status_code == 200


def test_wrong_state_is_409_and_changes_nothing(qingdao, seller, buyer, patent):
    draft = create_listing(qingdao, seller, [patent], publish=False)
    r = buyer.client().post(url(qingdao, f"listings/{draft.pk}/offers/"), {"price": "1"})
    assert r.status_code == 404  # a draft is invisible to other members
    assert seller.client().post(url(qingdao, f"listings/{draft.pk}/withdraw/")).status_code == 200
    r = seller.client().post(url(qingdao, f"listings/{draft.pk}/withdraw/"))
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    listing = create_listing(qingdao, seller, [make_asset(qingdao, seller.org)])
    offer = (
        buyer.client().post(url(qingdao, f"listings/{listing.pk}/offers/"), {"price": "400000"}).json()["id"]
    )
    r = buyer.client().post(url(qingdao, f"listings/{listing.pk}/offers/"), {"price": "410000"})
    assert r.status_code == 409 and r.json()["code"] == "offer_pending"
    tx = seller.client().post(url(qingdao, f"offers/{offer}/accept/")).json()["id"]
    with nothing_changed(*MARKET):
        assert seller.client().post(url(qingdao, f"offers/{offer}/accept/")).status_code == 409
        r = seller.client().post(url(qingdao, f"transactions/{tx}/complete/"), {"recordal_number": "R"})
        assert r.status_code == 409 and r.json()["code"] == "escrow_not_paid"
        r = seller.client().post(url(qingdao, f"listings/{listing.pk}/withdraw/"))
        assert r.status_code == 409 and r.json()["code"] == "deal_in_progress"


def test_other_city_is_404_or_403_and_changes_nothing(qingdao, jinan, seller, buyer, patent):
    listing = create_listing(qingdao, seller, [patent])
    jinan_buyer, jinan_seller = party(jinan, name="济南买方"), party(jinan, name="济南卖方")
    offer = (
        buyer.client().post(url(qingdao, f"listings/{listing.pk}/offers/"), {"price": "400000"}).json()["id"]
    )
    with nothing_changed(*MARKET):
        c = jinan_buyer.client()
        # a stranger to Qingdao is refused at the door
        assert c.get(url(qingdao, f"listings/{listing.pk}/")).status_code == 403
        # through its own city's URL, Qingdao's objects don't exist
        assert c.get(url(jinan, f"listings/{listing.pk}/")).status_code == 404
        assert c.post(url(jinan, f"listings/{listing.pk}/offers/"), {"price": "1"}).status_code == 404
        assert c.post(url(jinan, f"offers/{offer}/accept/")).status_code == 404
        assert seller.client().get(url(jinan, "listings/")).status_code == 403
        # Jinan's seller cannot list a Qingdao asset through Jinan
        r = jinan_seller.client().post(
            url(jinan, "listings/"),
            {"asset_ids": [patent.pk], "deal_type": "assignment", "asking_price": "1"},
        )
        assert r.status_code == 404


def test_buyers_see_only_their_own_negotiations(qingdao, seller, buyer, buyer2, patent):
    listing = create_listing(qingdao, seller, [patent])
    buyer.client().post(url(qingdao, f"listings/{listing.pk}/offers/"), {"price": "400000"})
    offer2 = buyer2.client().post(url(qingdao, f"listings/{listing.pk}/offers/"), {"price": "420000"}).json()
    assert buyer.client().get(url(qingdao, f"offers/{offer2['id']}/")).status_code == 404
    assert buyer.client().get(url(qingdao, f"negotiations/{offer2['negotiation']}/")).status_code == 404
    assert len(seller.client().get(url(qingdao, f"listings/{listing.pk}/offers/")).json()["results"]) == 2
    assert len(buyer.client().get(url(qingdao, f"listings/{listing.pk}/offers/")).json()["results"]) == 1


def test_counter_offers_and_messages_build_one_thread(qingdao, seller, buyer, patent):
    listing = create_listing(qingdao, seller, [patent])
    b, s = buyer.client(), seller.client()
    first = b.post(
        url(qingdao, f"listings/{listing.pk}/offers/"), {"price": "400000", "message": "您好"}
    ).json()
    s.post(url(qingdao, f"offers/{first['id']}/counter/"), {"price": "480000"})
    s.post(url(qingdao, f"negotiations/{first['negotiation']}/messages/"), {"body": "可附带技术服务"})
    thread = b.get(url(qingdao, f"negotiations/{first['negotiation']}/")).json()
    assert [o["status"] for o in thread["offers"]] == ["countered", "pending"]
    assert [m["body"] for m in thread["messages"]] == ["您好", "可附带技术服务"]
    assert (
        b.post(url(qingdao, f"negotiations/{first['negotiation']}/messages/"), {"body": " "}).status_code
        == 400
    )
    r = b.post(url(qingdao, f"negotiations/{first['negotiation']}/close/"))
    assert r.status_code == 200 and r.json()["status"] == "closed"
    with city_scope(qingdao):
        assert Listing.objects.get(pk=listing.pk).status == "published"
