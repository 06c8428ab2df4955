"""The whole deal through the API: list, find, offer, counter, accept, contract, escrow, recordal."""

from __future__ import annotations

import pytest

from ipops.models import AuditEvent, Encumbrance, IPAsset
from ipops.tenancy import city_scope
from tests.conftest import make_asset
from trading.models import Listing, Negotiation, Offer, Transaction

from .conftest import url

pytestmark = pytest.mark.django_db


def _deal(qingdao, seller, buyer, asset, deal_type):
    s, b = seller.client(), buyer.client()
    r = s.post(
        url(qingdao, "listings/"),
        {
            "asset_ids": [asset.pk],
            "deal_type": deal_type,
            "asking_price": "800000.00",
            "description": "成熟技术，可现场考察",
            "visibility": "national",
            "publish": True,
        },
    )
    assert r.status_code == 201, r.json()
    listing_id = r.json()["id"]
    assert r.json()["status"] == "published"
    assert r.json()["due_diligence"][0]["legal_status"] == "in_force"

    found = b.get(url(qingdao, "listings/"), {"q": "电池 热管理"}).json()
    assert listing_id in [row["id"] for row in found["results"]]

    r = b.post(
        url(qingdao, f"listings/{listing_id}/offers/"), {"price": "600000.00", "message": "可否六十万？"}
    )
    assert r.status_code == 201, r.json()
    first = r.json()["id"]
    r = s.post(url(qingdao, f"offers/{first}/counter/"), {"price": "700000.00", "message": "七十万可以"})
    assert r.status_code == 201, r.json()
    counter = r.json()["id"]
    r = b.post(url(qingdao, f"offers/{counter}/accept/"))
    assert r.status_code == 201, r.json()
    tx = r.json()
    assert tx["agreed_price"] == "700000.00" and tx["escrow_status"] == "pending" and tx["status"] == "open"

    assert s.post(url(qingdao, f"transactions/{tx['id']}/pay/")).status_code == 403  # the buyer pays
    r = b.post(url(qingdao, f"transactions/{tx['id']}/pay/"))
    assert r.status_code == 409 and r.json()["code"] == "contract_missing"
    r = s.post(url(qingdao, f"transactions/{tx['id']}/contract/"), {"contract_ref": "QD-JS-2026-0001"})
    assert r.status_code == 200, r.json()
    r = b.post(url(qingdao, f"transactions/{tx['id']}/pay/"))
    assert r.status_code == 200 and r.json()["escrow_status"] == "paid"
    r = s.post(url(qingdao, f"transactions/{tx['id']}/complete/"), {"recordal_number": "2026370000123456"})
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "completed" and r.json()["escrow_status"] == "released"
    return listing_id, tx["id"]


def test_assignment_transfers_the_asset_to_the_buyer(qingdao, seller, buyer, patent):
    listing_id, tx_id = _deal(qingdao, seller, buyer, patent, "assignment")
    with city_scope(qingdao):
        assert IPAsset.objects.get(pk=patent.pk).owner_id == buyer.org.pk
        assert Listing.objects.get(pk=listing_id).status == "sold"
        # the sale's hold is released once the asset changed hands
        assert not Encumbrance.objects.filter(asset=patent, released_at__isnull=True).exists()
        actions = set(AuditEvent.objects.filter(city=qingdao).values_list("action", flat=True))
    assert {
        "listing_create",
        "listing_publish",
        "offer_accept",
        "escrow_pay",
        "transaction_complete",
        "asset_transfer",
    } <= actions


def test_exclusive_licence_is_recorded_on_the_asset(qingdao, seller, buyer, patent):
    listing_id, tx_id = _deal(qingdao, seller, buyer, patent, "exclusive_licence")
    with city_scope(qingdao):
        asset = IPAsset.objects.get(pk=patent.pk)
        assert asset.owner_id == seller.org.pk
        licence = Encumbrance.objects.get(asset=asset, released_at__isnull=True)
        assert licence.kind == "exclusive_licence" and licence.holder_id == buyer.org.pk
        assert licence.reference == "2026370000123456"
        assert Listing.objects.get(pk=listing_id).status == "licensed"


