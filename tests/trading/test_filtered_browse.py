"""Filtered browsing without text: the newest matches first, whether the filters are common or rare.

`search.newest_filtered` answers from the newest window of listings when that holds enough matches and
asks the filter indexes otherwise; both ways must give exactly what the plain query gives.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from ipops.tenancy import city_scope
from tests.conftest import make_asset
from trading import search
from trading.models import PUBLIC_LISTING_STATUSES, Listing

from .conftest import create_listing, url

pytestmark = pytest.mark.django_db

FILTERS = [
    {"deal_type": "assignment"},  # common: the window holds enough
    {"kind": "design"},  # rare: only in old listings, beyond the window
    {"industry": "marine"},
    {"ipc": "B63B", "price_max": 400000},
    {"kind": "utility_model", "deal_type": "non_exclusive_licence"},  # none at all
    {"industry": "marine", "price_max": 340000},  # walks the industry's own index
]


@pytest.fixture
def market(qingdao, seller):
    """Twelve listings published a day apart: the four oldest are marine design patents."""
    start = timezone.now() - datetime.timedelta(days=30)
    for i in range(12):
        old = i < 4
        asset = make_asset(
            qingdao,
            seller.org,
            kind="design" if old else "invention",
            title=f"{'一种船舶' if old else '一种电池'}结构{i}",
            ipc=("B63B 1/00",) if old else ("H01M 10/613",),
        )
        listing = create_listing(
            qingdao, seller, [asset], price=f"{300000 + 20000 * i}.00", industry="marine" if old else "nev"
        )
        with city_scope(qingdao):
            Listing.objects.filter(pk=listing.pk).update(published_at=start + datetime.timedelta(days=i))
    return qingdao


def plain(filters, limit):
    base = Listing.objects.filter(status__in=PUBLIC_LISTING_STATUSES)
    qs = search.apply_filters(base, **filters).order_by("-published_at", "-id")
    return list(qs.values_list("pk", flat=True)[:limit])


@pytest.mark.parametrize("window", [3, 100])
@pytest.mark.parametrize("filters", FILTERS)
def test_the_window_and_the_indexes_agree_with_the_plain_query(market, monkeypatch, window, filters):
    monkeypatch.setattr(search, "BROWSE_WINDOW", window)
    with city_scope(market):
        base = Listing.objects.filter(status__in=PUBLIC_LISTING_STATUSES)
        for limit in (2, 50):
            result = search.newest_filtered(base, search.apply_filters(base, **filters), limit=limit)
            expected = plain(filters, limit + 1)
            assert result.ids == expected[:limit], (filters, limit)
            assert result.capped == (len(expected) > limit)


@pytest.mark.parametrize("filters", FILTERS)
def test_listing_search_gives_the_plain_querys_answer(market, monkeypatch, filters):
    monkeypatch.setattr(search, "BROWSE_WINDOW", 3)
    with city_scope(market):
        base = Listing.objects.filter(status__in=PUBLIC_LISTING_STATUSES)
        assert search.listing_search(base, **filters).ids == plain(filters, 300)


def test_a_rare_filter_is_found_beyond_the_window_through_the_api(market, monkeypatch, seller):
    monkeypatch.setattr(search, "BROWSE_WINDOW", 3)
    rows = seller.client().get(url(market, "market/listings/"), {"kind": "design"}).json()["results"]
    assert [row["title"] for row in rows] == [f"一种船舶结构{i}" for i in (3, 2, 1, 0)]
    assert all(row["industry"] == "marine" for row in rows)
