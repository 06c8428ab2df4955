"""The registry API: create, list with filters, detail, update — and every way it must refuse."""

import functools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ipops.models import Encumbrance, IPAsset, OrgKind
from ipops.services import registry
from ipops.tenancy import city_scope
from tests.conftest import actor, api, make_asset, make_org, make_user, queries_of
from tests.support import failures, nothing_changed, race, successes

pytestmark = pytest.mark.django_db

GOOD = {
    "kind": "invention",
    "number": "ZL 2017 1 0601862.3",
    "title": "一种基于深度学习的图像识别方法",
    "ipc_codes": ["g06v10/82", "G06N 3/08"],
    "filing_date": "2017-07-27",
    "grant_date": "2019-10-11",
    "legal_status": "in_force",
    "industry": "ai",
}


@pytest.fixture
def owner(qingdao):
    return make_user(qingdao, "enterprise")


def test_enterprise_registers_an_asset_in_canonical_form(qingdao, owner):
    response = api(owner).post("/api/v1/qingdao/assets/", GOOD)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == "201710601862.3"
    assert body["display_number"] == "ZL201710601862.3"
    assert body["ipc_codes"] == ["G06V 10/82", "G06N 3/08"]
    assert body["expiry_date"] == "2037-07-26"
    assert body["owner"]["id"] == actor(owner, qingdao).organization_id


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"number": "201710601862.4"}, "number", "patent_number_checksum"),
        ({"number": "2017106018"}, "number", "patent_number_format"),
        ({"number": "201720601862." + "0"}, "number", None),  # a utility-model number on an invention
        ({"ipc_codes": ["H04L29"]}, "ipc_codes", "ipc_format"),
        ({"ipc_codes": ["A00A 0/00"]}, "ipc_codes", "ipc_unknown_class"),
        ({"ipc_codes": ["H04Z 29/06"]}, "ipc_codes", "ipc_unknown_subclass"),
        ({"filing_date": "2018-01-01"}, "filing_date", "filing_year_mismatch"),
        ({"grant_date": "2016-01-01"}, "grant_date", "grant_before_filing"),
        ({"kind": "gadget"}, "kind", "invalid_choice"),
        ({"title": ""}, "title", "blank"),
        ({"grant_date": None}, "grant_date", "required"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(qingdao, owner, change, field, code):
    from ipops.ids import patent_check_char

    data = {**GOOD, **change}
    if code is None:  # build a valid utility-model number to hit the kind mismatch, not the checksum
        data["number"] = "201720601862." + patent_check_char("201720601862")
        code = "patent_number_kind_mismatch"
    with nothing_changed(IPAsset):
        response = api(owner).post("/api/v1/qingdao/assets/", data, format="json")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert set(body) == {"code", "detail", "fields"}
    assert body["fields"][field][0]["code"] == code


def test_the_same_number_twice_is_a_conflict(qingdao, owner):
    assert api(owner).post("/api/v1/qingdao/assets/", GOOD).status_code == 201
    with nothing_changed(IPAsset):
        again = api(owner).post("/api/v1/qingdao/assets/", {**GOOD, "number": "CN2017106018623"})
    assert again.status_code == 409
    assert again.json()["code"] == "asset_duplicate_number"


@pytest.mark.parametrize("role", ["bank", "insurer", "guarantor", "fund_manager"])
def test_financial_institutions_cannot_register_assets(qingdao, role):
    client = api(make_user(qingdao, role))
    with nothing_changed(IPAsset):
        response = client.post("/api/v1/qingdao/assets/", GOOD)
    assert response.status_code == 403


def test_bureau_registers_for_an_organisation_but_an_enterprise_only_for_itself(qingdao, owner):
    other = make_org(qingdao, OrgKind.UNIVERSITY, "青岛理工大学")
    bureau = make_user(qingdao, "bureau_staff")
    response = api(bureau).post("/api/v1/qingdao/assets/", {**GOOD, "owner": other.pk})
    assert response.status_code == 201
    assert response.json()["owner"]["name"] == "青岛理工大学"
    with nothing_changed(IPAsset):
        refused = api(owner).post(
            "/api/v1/qingdao/assets/", {**GOOD, "number": "201710601863.5", "owner": other.pk}
        )
    assert refused.status_code == 403


def test_bureau_cannot_register_for_another_citys_organisation(qingdao, jinan):
    foreign = make_org(jinan, OrgKind.ENTERPRISE, "济南公司")
    client = api(make_user(qingdao, "bureau_staff"))
    with nothing_changed(IPAsset):
        response = client.post("/api/v1/qingdao/assets/", {**GOOD, "owner": foreign.pk})
    assert response.status_code == 404


def test_update_by_owner_and_refusals(qingdao, owner):
    asset_id = api(owner).post("/api/v1/qingdao/assets/", GOOD).json()["id"]
    ok = api(owner).patch(f"/api/v1/qingdao/assets/{asset_id}/", {"title": "改进的图像识别方法"})
    assert ok.status_code == 200 and ok.json()["title"] == "改进的图像识别方法"
    stranger = make_user(qingdao, "enterprise")
    assert api(stranger).patch(f"/api/v1/qingdao/assets/{asset_id}/", {"title": "x"}).status_code == 404
    bad = api(owner).patch(f"/api/v1/qingdao/assets/{asset_id}/", {"ipc_codes": ["nonsense"]}, format="json")
    assert bad.status_code == 400
    moved = api(owner).patch(f"/api/v1/qingdao/assets/{asset_id}/", {"owner": stranger.pk})
    assert moved.status_code == 403 and moved.json()["code"] == "owner_not_editable"
    with city_scope(qingdao):
        asset = IPAsset.objects.get(pk=asset_id)
    assert asset.title == "改进的图像识别方法" and asset.ipc_codes == ["G06V 10/82", "G06N 3/08"]


def test_list_filters(qingdao):
    org = make_org(qingdao)
    make_asset(qingdao, org, title="石墨烯导热膜", ipc=["C08K 3/04"])
    make_asset(qingdao, org, title="锂电池热管理", ipc=["H01M 10/613"], legal_status="lapsed")
    bureau = make_user(qingdao, "bureau_staff")
    titles = lambda q: [a["title"] for a in api(bureau).get(f"/api/v1/qingdao/assets/?{q}").json()["results"]]  # noqa: E731
    assert titles("ipc=H01M") == ["锂电池热管理"]
    assert titles("legal_status=in_force") == ["石墨烯导热膜"]
    assert titles("q=石墨烯") == ["石墨烯导热膜"]
    bad = api(bureau).get("/api/v1/qingdao/assets/?ipc=zz")
    assert bad.status_code == 400 and bad.json()["fields"]["ipc"][0]["code"] == "ipc_prefix_format"


def test_list_query_count_does_not_grow_with_page_size(qingdao):
    org = make_org(qingdao)
    for i in range(30):
        make_asset(qingdao, org, title=f"专利{i}")
    bureau = make_user(qingdao, "bureau_staff")
    client = api(bureau)
    client.get("/api/v1/qingdao/assets/?page_size=1")  # warm caches (content types, etc.)
    with CaptureQueriesContext(connection) as small:
        client.get("/api/v1/qingdao/assets/?page_size=2")
    assert len(queries_of(small)) <= 6, queries_of(small)
    with CaptureQueriesContext(connection) as large:
        assert len(client.get("/api/v1/qingdao/assets/?page_size=30").json()["results"]) == 30
    assert len(queries_of(large)) <= len(queries_of(small)), queries_of(large)


@pytest.mark.django_db(transaction=True)
def test_the_same_asset_pledged_twice_at_once_only_one_wins(qingdao):
    org = make_org(qingdao)
    asset = make_asset(qingdao, org)
    pledge = functools.partial(registry.encumbrance_add, asset_ids=[asset.pk], kind="pledge", owner_id=org.pk)

    results = race(
        *(functools.partial(pledge, source=f"test:{i}") for i in range(2)),
        context=lambda: city_scope(qingdao),
    )

    assert len(successes(results)) == 1
    assert [type(error) for error in failures(results)] == [registry.AssetAlreadyPledged]
    with city_scope(qingdao):
        assert Encumbrance.objects.filter(asset=asset, released_at__isnull=True).count() == 1


def test_pledged_asset_cannot_be_assigned_until_released(qingdao):
    org = make_org(qingdao)
    buyer = make_org(qingdao)
    asset = make_asset(qingdao, org)
    with city_scope(qingdao):
        registry.encumbrance_add(asset_ids=[asset.pk], kind="pledge", source="loan:1", owner_id=org.pk)
        with pytest.raises(registry.AssetAlreadyPledged):
            registry.encumbrance_add(asset_ids=[asset.pk], kind="sale_pending", source="deal:1")
        with pytest.raises(registry.AssetAlreadyPledged):
            registry.asset_transfer(asset_id=asset.pk, new_owner=buyer, source="deal:1")
        registry.encumbrance_release(source="loan:1")
        registry.encumbrance_add(asset_ids=[asset.pk], kind="sale_pending", source="deal:1")
        registry.asset_transfer(asset_id=asset.pk, new_owner=buyer, source="deal:1")
        asset.refresh_from_db()
        assert asset.owner_id == buyer.pk
        assert not Encumbrance.objects.filter(asset=asset, released_at__isnull=True).exists()


def test_lapsed_asset_cannot_be_pledged(qingdao):
    org = make_org(qingdao)
    asset = make_asset(qingdao, org, legal_status="lapsed")
    with city_scope(qingdao), pytest.raises(registry.AssetNotInForce):
        registry.encumbrance_add(asset_ids=[asset.pk], kind="pledge", source="loan:1", owner_id=org.pk)
