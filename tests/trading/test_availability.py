"""A listing whose asset is pledged (or licensed elsewhere, lapsed, transferred) after it was listed: it says so
everywhere it is shown, refuses offers, counter-offers and acceptance with `listing_assets_unavailable`, tells
the seller, and takes offers again by itself once the registry shows the asset free."""

from __future__ import annotations

import pytest

from ipops.errors import ApplicationError
from ipops.models import Encumbrance, IPAsset, OrgKind
from ipops.services import registry
from ipops.tenancy import city_scope
from tests.conftest import make_asset, make_org
from tests.support import failures, nothing_changed, race, successes
from trading import selectors, services
from trading.availability import REGISTRY_ACTION
from trading.models import Listing, ListingAsset, Message, Negotiation, Offer, Transaction

from .conftest import as_actor, create_listing, party, url

pytestmark = pytest.mark.django_db

MARKET = (Listing, ListingAsset, Negotiation, Offer, Message, Transaction, IPAsset, Encumbrance)
LOAN = "pledge_finance.loan:7"


def _pledge(city, asset, source=LOAN):
    with city_scope(city):
        bank = make_org(city, OrgKind.BANK, name="青岛银行")
        registry.encumbrance_add(
            asset_ids=[asset.pk], kind="pledge", source=source, owner_id=asset.owner_id, holder=bank
        )


def _release(city, source=LOAN):
    with city_scope(city):
        assert registry.encumbrance_release(source=source) == 1


def _page(client, user, path) -> str:
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def test_a_pledge_stops_offers_everywhere_and_its_release_puts_the_listing_back_on_sale(
    client, qingdao, seller, buyer, patent
):
    listing = create_listing(qingdao, seller, [patent], visibility="national")
    _pledge(qingdao, patent)

    with nothing_changed(*MARKET):
        r = buyer.client().post(url(qingdao, f"listings/{listing.pk}/offers/"), {"price": "450000"})
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "listing_assets_unavailable"
    assert "已质押" in body["detail"] and patent.display_number in body["detail"]
    assert body["fields"]["assets"][0]["code"] == "asset_already_pledged"

    # The buyer sees why, and no offer form; the listing is still on the market (nothing re-created later).
    page = _page(client, buyer.user, f"/qingdao/market/{listing.pk}/")
    assert 'id="listing-unavailable"' in page and "已质押" in page and 'id="offer-card"' not in page
    assert f"该挂牌暂不能接受报价：{patent.display_number} 已质押。" in page
    assert f'data-field="owner">{seller.org.name}<' in page  # the due-diligence panel names the owner
    for market in ("/qingdao/market/", "/market/"):
        html = _page(client, buyer.user, market)
        assert "data-unavailable" in html and f"{patent.display_number} 已质押" in html, market
    detail = buyer.client().get(url(qingdao, f"listings/{listing.pk}/")).json()
    assert [b["reason"] for b in detail["unavailable"]] == ["pledge"] and "offer" not in detail["actions"]
    public = client.get(f"/api/v1/qingdao/market/listings/{listing.pk}/").json()
    assert public["unavailable"][0]["code"] == "asset_already_pledged"

    # The seller is told, on the workbench and at home, and that it comes back by itself.
    for path in ("/qingdao/trading/sell/", "/qingdao/"):
        page = _page(client, seller.user, path)
        assert 'id="blocked-listings"' in page and listing.reference in page and "已质押" in page

    _release(qingdao)
    r = buyer.client().post(url(qingdao, f"listings/{listing.pk}/offers/"), {"price": "450000"})
    assert r.status_code == 201, r.json()
    assert 'id="blocked-listings"' not in _page(client, seller.user, "/qingdao/trading/sell/")
    assert 'id="offer-card"' not in _page(
        client, seller.user, f"/qingdao/market/{listing.pk}/"
    )  # own listing
    with city_scope(qingdao):
        assert Listing.objects.get(pk=listing.pk).status == "negotiating"


