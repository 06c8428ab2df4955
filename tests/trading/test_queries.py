"""The query count of search and list endpoints does not grow with the page size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.conftest import make_asset

from .conftest import create_listing, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_market(qingdao, seller, buyer, buyer2):
    for i in range(12):
        listing = create_listing(
            qingdao, seller, [make_asset(qingdao, seller.org, title=f"一种海洋浮标监测系统{i}")]
        )
        for b in (buyer, buyer2):
            b.client().post(url(qingdao, f"listings/{listing.pk}/offers/"), {"price": f"{1000 + i}"})
        buyer.client().post(url(qingdao, "buy-requests/"), {"title": f"求购海洋监测技术{i}"})
    return qingdao


def _count(client, path, params):
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(path, params)
    assert r.status_code == 200, r.content
    return len(ctx.captured_queries), len(r.json()["results"])


@pytest.mark.parametrize(
    ("path", "q"),
    [
        ("listings/", {}),
        ("listings/", {"q": "海洋 浮标"}),
        ("market/listings/", {"q": "浮标"}),
        ("buy-requests/", {}),
        ("offers/", {}),
        ("transactions/", {}),
    ],
)
def test_query_count_is_independent_of_page_size(busy_market, seller, path, q):
    client = seller.client() if not path.startswith("market") else APIClient()
    small, n_small = _count(client, url(busy_market, path), {**q, "page_size": 2})
    large, n_large = _count(client, url(busy_market, path), {**q, "page_size": 50})
    assert small == large, (path, small, large)
    if path != "transactions/":
        assert n_large > n_small
