"""A Chinese patent number exists once in the country, so it is registered once on the platform."""

from __future__ import annotations

import datetime

import pytest

from ipops.errors import ApplicationError
from ipops.models import AuditEvent, IPAsset
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


# --- an assignment across cities: the asset moves, each city keeps its history ------------------------


@pytest.fixture
def operator(db):
    from ipops.models import User

    return User.objects.create_user(
        "platform.mover", password="pw-platform-1", is_staff=True, is_superuser=True, is_platform_admin=True
    )


def test_an_asset_assigned_across_cities_moves_and_each_city_keeps_its_record(qingdao, jinan, operator):
    seller, buyer = make_org(qingdao), make_org(jinan)
    asset = make_asset(qingdao, seller)
    moved = registry.asset_move_to_city(
        operator=operator, asset=asset, new_owner=buyer, reference="ZL-REC-88"
    )
    with city_scope(qingdao):
        old = IPAsset.objects.get(pk=asset.pk)
        assert old.legal_status == "transferred_out" and old.owner_id == seller.pk  # history stays
        with pytest.raises(ApplicationError) as refused:
            registry.check_assets_available(assets=[old], action="pledge", owner_id=seller.pk)
        assert refused.value.code == "asset_moved_away"
        assert AuditEvent.objects.filter(action="asset_move_out").count() == 1
    with city_scope(jinan):
        new = IPAsset.objects.get(pk=moved.pk)
        assert (new.number, new.owner_id, new.legal_status) == (asset.number, buyer.pk, "in_force")
        registry.check_assets_available(assets=[new], action="pledge", owner_id=buyer.pk)  # free to pledge
        assert AuditEvent.objects.filter(action="asset_move_in").count() == 1
    with scopes_disabled():  # one holding record in the country
        assert (
            IPAsset.objects.filter(number=asset.number).exclude(legal_status="transferred_out").count() == 1
        )


def test_a_pledged_asset_or_a_target_in_the_same_city_does_not_move(qingdao, jinan, operator):
    seller = make_org(qingdao)
    asset = make_asset(qingdao, seller)
    with city_scope(qingdao):
        registry.encumbrance_add(
            asset_ids=[asset.pk], kind="pledge", source="pledge_finance.loan:9", owner_id=seller.pk
        )
    with nothing_changed(IPAsset), pytest.raises(ApplicationError) as pledged:
        registry.asset_move_to_city(operator=operator, asset=asset, new_owner=make_org(jinan), reference="R")
    assert pledged.value.code == "asset_already_pledged"
    free = make_asset(qingdao, seller)
    with nothing_changed(IPAsset), pytest.raises(ApplicationError) as same_city:
        registry.asset_move_to_city(operator=operator, asset=free, new_owner=make_org(qingdao), reference="R")
    assert same_city.value.code == "move_target_invalid"


@pytest.mark.django_db(transaction=True)
def test_two_moves_of_one_asset_at_once_move_it_once(qingdao, jinan, zhengzhou, operator):
    asset = make_asset(qingdao, make_org(qingdao))
    targets = [make_org(jinan), make_org(zhengzhou)]
    results = race(
        *(
            lambda target=target: registry.asset_move_to_city(
                operator=operator, asset=asset, new_owner=target, reference="R"
            )
            for target in targets
        )
    )
    assert len(successes(results)) == 1
    assert [f.code for f in failures(results)] == ["asset_moved_away"]
    with scopes_disabled():
        assert (
            IPAsset.objects.filter(number=asset.number).exclude(legal_status="transferred_out").count() == 1
        )


def test_the_operator_moves_an_asset_from_the_console(client, qingdao, jinan, operator):
    asset = make_asset(qingdao, make_org(qingdao))
    buyer = make_org(jinan)
    client.force_login(operator)
    listed = client.get("/admin/ipops/ipasset/", {"q": asset.number})
    assert listed.status_code == 200 and asset.number in listed.content.decode()
    asking = {"action": "move_to_city", "_selected_action": [asset.pk]}
    assert "new_owner_uscc" in client.post("/admin/ipops/ipasset/", asking).content.decode()
    done = client.post(
        "/admin/ipops/ipasset/",
        {**asking, "apply": "1", "new_owner_uscc": buyer.uscc, "reference": "ZL-REC-1"},
    )
    assert done.status_code == 302
    with city_scope(jinan):
        assert IPAsset.objects.get(number=asset.number).owner_id == buyer.pk
