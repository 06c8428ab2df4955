"""The query count of search and list endpoints does not grow with the page size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from ipops.tenancy import city_scope
from tests.conftest import make_asset
from trading.models import BuyRequest

from .conftest import as_actor, create_listing, url

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


def test_the_buyers_workbench_reads_every_requests_best_matches_in_a_fixed_number_of_queries(
    client, qingdao, seller, buyer
):
    """The workbench shows the three best matches of each open buy request: stored matches of all requests
    in one query, their listings in one more, however many requests the buyer has."""
    from trading import services
    from trading.selectors import best_matches, buy_request_matches

    for i in range(4):
        create_listing(qingdao, seller, [make_asset(qingdao, seller.org, title=f"一种海洋浮标监测系统{i}")])
    client.force_login(buyer.user)

    def workbench_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/qingdao/trading/buy/").status_code == 200
        return len(ctx.captured_queries)

    def add_request(i):
        br = buyer.client().post(url(qingdao, "buy-requests/"), {"title": f"求购海洋浮标监测技术{i}"}).json()
        with city_scope(qingdao):
            services.buy_request_matches_refresh(buy_request_id=br["id"])

    add_request(0)
    one = workbench_queries()
    add_request(1)
    add_request(2)
    assert workbench_queries() == one
    with city_scope(qingdao):  # and the batch shows what each request's own matches show
        actor = as_actor(buyer, qingdao)
        requests_ = list(BuyRequest.objects.all())
        batched = best_matches(actor, requests_, limit=3)
        for br in requests_:
            expected = [(row.pk, m.score) for row, m in buy_request_matches(actor, br, limit=3)]
            assert [(row.pk, m.score) for row, m in batched[br.pk]] == expected and expected
