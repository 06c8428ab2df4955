"""Lockout after failed logins on both doors (the login page and the token endpoint), the bureau admin's
view of its city's lockouts, and the password policy."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from ipops.models import AuditEvent, Membership, User
from tests.conftest import grant, make_user
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
LOGIN = "/accounts/login/"


def by_token(username, password, client=None):
    return (client or APIClient()).post(TOKEN, {"username": username, "password": password})


def by_page(username, password, client=None):
    return (client or Client()).post(LOGIN, {"username": username, "password": password})


def membership(user, city):
    return Membership.objects.get(user=user, city=city)


@pytest.fixture(autouse=True)
def _no_throttle(monkeypatch):
    """The lockout, not DRF's per-address throttle, is under test here (its own test is in test_token_auth)."""
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "allow_request", lambda self, request, view: True)


@pytest.mark.parametrize("door", [by_token, by_page], ids=["token", "page"])
def test_ten_wrong_passwords_lock_the_account_until_the_cool_off_ends(qingdao, door):
    user = make_user(qingdao, "bank", username="guessed")
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as traveller:
        answers = [door("guessed", f"wrong-{i}").status_code for i in range(settings.AXES_FAILURE_LIMIT)]
        assert answers[-1] == 429 and set(answers[:-1]) <= {200, 403}

        locked = door("guessed", PASSWORD)  # the right password during the lockout is refused too
        assert locked.status_code == 429
        assert int(locked["Retry-After"]) == 15 * 60
        if door is by_token:
            body = locked.json()
            assert body["code"] == "account_locked" and "detail" in body and body["retry_after"] == 900
        else:
            text = locked.content.decode()
            assert 'id="locked-message"' in text and "登录失败次数过多" in text and "09:15" in text

        traveller.shift(timedelta(minutes=16))
        if door is by_token:
            assert by_token("guessed", PASSWORD).status_code == 200
        else:
            ok = by_page("guessed", PASSWORD)
            assert ok.status_code == 302 and ok.wsgi_request.user == user
    [event] = AuditEvent.objects.filter(action="account_locked")
    assert event.city_id == qingdao.pk and event.data["username"] == "guessed"


def test_both_doors_count_together_and_per_address(qingdao):
    make_user(qingdao, "enterprise", username="alice")
    for i in range(5):
        by_token("alice", f"wrong-{i}")
        by_page("alice", f"wrong-{i}")
    assert by_token("alice", PASSWORD).status_code == 429
    # The same address is locked for every other username too (password spraying).
    make_user(qingdao, "enterprise", username="bob")
    assert by_page("bob", PASSWORD).status_code == 429
    # From another address, bob is fine, and alice is still locked.
    elsewhere = Client(REMOTE_ADDR="10.9.8.7")
    assert by_page("bob", PASSWORD, elsewhere).status_code == 302
    assert by_page("alice", PASSWORD, Client(REMOTE_ADDR="10.9.8.6")).status_code == 429


def test_the_bureau_admin_sees_the_citys_lockouts_and_unlocks(qingdao, jinan):
    locked = make_user(qingdao, "bank", username="locked.teller")
    make_user(jinan, "bank", username="jinan.teller")
    for name, address in (("locked.teller", "10.0.0.1"), ("jinan.teller", "10.0.0.2")):
        for i in range(settings.AXES_FAILURE_LIMIT):
            by_page(name, f"wrong-{i}", Client(REMOTE_ADDR=address))
    admin = Client()
    admin.force_login(make_user(qingdao, "bureau_admin"))

    page = admin.get(f"/{qingdao.slug}/people/lockouts/")
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-username="locked.teller"' in text and "jinan.teller" not in text
    assert 'id="people-lockouts"' in admin.get(f"/{qingdao.slug}/people/").content.decode()

    done = admin.post(f"/{qingdao.slug}/people/lockouts/{membership(locked, qingdao).pk}/unlock/")
    assert done.status_code == 302
    assert 'id="no-lockouts"' in admin.get(f"/{qingdao.slug}/people/lockouts/").content.decode()
    assert by_page("locked.teller", PASSWORD, Client(REMOTE_ADDR="10.0.0.3")).status_code == 302
    [unlock] = AuditEvent.objects.filter(action="account_unlock")
    assert unlock.city_id == qingdao.pk and unlock.data["username"] == "locked.teller"
    assert AuditEvent.objects.filter(action="account_locked").count() == 2


