"""The market's due-diligence panel says that a listed asset is pledged, under which CNIPA registration and
since when (the public record a buyer verifies), but names the pledgee bank only to the parties and to those
who read the whole city: the seller, the bank itself, the bureau."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from ipops.models import OrgKind
from ipops.services import registry
from ipops.tenancy import city_scope
from tests.conftest import api, make_org, make_user
from tests.trading.conftest import create_listing, url

pytestmark = pytest.mark.django_db

BANK = "青岛质押银行"
REGISTRATION = "Y2025370000123"


@pytest.fixture
def pledged(qingdao, seller, patent):
    listing = create_listing(qingdao, seller, [patent])
    with city_scope(qingdao):
        bank = make_org(qingdao, OrgKind.BANK, name=BANK)
        registry.encumbrance_add(
            asset_ids=[patent.pk],
            kind="pledge",
            source="pledge_finance.loan:7",
            owner_id=patent.owner_id,
            holder=bank,
            reference=REGISTRATION,
            starts_on=datetime.date(2025, 3, 18),
        )
    return listing, bank


def _pledges_in_api(client, path) -> list[dict]:
    response = client.get(path)
    assert response.status_code == 200, response.content[:300]
    (panel,) = response.json()["due_diligence"]
    return panel["pledges"]


def _page(user, path) -> str:
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def test_the_public_and_another_enterprise_see_the_pledge_but_not_the_bank(qingdao, pledged, buyer):
    listing, _bank = pledged
    public = _pledges_in_api(api(), url(qingdao, f"market/listings/{listing.pk}/"))
    other = _pledges_in_api(buyer.client(), url(qingdao, f"listings/{listing.pk}/"))
    for pledges in (public, other):
        assert [(p["kind"], p["reference"], p["starts_on"], p["holder"]) for p in pledges] == [
            ("pledge", REGISTRATION, "2025-03-18", "")
        ]
    for user in (None, buyer.user):
        page = _page(user, f"/qingdao/market/{listing.pk}/")
        assert REGISTRATION in page and BANK not in page


def test_the_seller_the_bank_and_the_bureau_see_the_bank(qingdao, pledged, seller, bureau):
    listing, bank = pledged
    banker = make_user(qingdao, "bank", org=bank)
    official = make_user(qingdao, "official")
    for party in (seller.user, bureau.user, banker, official):
        (pledge,) = _pledges_in_api(api(party), url(qingdao, f"listings/{listing.pk}/"))
        assert (pledge["holder"], pledge["reference"]) == (BANK, REGISTRATION), party
    for party in (seller.user, bureau.user):
        page = _page(party, f"/qingdao/market/{listing.pk}/")
        assert BANK in page and REGISTRATION in page


def test_another_bank_does_not_see_its_competitors_name(qingdao, pledged):
    listing, _bank = pledged
    other_bank = make_user(qingdao, "bank")
    response = api(other_bank).get(url(qingdao, f"listings/{listing.pk}/"))
    if response.status_code == 200:
        (panel,) = response.json()["due_diligence"]
        assert [p["holder"] for p in panel["pledges"]] == [""]
