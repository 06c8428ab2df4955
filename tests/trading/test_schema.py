import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_every_trading_endpoint_is_in_the_openapi_schema():
    r = APIClient().get("/api/schema/", {"format": "json"})
    assert r.status_code == 200
    paths = set(r.json()["paths"])
    for expected in (
        "listings/",
        "listings/{id}/",
        "listings/{id}/offers/",
        "listings/{id}/matches/",
        "buy-requests/",
        "buy-requests/{id}/matches/",
        "offers/{id}/accept/",
        "offers/{id}/counter/",
        "negotiations/{id}/messages/",
        "transactions/",
        "transactions/{id}/complete/",
        "transactions/figures/",
        "centres/",
        "market/listings/",
    ):
        assert f"/api/v1/{{city}}/{expected}" in paths, expected
    assert "/market/api/listings/" in paths