def test_a_pending_offer_can_be_neither_accepted_nor_countered_while_pledged(
    client, qingdao, seller, buyer, patent
):
    listing = create_listing(qingdao, seller, [patent])
    offer = buyer.client().post(url(qingdao, f"listings/{listing.pk}/offers/"), {"price": "450000"}).json()
    _pledge(qingdao, patent)
    s = seller.client()
    with nothing_changed(*MARKET):
        for action, data in (("accept", {}), ("counter", {"price": "480000"})):
            r = s.post(url(qingdao, f"offers/{offer['id']}/{action}/"), data)
            assert r.status_code == 409 and r.json()["code"] == "listing_assets_unavailable", action
    # The negotiation page says why and offers no accept or counter; talking and saying no still work.
    page = _page(client, seller.user, f"/qingdao/trading/negotiations/{offer['negotiation']}/")
    assert 'id="listing-unavailable"' in page and 'id="accept"' not in page and 'id="counter"' not in page
    r = s.post(url(qingdao, f"negotiations/{offer['negotiation']}/messages/"), {"body": "质押解除后再谈"})
    assert r.status_code == 201
    assert s.post(url(qingdao, f"offers/{offer['id']}/reject/")).status_code == 200

    _release(qingdao)
    offer = buyer.client().post(url(qingdao, f"listings/{listing.pk}/offers/"), {"price": "460000"}).json()
    assert s.post(url(qingdao, f"offers/{offer['id']}/accept/")).status_code == 201


def _licence_elsewhere(city, seller, asset):
    with city_scope(city):
        licensee = make_org(city, OrgKind.ENTERPRISE, name="青岛独占被许可方")
        registry.encumbrance_add(
            asset_ids=[asset.pk], kind="exclusive_licence", source="elsewhere:1", holder=licensee
        )


def _lapse(city, seller, asset):
    with city_scope(city):
        IPAsset.objects.filter(pk=asset.pk).update(legal_status="lapsed")


def _transfer(city, seller, asset):
    with city_scope(city):
        other = make_org(city, OrgKind.ENTERPRISE, name="青岛受让方")
        registry.asset_transfer(asset_id=asset.pk, new_owner=other, source="elsewhere:2")


@pytest.mark.parametrize(
    ("change", "reason", "words"),
    [
        (_licence_elsewhere, "exclusive_licence", "已独占许可"),
        (_lapse, "not_in_force", "已失效"),
        (_transfer, "not_owned", "已不属于卖方"),
    ],
)
def test_the_page_says_what_the_registry_says(qingdao, seller, buyer, patent, change, reason, words):
    """Every way an asset stops being free: the listing's reason is the registry's own verdict."""
    listing = create_listing(qingdao, seller, [patent])
    change(qingdao, seller, patent)
    with city_scope(qingdao):
        (block,) = selectors.listing_blocks([listing])[listing.pk]
        asset = IPAsset.objects.get(pk=patent.pk)
        with pytest.raises(ApplicationError) as refused:
            registry.check_assets_available(
                assets=[asset], action=REGISTRY_ACTION["assignment"], owner_id=seller.org.pk
            )
    assert block.reason == reason and block.code == refused.value.code
    with nothing_changed(*MARKET):
        r = buyer.client().post(url(qingdao, f"listings/{listing.pk}/offers/"), {"price": "450000"})
    assert r.status_code == 409 and r.json()["code"] == "listing_assets_unavailable"
    assert words in r.json()["detail"]


@pytest.mark.parametrize(
    ("deal_type", "takes_offers"), [("non_exclusive_licence", True), ("sole_licence", False)]
)
def test_whether_a_pledge_blocks_depends_on_the_deal(qingdao, seller, buyer, patent, deal_type, takes_offers):
    """A pledge forbids assignment and exclusive licences, not a non-exclusive licence (ipops.rules.BLOCKING)."""
    listing = create_listing(qingdao, seller, [patent], deal_type=deal_type)
    _pledge(qingdao, patent)
    r = buyer.client().post(url(qingdao, f"listings/{listing.pk}/offers/"), {"price": "450000"})
    assert (r.status_code == 201) is takes_offers, r.json()


def test_a_pledge_disposal_listing_sells_the_pledged_asset(qingdao, seller, buyer, patent):
    _pledge(qingdao, patent)
    listing = create_listing(qingdao, seller, [patent], deal_type="pledge_disposal")
    with city_scope(qingdao):
        assert selectors.listing_blocks([listing]) == {}
    r = buyer.client().post(url(qingdao, f"listings/{listing.pk}/offers/"), {"price": "450000"})
    assert r.status_code == 201


