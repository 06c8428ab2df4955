"""Stored matches: refreshed by tasks on every change, served instantly, never showing what left the market."""

import pytest

from ipops.models import JobRun
from ipops.tenancy import city_scope
from tests.conftest import make_asset, queries_of
from tests.trading.conftest import create_listing, url
from trading import services
from trading.models import BuyRequest, BuyRequestMatch
from trading.tasks import refresh_all_matches

pytestmark = pytest.mark.django_db

DEMAND = {
    "title": "求购电池热管理技术",
    "keywords": "动力电池 液冷",
    "ipc_codes": ["H01M 10/613"],
    "budget_max": "2000000.00",
}


def matched_ids(client, city, br_id, **params):
    response = client.get(url(city, f"buy-requests/{br_id}/matches/"), params)
    assert response.status_code == 200
    return [row["listing"]["id"] for row in response.json()["results"]]


def stored(city, br_id):
    with city_scope(city):
        return set(BuyRequestMatch.objects.filter(buy_request_id=br_id).values_list("listing_id", flat=True))


def test_matches_are_stored_when_the_buy_request_is_made_and_equal_live_matching(
    qingdao, seller, buyer, patent, django_capture_on_commit_callbacks
):
    listing = create_listing(qingdao, seller, [patent])
    with django_capture_on_commit_callbacks(execute=True):
        br_id = buyer.client().post(url(qingdao, "buy-requests/"), DEMAND, format="json").json()["id"]
    assert stored(qingdao, br_id) == {listing.pk}
    served = buyer.client().get(url(qingdao, f"buy-requests/{br_id}/matches/")).json()["results"]
    live = (
        buyer.client().get(url(qingdao, f"buy-requests/{br_id}/matches/"), {"live": "true"}).json()["results"]
    )
    assert served == live
    assert served[0]["reasons"]


