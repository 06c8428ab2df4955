"""Search takes its candidates from titles first: at scale, a broad word mentioned in thousands of abstracts
must not crowd the listings whose titles say it out of the bounded pool that gets ranked."""

from __future__ import annotations

import pytest

from ipops.tenancy import city_scope
from tests.conftest import make_asset
from trading import search
from trading.models import PUBLIC_LISTING_STATUSES, Listing

from .conftest import create_listing

pytestmark = pytest.mark.django_db


def test_a_title_match_is_ranked_even_when_abstract_mentions_fill_the_pool(qingdao, seller, monkeypatch):
    target = create_listing(qingdao, seller, [make_asset(qingdao, seller.org, title="一种锂电池热管理系统")])
    for i in range(12):  # newer: what an unordered, bounded candidate scan meets first on a small table
        asset = make_asset(qingdao, seller.org, title=f"一种船舶压载水处理装置{i}")
        create_listing(qingdao, seller, [asset], description="该装置的控制单元采用锂电池热管理技术供电。")
    monkeypatch.setattr(search, "MAX_CANDIDATES", 4)  # what a million listings do to a pool of 300
    with city_scope(qingdao):
        result = search.listing_search(
            Listing.objects.filter(status__in=PUBLIC_LISTING_STATUSES), q="锂电池 热管理"
        )
    assert result.ids[0] == target.pk
    assert len(result.ids) > 1  # the abstracts' mentions still follow


def test_matching_also_takes_title_matches_first(qingdao, seller, buyer, monkeypatch):
    from trading.models import BuyRequest

    target = create_listing(qingdao, seller, [make_asset(qingdao, seller.org, title="一种锂电池热管理系统")])
    for i in range(12):
        asset = make_asset(qingdao, seller.org, title=f"一种船舶压载水处理装置{i}", ipc=("C02F 1/00",))
        create_listing(qingdao, seller, [asset], description="该装置的控制单元采用锂电池热管理技术供电。")
    monkeypatch.setattr(search, "MATCH_CANDIDATES", 4)
    monkeypatch.setattr(search, "ENOUGH", 4)
    with city_scope(qingdao):
        br = BuyRequest(city=qingdao, buyer=buyer.org, title="求购锂电池热管理技术", ipc_codes=[])
        ranked = search.match_listings(br)
    assert ranked[0][0] == target.pk
