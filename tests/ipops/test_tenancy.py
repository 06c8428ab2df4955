"""Tenancy is sacred: no user ever sees another city's data, through the API or the pages."""

import pytest
from django_scopes import ScopeError

from ipops.models import IPAsset, Organization, OrgKind
from ipops.tenancy import city_scope
from tests.conftest import api, grant, make_asset, make_org, make_user
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_cities(qingdao, jinan):
    qd_org = make_org(qingdao, OrgKind.ENTERPRISE, "青岛甲公司")
    jn_org = make_org(jinan, OrgKind.ENTERPRISE, "济南乙公司")
    return {
        "qd_asset": make_asset(qingdao, qd_org, title="青岛的专利"),
        "jn_asset": make_asset(jinan, jn_org, title="济南的专利"),
        "qd_bureau": make_user(qingdao, "bureau_staff"),
        "jn_bureau": make_user(jinan, "bureau_staff"),
        "qd_owner": make_user(qingdao, "enterprise", org=qd_org),
    }


def test_a_city_owned_query_without_a_scope_raises(two_cities):
    with pytest.raises(ScopeError):
        list(IPAsset.objects.all())
    with pytest.raises(ScopeError):
        Organization.objects.count()


def test_a_scope_shows_only_its_city(qingdao, jinan, two_cities):
    with city_scope(qingdao):
        assert list(IPAsset.objects.values_list("title", flat=True)) == ["青岛的专利"]
    with city_scope(jinan):
        assert list(IPAsset.objects.values_list("title", flat=True)) == ["济南的专利"]


@pytest.mark.parametrize("method", ["get", "patch"])
def test_api_answers_404_for_another_citys_asset_exactly_like_a_missing_one(two_cities, method):
    client = api(two_cities["qd_bureau"])
    other = getattr(client, method)(f"/api/v1/qingdao/assets/{two_cities['jn_asset'].pk}/", {"title": "x"})
    missing = getattr(client, method)("/api/v1/qingdao/assets/999999/", {"title": "x"})
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    with city_scope(two_cities["jn_asset"].city):
        assert IPAsset.objects.get(pk=two_cities["jn_asset"].pk).title == "济南的专利"


def test_api_lists_never_show_another_city(two_cities):
    body = api(two_cities["qd_bureau"]).get("/api/v1/qingdao/assets/").json()
    assert [a["title"] for a in body["results"]] == ["青岛的专利"]


def test_api_refuses_a_city_the_user_has_no_access_to(two_cities):
    response = api(two_cities["qd_bureau"]).get("/api/v1/jinan/assets/")
    assert response.status_code == 403
    assert response.json()["code"] == "city_access_denied"


def test_api_needs_authentication(two_cities):
    response = api().get("/api/v1/qingdao/assets/")
    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"


def test_unknown_city_is_404(two_cities):
    assert api(two_cities["qd_bureau"]).get("/api/v1/atlantis/assets/").status_code == 404


def test_pages_answer_404_for_another_citys_asset(client, two_cities):
    client.force_login(two_cities["qd_bureau"])
    assert client.get(f"/qingdao/assets/{two_cities['jn_asset'].pk}/").status_code == 404
    assert client.get(f"/qingdao/assets/{two_cities['jn_asset'].pk}/edit/").status_code == 404
    assert client.get(f"/qingdao/assets/{two_cities['qd_asset'].pk}/").status_code == 200


def test_pages_refuse_a_foreign_city(client, two_cities):
    client.force_login(two_cities["qd_bureau"])
    assert client.get("/jinan/").status_code == 403
    assert client.get("/jinan/assets/").status_code == 403
    page = client.get("/qingdao/assets/").content.decode()
    assert "青岛的专利" in page and "济南的专利" not in page


def test_excel_export_holds_only_this_city(client, two_cities):
    import io

    from openpyxl import load_workbook

    client.force_login(two_cities["qd_bureau"])
    response = client.get("/qingdao/assets/export.xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    titles = [r[1] for r in rows[1:]]
    assert titles == ["青岛的专利"]


def test_provincial_official_sees_exactly_the_granted_cities(qingdao, jinan, zhengzhou, client, two_cities):
    official = UserFactory()  # no membership anywhere: grants alone let this official in
    grant(official, qingdao)
    grant(official, jinan)
    client.force_login(official)
    assert client.get("/qingdao/").status_code == 200
    assert client.get("/jinan/").status_code == 200
    assert client.get("/zhengzhou/").status_code == 403
    page = client.get("/qingdao/").content.decode()
    assert (
        'data-city="qingdao"' in page and 'data-city="jinan"' in page and 'data-city="zhengzhou"' not in page
    )
    assert api(official).get("/api/v1/zhengzhou/assets/").status_code == 403
    listing = api(official).get("/api/v1/jinan/assets/").json()
    assert [a["title"] for a in listing["results"]] == ["济南的专利"]


def test_official_access_is_read_only(qingdao, two_cities):
    official = UserFactory()
    grant(official, qingdao)
    response = api(official).post(
        "/api/v1/qingdao/assets/", {"kind": "invention", "number": "x", "title": "t"}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "read_only_access"


def test_job_progress_of_another_city_is_404(client, qingdao, jinan):
    from ipops.models import JobRun

    foreign = JobRun.objects.create(name="registry_snapshot", city=jinan)
    own = JobRun.objects.create(name="registry_snapshot", city=qingdao)
    client.force_login(make_user(qingdao, "bureau_staff"))
    assert client.get(f"/qingdao/jobs/{foreign.pk}/").status_code == 404
    assert client.get(f"/qingdao/jobs/{own.pk}/").status_code == 200


def test_organisation_page_shows_only_my_organisation(client, qingdao, jinan):
    user = make_user(qingdao, "enterprise")
    client.force_login(user)
    page = client.get("/qingdao/organisation/").content.decode()
    assert user.memberships.get().organization.name in page
    assert client.get("/jinan/organisation/").status_code == 403


def test_an_invalid_ipc_filter_is_shown_and_the_other_filters_still_apply(client, two_cities):
    client.force_login(two_cities["qd_bureau"])
    page = client.get("/qingdao/assets/", {"ipc": "zz", "q": "青岛"})
    assert page.status_code == 200
    assert "青岛的专利" in page.content.decode()
    assert client.get("/qingdao/assets/export.xlsx", {"ipc": "zz"}).status_code == 200
