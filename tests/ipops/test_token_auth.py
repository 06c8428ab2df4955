"""API tokens under /api/v1/<city>/: the token and the caller's membership arrive in one query, and
nothing about them is remembered between requests."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from ipops.models import Membership
from tests.conftest import grant, make_user

pytestmark = pytest.mark.django_db


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def organisations(client, city):
    return client.get(f"/api/v1/{city.slug}/organizations/")


def test_a_member_is_authenticated_and_placed_in_one_query(qingdao):
    client = token_client(make_user(qingdao, "bureau_staff"))
    organisations(client, qingdao)  # warm the city cache
    with CaptureQueriesContext(connection) as ctx:
        response = organisations(client, qingdao)
    assert response.status_code == 200
    auth = [q["sql"] for q in ctx.captured_queries if "authtoken_token" in q["sql"]]
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
    Token.objects.filter(user=user).delete()
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


def test_guessing_passwords_for_a_token_is_throttled_with_the_json_error_shape(qingdao):
    from django.core.cache import cache

    make_user(qingdao, "enterprise", username="guessed")
    client = APIClient()
    cache.clear()
    try:
        answers = [
            client.post("/api/v1/auth/token/", {"username": "guessed", "password": f"try-{i}"}).status_code
            for i in range(20)
        ]
        assert set(answers) == {403}
        refused = client.post("/api/v1/auth/token/", {"username": "guessed", "password": "try-20"})
        assert refused.status_code == 429
        assert refused.json()["code"] == "throttled"
        assert int(refused.headers["Retry-After"]) > 0
    finally:
        cache.clear()
