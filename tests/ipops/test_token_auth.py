"""API tokens under /api/v1/<city>/: the token and the caller's membership arrive in one query, and
nothing about them is remembered between requests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from ipops.models import Membership
from ipops.security.models import ApiToken
from ipops.security.tokens import issue_token
from tests.conftest import grant, make_user
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user)}")
    return client


def organisations(client, city):
    return client.get(f"/api/v1/{city.slug}/organizations/")


def test_a_member_is_authenticated_and_placed_in_one_query(qingdao):
    client = token_client(make_user(qingdao, "bureau_staff"))
    organisations(client, qingdao)  # warm the city cache
    with CaptureQueriesContext(connection) as ctx:
        response = organisations(client, qingdao)
    assert response.status_code == 200
    auth = [q["sql"] for q in ctx.captured_queries if "ipops_security_apitoken" in q["sql"]]
    assert len(auth) == 1 and "ipops_membership" in auth[0]
    assert not [q for q in ctx.captured_queries if "ipops_membership" in q["sql"] and q["sql"] not in auth]


def test_an_official_with_a_grant_still_reads_by_token(qingdao, jinan):
    official = make_user(jinan, "official")
    grant(official, qingdao)
    client = token_client(official)
    assert organisations(client, qingdao).status_code == 200
    assert organisations(client, jinan).status_code == 200


def test_another_citys_token_holder_is_refused(qingdao, jinan):
    client = token_client(make_user(jinan, "bureau_staff"))
    response = organisations(client, qingdao)
    assert response.status_code == 403
    assert response.json()["code"] == "city_access_denied"


def test_a_revoked_token_or_membership_takes_effect_on_the_next_request(qingdao):
    user = make_user(qingdao, "bureau_staff")
    client = token_client(user)
    assert organisations(client, qingdao).status_code == 200
    Membership.objects.filter(user=user).delete()
    assert organisations(client, qingdao).status_code == 403
    ApiToken.objects.filter(user=user).delete()
    assert organisations(client, qingdao).status_code == 401


def test_an_inactive_user_and_a_wrong_token_are_unauthenticated(qingdao):
    user = make_user(qingdao, "bureau_staff")
    client = token_client(user)
    user.is_active = False
    user.save()
    assert organisations(client, qingdao).status_code == 401
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert organisations(stranger, qingdao).status_code == 401


def test_a_flood_of_token_requests_is_throttled_before_the_lockout_counts(qingdao, settings):
    """DRF's scoped throttle (per address) answers a flood with 429 `throttled`, whatever the password."""
    from django.core.cache import cache

    make_user(qingdao, "enterprise", username="guessed")
    client = APIClient()
    cache.clear()
    try:
        from rest_framework.throttling import ScopedRateThrottle

        rates = {**ScopedRateThrottle.THROTTLE_RATES, "token": "3/minute"}
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
            answers = [
                client.post(
                    "/api/v1/auth/token/", {"username": "guessed", "password": f"try-{i}"}
                ).status_code
                for i in range(3)
            ]
            assert set(answers) == {403}
            refused = client.post("/api/v1/auth/token/", {"username": "guessed", "password": "try-3"})
        assert refused.status_code == 429
        assert refused.json()["code"] == "throttled"
        assert int(refused.headers["Retry-After"]) > 0
    finally:
        cache.clear()


def login(client, username, password=PASSWORD, **extra):
    return client.post("/api/v1/auth/token/", {"username": username, "password": password, **extra})


def test_each_login_issues_a_new_token_and_the_old_one_keeps_working(qingdao):
    make_user(qingdao, "bureau_staff", username="teller")
    first, second = login(APIClient(), "teller").json(), login(APIClient(), "teller").json()
    assert first["token"] != second["token"] and first["expires_at"]
    for body in (first, second):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
        assert organisations(client, qingdao).status_code == 200
    # Only the digest is stored.
    assert not ApiToken.objects.filter(digest=first["token"]).exists()


def test_a_token_ends_after_idle_time_and_at_its_maximum_age(qingdao):
    import time_machine

    user = make_user(qingdao, "bureau_staff")
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as traveller:
        client = token_client(user)
        traveller.shift(timedelta(hours=11))
        assert organisations(client, qingdao).status_code == 200  # used: the idle clock restarts
        traveller.shift(timedelta(hours=12, minutes=1))
        expired = organisations(client, qingdao)
        assert expired.status_code == 401 and expired.json()["code"] == "token_expired"
        assert not ApiToken.objects.filter(user=user).exists()

        client = token_client(user)  # used every 11 hours: never idle, but a week old after all
        answers = []
        for _use in range(16):
            traveller.shift(timedelta(hours=11))
            answers.append(organisations(client, qingdao))
        assert [a.status_code for a in answers] == [200] * 15 + [401]  # 165 h, then 176 h
        assert answers[-1].json()["code"] == "token_expired"


def test_sign_out_everywhere_ends_every_token_and_session(qingdao, client):
    user = make_user(qingdao, "enterprise")
    client.force_login(user)
    other_browser = type(client)()
    other_browser.force_login(user)
    first, second = token_client(user), token_client(user)

    response = first.post("/api/v1/auth/logout-all/")

    assert response.status_code == 200 and response.json() == {"tokens": 2, "sessions": 2}
    assert organisations(first, qingdao).status_code == 401
    assert organisations(second, qingdao).status_code == 401
    assert client.get(f"/{qingdao.slug}/").status_code == 302
    assert other_browser.get(f"/{qingdao.slug}/").status_code == 302


def test_the_account_page_signs_out_everywhere(qingdao, client):
    user = make_user(qingdao, "enterprise")
    api_client = token_client(user)
    client.force_login(user)
    page = client.get("/accounts/profile/")
    assert page.status_code == 200 and 'id="logout-all"' in page.content.decode()
    assert client.post("/accounts/logout-all/").status_code == 302
    assert organisations(api_client, qingdao).status_code == 401
    assert client.get(f"/{qingdao.slug}/").status_code == 302
