"""Every error under /api/ has one JSON shape, {"code", "detail", "fields"} — also the ones no view
answers: an unknown city, an unknown route, a crash. Pages keep their HTML error pages."""

from __future__ import annotations

import json

import pytest
from django.test import RequestFactory

from ipops.api.exceptions import server_error
from tests.conftest import api, make_user

pytestmark = pytest.mark.django_db


def error_of(response) -> tuple[int, str]:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = json.loads(response.content)
    assert set(body) == {"code", "detail", "fields"}, body
    assert body["detail"]
    return response.status_code, body["code"]


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/api/v1/nowhere/assets/", "unknown_city"),
        ("/api/v1/nowhere/assets/1/", "unknown_city"),
        ("/api/v1/qingdao/no-such-thing/", "unknown_route"),
        ("/api/v1/qingdao/assets/not-a-number/", "unknown_route"),
        ("/api/nope/", "unknown_route"),
        ("/api/", "unknown_route"),
    ],
)
def test_nothing_there_is_a_json_404(qingdao, path, code):
    user = make_user(qingdao, "bureau_staff")
    for client in (api(), api(user)):
        assert error_of(client.get(path)) == (404, code)
        assert error_of(client.post(path, {})) == (404, code)


def test_a_switched_off_city_is_unknown(qingdao):
    user = make_user(qingdao, "bureau_staff")
    qingdao.is_active = False
    qingdao.save(update_fields=["is_active"])
    assert error_of(api(user).get("/api/v1/qingdao/assets/")) == (404, "unknown_city")


def test_pages_keep_their_html_404(qingdao):
    for path in ("/nowhere/", "/qingdao/no-such-page/"):
        response = api().get(path)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/html")


def test_a_method_the_endpoint_lacks_is_a_json_405(qingdao):
    client = api(make_user(qingdao, "bureau_admin"))
    assert error_of(client.delete("/api/v1/qingdao/assets/")) == (405, "method_not_allowed")
    assert error_of(client.put("/api/v1/qingdao/organizations/", {})) == (405, "method_not_allowed")


def test_no_credentials_is_a_json_401_that_names_the_scheme(qingdao):
    response = api().get("/api/v1/qingdao/assets/")
    assert error_of(response) == (401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"
    wrong = api()
    wrong.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert error_of(wrong.get("/api/v1/qingdao/assets/")) == (401, "authentication_failed")


def test_a_crash_under_the_api_is_a_json_500_and_a_page_crash_stays_html():
    factory = RequestFactory()
    assert error_of(server_error(factory.get("/api/v1/qingdao/assets/"))) == (500, "server_error")
    page = server_error(factory.get("/qingdao/"))
    assert page.status_code == 500
    assert not page["Content-Type"].startswith("application/json")
