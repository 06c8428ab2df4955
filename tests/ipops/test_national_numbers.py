"""A Chinese patent number exists once in the country, so it is registered once on the platform."""

from __future__ import annotations

import datetime

import pytest

from ipops.errors import ApplicationError
from ipops.models import IPAsset
from ipops.services import registry
from ipops.tenancy import city_scope, scopes_disabled
from tests.conftest import actor, api, make_asset, make_org, make_user
from tests.ipops.test_registry_api import GOOD
from tests.support import failures, nothing_changed, race, successes

pytestmark = pytest.mark.django_db

#: GOOD as the service takes it (dates as dates).
SERVICE_FIELDS = {
    **GOOD,
    "filing_date": datetime.date.fromisoformat(GOOD["filing_date"]),
    "grant_date": datetime.date.fromisoformat(GOOD["grant_date"]),
}


def test_a_patent_registered_in_another_city_is_a_409_that_names_neither_city_nor_owner(qingdao, jinan):
    assert api(make_user(jinan, "enterprise")).post("/api/v1/jinan/assets/", GOOD).status_code == 201
    with nothing_changed(IPAsset):
        refused = api(make_user(qingdao, "enterprise")).post("/api/v1/qingdao/assets/", GOOD)
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "asset_registered_elsewhere"
    assert "济南" not in body["detail"] and "jinan" not in body["detail"].lower()


def test_changing_a_number_to_one_registered_in_another_city_is_refused(qingdao, jinan):
    api(make_user(jinan, "enterprise")).post("/api/v1/jinan/assets/", GOOD)
    owner = make_user(qingdao, "enterprise")
    mine = make_asset(qingdao, actor(owner, qingdao).organization)
    with nothing_changed(IPAsset):
        changes = {k: GOOD[k] for k in ("number", "filing_date", "grant_date")}
        refused = api(owner).patch(f"/api/v1/qingdao/assets/{mine.pk}/", changes)
    assert refused.status_code == 409 and refused.json()["code"] == "asset_registered_elsewhere"


def test_a_trademark_number_may_repeat_across_cities(qingdao, jinan):
    """Only patent numbers are national here; a technology project's or trademark's local number is not."""
    mark = {"kind": "trademark", "number": "TM-001", "title": "海之蓝", "legal_status": "in_force"}
    assert api(make_user(jinan, "enterprise")).post("/api/v1/jinan/assets/", mark).status_code == 201
    assert api(make_user(qingdao, "enterprise")).post("/api/v1/qingdao/assets/", mark).status_code == 201


@pytest.mark.django_db(transaction=True)
def test_two_cities_registering_the_same_patent_at_once_make_one_asset(qingdao, jinan):
    """The check runs before the insert; two cities' requests can both pass it. The national unique
    index decides, and the loser gets the same 409 a later request would."""
    people = {city: actor(make_user(city, "enterprise"), city) for city in (qingdao, jinan)}

    def register(city):
        def call():
            with city_scope(city):
                return registry.asset_create(actor=people[city], **SERVICE_FIELDS)

        return call

    results = race(register(qingdao), register(jinan))
    assert len(successes(results)) == 1
    (refusal,) = failures(results)
    assert isinstance(refusal, ApplicationError) and refusal.code == "asset_registered_elsewhere"
    with scopes_disabled():
        assert IPAsset.objects.filter(number="201710601862.3").count() == 1


def test_pledging_is_impossible_twice_because_the_second_registration_never_exists(qingdao, jinan):
    """The defect this closes: two cities each registered the patent and each pledged it."""
    first = make_user(jinan, "enterprise")
    assert api(first).post("/api/v1/jinan/assets/", GOOD).status_code == 201
    second = make_org(qingdao)
    bureau = actor(make_user(qingdao, "bureau_staff"), qingdao)
    with city_scope(qingdao), pytest.raises(ApplicationError) as refused:
        registry.asset_create(actor=bureau, owner=second, **SERVICE_FIELDS)
    assert refused.value.code == "asset_registered_elsewhere"