def test_a_listing_published_later_joins_the_stored_matches(
    qingdao, seller, buyer, patent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        br_id = buyer.client().post(url(qingdao, "buy-requests/"), DEMAND, format="json").json()["id"]
    assert matched_ids(buyer.client(), qingdao, br_id) == []
    with django_capture_on_commit_callbacks(execute=True):
        listing = create_listing(qingdao, seller, [patent])
    assert matched_ids(buyer.client(), qingdao, br_id) == [listing.pk]


def test_a_listing_that_leaves_the_market_leaves_the_matches_at_once(
    qingdao, seller, buyer, patent, django_capture_on_commit_callbacks
):
    listing = create_listing(qingdao, seller, [patent])
    with django_capture_on_commit_callbacks(execute=True):
        br_id = buyer.client().post(url(qingdao, "buy-requests/"), DEMAND, format="json").json()["id"]
    assert matched_ids(buyer.client(), qingdao, br_id) == [listing.pk]
    assert seller.client().post(url(qingdao, f"listings/{listing.pk}/withdraw/")).status_code == 200
    assert stored(qingdao, br_id) == {listing.pk}  # not yet refreshed…
    assert matched_ids(buyer.client(), qingdao, br_id) == []  # …but never served


def test_editing_the_buy_request_recomputes_its_matches(
    qingdao, seller, buyer, patent, django_capture_on_commit_callbacks
):
    battery = create_listing(qingdao, seller, [patent])
    drone_patent = make_asset(qingdao, seller.org, title="一种无人机自主避障方法", ipc=("G05D 1/10",))
    drone = create_listing(qingdao, seller, [drone_patent])
    with django_capture_on_commit_callbacks(execute=True):
        br_id = buyer.client().post(url(qingdao, "buy-requests/"), DEMAND, format="json").json()["id"]
    assert battery.pk in stored(qingdao, br_id)
    with django_capture_on_commit_callbacks(execute=True):
        r = buyer.client().patch(
            url(qingdao, f"buy-requests/{br_id}/"),
            {"title": "求购无人驾驶航空器避障技术", "keywords": "避障", "ipc_codes": ["G05D 1/10"]},
            format="json",
        )
    assert r.status_code == 200
    assert matched_ids(buyer.client(), qingdao, br_id)[0] == drone.pk


def test_never_computed_matches_are_computed_live(qingdao, seller, buyer, patent):
    listing = create_listing(qingdao, seller, [patent])
    br_id = buyer.client().post(url(qingdao, "buy-requests/"), DEMAND, format="json").json()["id"]
    with city_scope(qingdao):
        assert BuyRequest.objects.get(pk=br_id).matches_computed_at is None  # its task waits for the commit
    assert matched_ids(buyer.client(), qingdao, br_id) == [listing.pk]


def test_the_nightly_refresh_recomputes_every_open_buy_request(qingdao, seller, buyer, patent):
    listing = create_listing(qingdao, seller, [patent])
    br_id = buyer.client().post(url(qingdao, "buy-requests/"), DEMAND, format="json").json()["id"]
    assert refresh_all_matches.delay(qingdao.pk).get() == 1
    assert stored(qingdao, br_id) == {listing.pk}
    run = JobRun.objects.get(name="match_refresh", city=qingdao)
    assert run.status == JobRun.Status.SUCCEEDED
    assert run.result == {"buy_requests": 1, "matches_stored": 1}


def test_stored_matches_never_cross_cities(qingdao, jinan, seller, buyer, patent):
    create_listing(qingdao, seller, [patent])
    br_id = buyer.client().post(url(qingdao, "buy-requests/"), DEMAND, format="json").json()["id"]
    with city_scope(qingdao):
        services.buy_request_matches_refresh(buy_request_id=br_id)
    assert buyer.client().get(url(jinan, f"buy-requests/{br_id}/matches/")).status_code == 403
    with city_scope(jinan):
        assert not BuyRequestMatch.objects.exists()


def test_a_buyer_reads_stored_matches_in_two_queries(
    qingdao, seller, buyer, patent, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from ipops.security.tokens import issue_token

    listing = create_listing(qingdao, seller, [patent])
    with django_capture_on_commit_callbacks(execute=True):
        br_id = buyer.client().post(url(qingdao, "buy-requests/"), DEMAND, format="json").json()["id"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(buyer.user)}")
    assert matched_ids(client, qingdao, br_id) == [listing.pk]  # warm the city cache
    with CaptureQueriesContext(connection) as ctx:
        assert matched_ids(client, qingdao, br_id) == [listing.pk]
    assert len(queries_of(ctx)) == 2, queries_of(ctx)  # who am I here; the matches


def test_stored_matches_are_the_buyers_and_the_bureaus_only(
    qingdao, seller, buyer, buyer2, bureau, official, patent, django_capture_on_commit_callbacks
):
    from tests.conftest import api

    listing = create_listing(qingdao, seller, [patent])
    with django_capture_on_commit_callbacks(execute=True):
        br_id = buyer.client().post(url(qingdao, "buy-requests/"), DEMAND, format="json").json()["id"]
    for other in (buyer2.client(), seller.client()):
        response = other.get(url(qingdao, f"buy-requests/{br_id}/matches/"))
        assert response.status_code == 404
        assert response.json()["code"] == "buy_request_not_found"
    assert matched_ids(bureau.client(), qingdao, br_id) == [listing.pk]
    assert matched_ids(api(official), qingdao, br_id) == [listing.pk]
    assert buyer.client().get(url(qingdao, "buy-requests/999999/matches/")).status_code == 404


def test_another_citys_buy_request_is_not_found_through_this_city(
    qingdao, jinan, bureau, django_capture_on_commit_callbacks
):
    from tests.trading.conftest import party

    jinan_buyer = party(jinan, name="济南买方")
    with django_capture_on_commit_callbacks(execute=True):
        br_id = jinan_buyer.client().post(url(jinan, "buy-requests/"), DEMAND, format="json").json()["id"]
    with city_scope(jinan):
        assert BuyRequest.objects.get(pk=br_id).matches_computed_at is not None  # stored, in Jinan
    # Qingdao's bureau reads every Qingdao buy request's matches, and none of Jinan's.
    response = bureau.client().get(url(qingdao, f"buy-requests/{br_id}/matches/"))
    assert response.status_code == 404 and response.json()["code"] == "buy_request_not_found"
