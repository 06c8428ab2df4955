"""The second factor (TOTP): enforced in production for the roles that move money, available to all;
re-authentication before approving a loan."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from tests.conftest import make_user
from tests.factories import PASSWORD
from tests.pledge_finance.conftest import build_world, loan_to_state

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"


def code(device: TOTPDevice, shift: int = 0) -> str:
    """The code an authenticator app would show now (django-otp's own TOTP)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=shift):06d}"


def page_login(username):
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def production(settings):
    settings.MFA_ENFORCED = True


def test_production_sends_a_bank_user_to_enrol_before_any_city_page(qingdao, production):
    make_user(qingdao, "bank", username="teller")
    client = page_login("teller")
    home = client.get(f"/{qingdao.slug}/")
    assert home.status_code == 302 and home["Location"].startswith("/accounts/mfa/enrol/")
    api = client.get(f"/api/v1/{qingdao.slug}/loans/")
    assert api.status_code == 403 and api.json()["code"] == "otp_required"
    # The API refuses a token until the user has a device.
    refused = APIClient().post(TOKEN, {"username": "teller", "password": PASSWORD})
    assert refused.status_code == 403 and refused.json()["code"] == "mfa_enrolment_required"


def test_production_does_not_ask_an_enterprise_user(qingdao, production):
    make_user(qingdao, "enterprise", username="maker")
    client = page_login("maker")
    assert client.get(f"/{qingdao.slug}/").status_code == 200
    assert APIClient().post(TOKEN, {"username": "maker", "password": PASSWORD}).status_code == 200


def test_development_lets_a_bank_user_in_with_the_password(qingdao):
    make_user(qingdao, "bank", username="teller")
    assert page_login("teller").get(f"/{qingdao.slug}/").status_code == 200


def test_enrol_then_every_login_asks_for_the_code(qingdao, production):
    user = make_user(qingdao, "bank", username="teller")
    client = page_login("teller")
    enrol = client.get("/accounts/mfa/enrol/")
    text = enrol.content.decode()
    assert enrol.status_code == 200 and "<svg" in text and 'id="totp-secret"' in text
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    assert client.post("/accounts/mfa/enrol/", {"otp": "000000"}).status_code == 400
    with time_machine.travel(timedelta(seconds=5)):  # past django-otp's back-off after a wrong code
        done = client.post("/accounts/mfa/enrol/", {"otp": code(device)})
    assert done.status_code == 302
    assert client.get(f"/{qingdao.slug}/").status_code == 200

    again = page_login("teller")
    pending = again.get(f"/{qingdao.slug}/")
    assert pending.status_code == 302 and pending["Location"].startswith("/accounts/mfa/verify/")
    assert again.post("/accounts/mfa/verify/", {"otp": "123456"}).status_code == 400
    device.refresh_from_db()
    with time_machine.travel(device.last_t * device.step + 95, tick=False):  # the next time step: a new code
        verified = again.post("/accounts/mfa/verify/", {"otp": code(device), "next": f"/{qingdao.slug}/"})
        assert verified.status_code == 302 and verified["Location"] == f"/{qingdao.slug}/"
        assert again.get(f"/{qingdao.slug}/").status_code == 200

        # The API asks for the code with the password.
        no_code = APIClient().post(TOKEN, {"username": "teller", "password": PASSWORD})
        assert no_code.status_code == 403 and no_code.json()["code"] == "otp_required"
    with time_machine.travel(device.last_t * device.step + 185, tick=False):
        device.refresh_from_db()
        ok = APIClient().post(TOKEN, {"username": "teller", "password": PASSWORD, "otp": code(device)})
        assert ok.status_code == 200 and ok.json()["token"]


def test_any_user_may_enrol_and_remove_their_device_in_development(qingdao):
    user = make_user(qingdao, "enterprise", username="maker")
    client = page_login("maker")
    client.get("/accounts/mfa/enrol/")
    device = TOTPDevice.objects.get(user=user)
    assert client.post("/accounts/mfa/enrol/", {"otp": code(device)}).status_code == 302
    assert 'id="mfa-disable"' in client.get("/accounts/profile/").content.decode()
    device.refresh_from_db()
    with time_machine.travel(device.last_t * device.step + 95, tick=False):
        assert client.post("/accounts/mfa/disable/", {"otp": code(device)}).status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()


# --- re-authentication before money steps -------------------------------------------------------------


def test_approving_a_loan_by_api_needs_a_recent_authentication(qingdao):
    w = build_world(qingdao)
    loan = loan_to_state(w, "valued")
    decide = w.url(f"{loan.pk}/decisions/")
    body = {"decision": "approve", "comment": "同意"}
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as traveller:
        key = APIClient().post(TOKEN, {"username": w.bank.username, "password": PASSWORD}).json()["token"]
        bank = APIClient()
        bank.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        traveller.shift(timedelta(minutes=16))

        stale = bank.post(decide, body, format="json")
        assert stale.status_code == 403 and stale.json()["code"] == "reauthentication_required"
        wrong = bank.post("/api/v1/auth/reauth/", {"password": "not-it-at-all"}, format="json")
        assert wrong.status_code == 403
        fresh = bank.post("/api/v1/auth/reauth/", {"password": PASSWORD}, format="json")
        assert fresh.status_code == 200
        assert bank.post(decide, body, format="json").status_code == 201


def test_right_after_login_the_loan_is_approved_without_asking_again(qingdao):
    w = build_world(qingdao)
    loan = loan_to_state(w, "valued")
    key = APIClient().post(TOKEN, {"username": w.bank.username, "password": PASSWORD}).json()["token"]
    bank = APIClient()
    bank.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    answer = bank.post(
        w.url(f"{loan.pk}/decisions/"), {"decision": "approve", "comment": "同意"}, format="json"
    )
    assert answer.status_code == 201


def test_approving_a_loan_on_its_page_needs_a_recent_authentication(qingdao):
    w = build_world(qingdao)
    loan = loan_to_state(w, "valued")
    page = f"/{qingdao.slug}/loans/{loan.pk}/"
    step = f"{page}decide/"
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as traveller:
        client = page_login(w.bank.username)
        traveller.shift(timedelta(minutes=16))
        stale = client.post(step, {"decide-decision": "approve", "decide-comment": "同意"}, HTTP_REFERER=page)
        assert stale.status_code == 302 and stale["Location"].startswith("/accounts/reauth/")
        assert client.get(stale["Location"]).status_code == 200
        back = client.post("/accounts/reauth/", {"password": PASSWORD, "next": page})
        assert back.status_code == 302 and back["Location"] == page
        done = client.post(step, {"decide-decision": "approve", "decide-comment": "同意"})
        assert done.status_code == 302 and done["Location"] == page
