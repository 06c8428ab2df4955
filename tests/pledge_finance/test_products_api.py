"""The loan-product endpoints, called once a product exists: the bureau lists and creates, every other
role lists what is open for applications. A server error answers as a client would see it (500)."""

from __future__ import annotations

import pytest

from pledge_finance.models import LoanProduct
from tests.conftest import api

pytestmark = pytest.mark.django_db


def client(user):
    c = api(user)
    c.raise_request_exception = False  # a crash is a 500 response here, as a client sees it
    return c


def test_the_bureau_lists_the_products(world):
    w = world
    r = client(w.bureau).get(w.url("products/"))
    assert r.status_code == 200
    assert [p["name"] for p in r.json()["results"]] == [w.product.name]
    assert {o["id"] for o in r.json()["results"][0]["institutions"]["bank"]} == {
        w.org(w.bank).pk,
        w.org(w.bank2).pk,
    }


def test_the_bureau_creates_a_product(world):
    w = world
    body = {
        "name": "科技型中小企业知识产权质押贷款",
        "insurer_share": "0.5",
        "guarantor_share": "0.3",
        "bank_share": "0.2",
        "allowed_terms": [12, 24],
        "min_rate": "0.03",
        "max_rate": "0.06",
        "institutions": {
            "bank": [w.org(w.bank).pk],
            "insurer": [w.org(w.insurer).pk],
            "guarantor": [w.org(w.guarantor).pk],
            "appraiser": [w.org(w.appraiser).pk],
        },
    }
    r = client(w.bureau).post(w.url("products/"), body, format="json")
    with w.scope():
        assert LoanProduct.objects.filter(name=body["name"]).exists()
    assert r.status_code == 201
    assert r.json()["name"] == body["name"]
    assert r.json()["institutions"]["insurer"] == [{"id": w.org(w.insurer).pk, "name": w.org(w.insurer).name}]


@pytest.mark.parametrize("who", ["enterprise", "bank", "insurer", "guarantor", "appraiser", "official"])
def test_every_role_lists_the_open_products(world, who):
    w = world
    r = client(getattr(w, who)).get(w.url("products/"))
    assert r.status_code == 200
    assert [p["id"] for p in r.json()["results"]] == [w.product.pk]