@pytest.mark.parametrize("role", ["bureau_staff", "official", "enterprise"])
def test_only_the_bureau_admin_manages_lockouts(qingdao, jinan, role):
    target = make_user(qingdao, "bank")
    if role == "official":
        user = make_user(jinan, "official")
        grant(user, qingdao)
    else:
        user = make_user(qingdao, role)
    client = Client()
    client.force_login(user)
    assert client.get(f"/{qingdao.slug}/people/lockouts/").status_code == 403
    assert (
        client.post(f"/{qingdao.slug}/people/lockouts/{membership(target, qingdao).pk}/unlock/").status_code
        == 403
    )
    assert not AuditEvent.objects.filter(action="account_unlock").exists()


def test_another_citys_member_cannot_be_unlocked_from_here(qingdao, jinan):
    theirs = make_user(jinan, "bank")
    admin = Client()
    admin.force_login(make_user(qingdao, "bureau_admin"))
    assert (
        admin.post(f"/{qingdao.slug}/people/lockouts/{membership(theirs, jinan).pk}/unlock/").status_code
        == 404
    )


# --- the password policy ----------------------------------------------------------------------------


def problems(password, user=None):
    with translation.override("zh-hans"):
        try:
            validate_password(password, user)
        except ValidationError as exc:
            return {e.code: " ".join(e.messages) for e in exc.error_list}
    return {}


@pytest.mark.parametrize(
    ("password", "code", "chinese"),
    [
        ("Ab1-", "password_too_short", "10"),
        ("1234567890123", "password_entirely_numeric", "数字"),
        ("password1234", "password_too_common", "常见"),
        ("          ", "password_whitespace", "空格"),
        (" Harbour-2026", "password_whitespace", "空格"),
        ("qingdao2026!", "password_place_name", "城市"),
        ("Qingdao-1234567", "password_place_name", "城市"),
        ("harbourlights", "password_too_simple", "两类"),
    ],
)
def test_each_rule_refuses_in_chinese(qingdao, password, code, chinese):
    found = problems(password)
    assert code in found and chinese in found[code]


def test_not_the_username_nor_the_organisations_name(qingdao):
    user = make_user(qingdao, "bank", username="zhang.wei")
    org = membership(user, qingdao).organization
    assert "password_too_similar" in problems("zhang.wei2026", user)
    assert "password_place_name" in problems(f"{org.name}2026!", user)


def test_the_demo_password_passes_the_policy(qingdao):
    user = User(username="qingdao.bank", display_name="青岛银行 审贷员")
    assert problems(settings.DEMO_PASSWORD, user) == {}


def test_every_door_that_sets_a_password_applies_the_policy(qingdao):
    admin = APIClient()
    admin.force_authenticate(make_user(qingdao, "bureau_admin"))
    target = make_user(qingdao, "enterprise", username="li.na")
    org = membership(target, qingdao).organization
    reset = admin.post(
        f"/api/v1/{qingdao.slug}/members/{membership(target, qingdao).pk}/password/", {"password": "qingdao1"}
    )
    assert reset.status_code == 400
    added = admin.post(
        f"/api/v1/{qingdao.slug}/members/",
        {"organization": org.pk, "username": "wu.fan", "password": "wu.fan2026", "display_name": "吴凡"},
    )
    assert (
        added.status_code == 400 and added.json()["fields"]["password"][0]["code"] == "password_too_similar"
    )
    assert not User.objects.filter(username="wu.fan").exists()


def test_a_password_of_spaces_signs_no_one_in_even_if_an_old_account_has_one(qingdao):
    user = make_user(qingdao, "enterprise")
    user.set_password(" " * 8)  # set before the policy existed
    user.save()
    refused = by_token(user.username, " " * 8)
    assert refused.status_code == 403 and refused.json()["code"] == "invalid_credentials"
    page = by_page(user.username, " " * 8)
    assert page.status_code == 200 and "_auth_user_id" not in page.wsgi_request.session