def test_accepting_one_offer_closes_the_others(qingdao, seller, buyer, buyer2, patent):
    s, b1, b2 = seller.client(), buyer.client(), buyer2.client()
    listing_id = s.post(
        url(qingdao, "listings/"),
        {"asset_ids": [patent.pk], "deal_type": "assignment", "negotiable": True, "publish": True},
    ).json()["id"]
    o1 = b1.post(url(qingdao, f"listings/{listing_id}/offers/"), {"price": "100000"}).json()["id"]
    o2 = b2.post(url(qingdao, f"listings/{listing_id}/offers/"), {"price": "120000"}).json()["id"]
    assert s.post(url(qingdao, f"offers/{o2}/accept/")).status_code == 201
    with city_scope(qingdao):
        assert Offer.objects.get(pk=o1).status == "closed"
        assert Negotiation.objects.get(offers__pk=o1).status == "closed"
        assert Transaction.objects.filter(listing_id=listing_id).count() == 1
    r = b1.post(url(qingdao, f"listings/{listing_id}/offers/"), {"price": "150000"})
    assert r.status_code == 409 and r.json()["code"] == "listing_taken"


def test_cancelling_a_paid_deal_refunds_and_puts_the_listing_back(qingdao, seller, buyer, patent):
    s, b = seller.client(), buyer.client()
    listing_id = s.post(
        url(qingdao, "listings/"),
        {"asset_ids": [patent.pk], "deal_type": "assignment", "asking_price": "300000", "publish": True},
    ).json()["id"]
    offer = b.post(url(qingdao, f"listings/{listing_id}/offers/"), {"price": "300000"}).json()["id"]
    tx = s.post(url(qingdao, f"offers/{offer}/accept/")).json()["id"]
    with city_scope(qingdao):
        assert Encumbrance.objects.filter(
            asset=patent, kind="sale_pending", released_at__isnull=True
        ).exists()
    b.post(url(qingdao, f"transactions/{tx}/contract/"), {"contract_ref": "C-1"})
    b.post(url(qingdao, f"transactions/{tx}/pay/"))
    r = b.post(url(qingdao, f"transactions/{tx}/cancel/"), {"reason": "尽调发现权属争议"})
    assert (
        r.status_code == 200 and r.json()["escrow_status"] == "refunded" and r.json()["status"] == "cancelled"
    )
    with city_scope(qingdao):
        assert not Encumbrance.objects.filter(asset=patent, released_at__isnull=True).exists()
        assert Listing.objects.get(pk=listing_id).status == "published"
        assert IPAsset.objects.get(pk=patent.pk).owner_id == seller.org.pk


def test_package_assignment_transfers_every_asset(qingdao, seller, buyer):
    assets = [
        make_asset(qingdao, seller.org, title=f"一种海水淡化反渗透膜组件{i}", ipc=("B01D 61/02",))
        for i in range(3)
    ]
    s, b = seller.client(), buyer.client()
    r = s.post(
        url(qingdao, "listings/"),
        {
            "asset_ids": [a.pk for a in assets],
            "deal_type": "assignment",
            "title": "海水淡化专利包",
            "asking_price": "2000000",
            "publish": True,
        },
    )
    assert r.status_code == 201, r.json()
    offer = b.post(url(qingdao, f"listings/{r.json()['id']}/offers/"), {"price": "2000000"}).json()["id"]
    tx = s.post(url(qingdao, f"offers/{offer}/accept/")).json()["id"]
    s.post(url(qingdao, f"transactions/{tx}/contract/"), {"contract_ref": "PKG-1"})
    b.post(url(qingdao, f"transactions/{tx}/pay/"))
    assert s.post(url(qingdao, f"transactions/{tx}/complete/"), {"recordal_number": "R-1"}).status_code == 200
    with city_scope(qingdao):
        assert set(
            IPAsset.objects.filter(pk__in=[a.pk for a in assets]).values_list("owner_id", flat=True)
        ) == {buyer.org.pk}
