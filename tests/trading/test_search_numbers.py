"""A listing number (GP2026…) or a patent number typed into the search box finds its listing directly, however
it is written (ZL or CN prefix, with or without the dot or the check character, full-width), in the city's
market, the seller's own listings, the API and the national market; what the reader may not see stays unseen."""

from __future__ import annotations

import pytest

from tests.conftest import make_asset

from .conftest import create_listing, url

pytestmark = pytest.mark.django_db


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _found(client, path: str, q: str) -> list[int]:
    response = client.get(path, {"q": q})
    assert response.status_code == 200
    # The national market's rows are plain values (published fields), the city's are listings.
    return [row["pk"] if isinstance(row, dict) else row.pk for row in response.context["page"].rows]


@pytest.fixture
def two_listings(qingdao, seller, patent):
    other = make_asset(qingdao, seller.org, title="一种动力电池热管理系统的冷却板", ipc=("H01M 10/613",))
    return create_listing(qingdao, seller, [patent], visibility="national"), create_listing(
        qingdao, seller, [other], visibility="national"
    )


def test_a_listing_number_finds_its_listing(client, qingdao, two_listings):
    wanted, _other = two_listings
    for typed in (
        wanted.reference,
        wanted.reference.lower(),
        f" {wanted.reference} ",
        _full_width(wanted.reference),
    ):
        assert _found(client, "/qingdao/market/", typed) == [wanted.pk], typed
    assert _found(client, "/market/", wanted.reference) == [wanted.pk]


def test_a_patent_number_finds_the_listing_of_that_patent(client, qingdao, buyer, patent, two_listings):
    wanted, _other = two_listings
    digits, check = patent.number.split(".")
    for typed in (
        f"ZL{patent.number}",
        patent.number,
        f"{digits}{check}",
        f"CN {digits}.{check}",
        digits,  # without the check character
        _full_width(f"ZL{patent.number}"),
        f"zl {digits[:4]} {digits[4]} {digits[5:]}.{check}",
    ):
        assert _found(client, "/qingdao/market/", typed) == [wanted.pk], typed
    r = buyer.client().get(url(qingdao, "listings/"), {"q": f"ZL{patent.number}"}).json()
    assert [row["id"] for row in r["results"]] == [wanted.pk] and r["mode"] == "number"
    r = client.get("/market/api/listings/", {"q": patent.number}).json()
    assert [row["id"] for row in r["results"]] == [wanted.pk]


def test_a_number_finds_only_what_the_reader_may_see_within_the_filters(
    client, qingdao, seller, buyer, patent
):
    draft = create_listing(qingdao, seller, [patent], publish=False)
    assert _found(client, "/qingdao/market/", draft.reference) == []  # not on the market
    client.force_login(seller.user)
    r = seller.client().get(url(qingdao, "listings/"), {"q": draft.reference, "mine": "true"}).json()
    assert [row["id"] for row in r["results"]] == [draft.pk]  # the seller's own draft
    listed = create_listing(qingdao, seller, [make_asset(qingdao, seller.org)], deal_type="assignment")
    assert _found(client, "/qingdao/market/", listed.reference) == [listed.pk]
    found = client.get("/qingdao/market/", {"q": listed.reference, "deal_type": "exclusive_licence"})
    assert found.context["page"].rows == []


def test_a_number_nobody_listed_finds_nothing_and_text_still_searches(client, qingdao, two_listings):
    assert _found(client, "/qingdao/market/", "ZL201710601862.3") == []
    assert _found(client, "/qingdao/market/", "GP20269999999") == []
    assert set(_found(client, "/qingdao/market/", "动力电池 热管理")) == {
        listing.pk for listing in two_listings
    }