def test_the_listings_own_deal_is_not_a_reason(qingdao, seller, buyer, patent):
    """An accepted assignment holds the asset (`sale_pending`): that hold is the deal, not a block."""
    listing = create_listing(qingdao, seller, [patent])
    offer = buyer.client().post(url(qingdao, f"listings/{listing.pk}/offers/"), {"price": "500000"}).json()
    assert seller.client().post(url(qingdao, f"offers/{offer['id']}/accept/")).status_code == 201
    with city_scope(qingdao):
        listing.refresh_from_db()
        assert selectors.listing_blocks([listing]) == {}


def test_a_second_listing_of_an_asset_being_sold_is_blocked(qingdao, seller, buyer, patent):
    first = create_listing(qingdao, seller, [patent])
    second = create_listing(qingdao, seller, [patent], deal_type="non_exclusive_licence")
    offer = buyer.client().post(url(qingdao, f"listings/{first.pk}/offers/"), {"price": "500000"}).json()
    assert seller.client().post(url(qingdao, f"offers/{offer['id']}/accept/")).status_code == 201
    with city_scope(qingdao):
        (block,) = selectors.listing_blocks([second])[second.pk]
    assert block.reason == "sale_pending"


# --- races: the registry's asset locks decide which comes first -----------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_acceptance_and_a_pledge_of_the_same_asset_at_once_exactly_one_wins(qingdao):
    seller, buyer = party(qingdao, name="卖方"), party(qingdao, name="买方")
    asset = make_asset(qingdao, seller.org)
    listing = create_listing(qingdao, seller, [asset])
    with city_scope(qingdao):
        offer = services.offer_make(actor=as_actor(buyer, qingdao), listing=listing, price="500000")
    me = as_actor(seller, qingdao)

    def accept():
        return services.offer_accept(actor=me, offer=offer)

    def pledge():
        return registry.encumbrance_add(
            asset_ids=[asset.pk], kind="pledge", source=LOAN, owner_id=seller.org.pk
        )

    results = race(accept, pledge, context=lambda: city_scope(qingdao))
    assert len(successes(results)) == 1
    (refused,) = failures(results)
    # The pledge found the asset held for the sale, or the acceptance found it pledged.
    assert refused.code in ("asset_encumbered", "listing_assets_unavailable")
    with city_scope(qingdao):
        active = set(
            Encumbrance.objects.filter(asset=asset, released_at__isnull=True).values_list("kind", flat=True)
        )
        deals = Transaction.objects.filter(listing=listing).count()
    assert (active, deals) in (({"sale_pending"}, 1), ({"pledge"}, 0))


@pytest.mark.django_db(transaction=True)
def test_an_offer_and_a_pledge_at_once_never_leave_an_offer_made_after_the_pledge(qingdao):
    """An offer holds nothing in the registry, so a pledge may follow it; but no offer is made once the pledge
    is in: either the offer came first (and can no longer be accepted), or it is refused and writes nothing."""
    seller, buyer = party(qingdao, name="卖方"), party(qingdao, name="买方")
    asset = make_asset(qingdao, seller.org)
    listing = create_listing(qingdao, seller, [asset])
    me = as_actor(buyer, qingdao)

    def offer():
        return services.offer_make(actor=me, listing=listing, price="500000")

    def pledge():
        return registry.encumbrance_add(
            asset_ids=[asset.pk], kind="pledge", source=LOAN, owner_id=seller.org.pk
        )

    made, pledged = race(offer, pledge, context=lambda: city_scope(qingdao))
    assert not isinstance(pledged, ApplicationError)
    with city_scope(qingdao):
        if isinstance(made, ApplicationError):
            assert made.code == "listing_assets_unavailable"
            assert not Offer.objects.filter(negotiation__listing=listing).exists()
        else:
            assert made.created_at < Encumbrance.objects.get(asset=asset, kind="pledge").created_at
            with pytest.raises(ApplicationError) as refused:
                services.offer_accept(actor=as_actor(seller, qingdao), offer=made)
            assert refused.value.code == "listing_assets_unavailable"
