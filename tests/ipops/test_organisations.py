"""Organisations: the bureau admin registers them with a valid USCC; everyone else is refused."""

import pytest

from ipops.models import Organization
from ipops.tenancy import city_scope
from tests.conftest import api, grant, make_user
from tests.support import nothing_changed

pytestmark = pytest.mark.django_db

VALID = {
    "name": "青岛测试科技有限公司",
    "kind": "enterprise",
    "uscc": "91370200163562681G",
    "district": "崂山区",
}


def test_bureau_admin_registers_an_organisation(qingdao):
    response = api(make_user(qingdao, "bureau_admin")).post(
        "/api/v1/qingdao/organizations/", {**VALID, "uscc": "91 3702 0016 3562 681g"}
    )
    assert response.status_code == 201
    assert response.json()["uscc"] == "91370200163562681G"


@pytest.mark.parametrize(
    ("uscc", "code"),
    [
        ("91370200163562681H", "uscc_invalid_checksum"),
        ("9137020016356268", "uscc_invalid_length"),
        ("9137020016356268IG", "uscc_invalid_format"),
    ],
)
def test_an_invalid_uscc_is_a_400_and_nothing_is_written(qingdao, uscc, code):
    admin = make_user(qingdao, "bureau_admin")
    with nothing_changed(Organization):
        response = api(admin).post("/api/v1/qingdao/organizations/", {**VALID, "uscc": uscc})
    assert response.status_code == 400
    assert response.json()["fields"]["uscc"][0]["code"] == code


def test_a_uscc_is_registered_once_across_cities(qingdao, jinan):
    assert (
        api(make_user(qingdao, "bureau_admin")).post("/api/v1/qingdao/organizations/", VALID).status_code
        == 201
    )
    again = api(make_user(jinan, "bureau_admin")).post(
        "/api/v1/jinan/organizations/", {**VALID, "name": "别名"}
    )
    assert again.status_code == 409
    assert again.json()["code"] == "organization_duplicate_uscc"


@pytest.mark.parametrize("role", ["bureau_staff", "enterprise", "bank", "official"])
def test_other_roles_cannot_register_organisations(qingdao, role):
    user = make_user(qingdao, role)
    with nothing_changed(Organization):
        response = api(user).post("/api/v1/qingdao/organizations/", VALID)
    assert response.status_code == 403


def test_organisation_lists_stay_in_their_city(qingdao, jinan):
    api(make_user(jinan, "bureau_admin")).post("/api/v1/jinan/organizations/", VALID)
    names = [
        o["name"]
        for o in api(make_user(qingdao, "bureau_staff"))
        .get("/api/v1/qingdao/organizations/")
        .json()["results"]
    ]
    assert VALID["name"] not in names
    assert api(make_user(qingdao, "enterprise")).get("/api/v1/qingdao/organizations/").status_code == 403
    official = make_user(qingdao, "official")
    grant(official, jinan)
    names = [o["name"] for o in api(official).get("/api/v1/jinan/organizations/").json()["results"]]
    assert VALID["name"] in names


def test_bureau_admin_registers_through_the_page_and_errors_show_beside_the_field(client, qingdao):
    client.force_login(make_user(qingdao, "bureau_admin"))
    with nothing_changed(Organization):
        bad = client.post("/qingdao/organisations/", {**VALID, "uscc": "91370200163562681H"})
    assert bad.status_code == 400
    assert 'data-error-for="uscc"' in bad.content.decode()
    ok = client.post("/qingdao/organisations/", VALID, follow=True)
    assert VALID["name"] in ok.content.decode()
    with city_scope(qingdao):
        assert Organization.objects.filter(name=VALID["name"]).exists()


@pytest.mark.parametrize(
    ("role", "status"), [("bureau_staff", 200), ("official", 200), ("enterprise", 403), ("bank", 403)]
)
def test_organisation_page_is_for_the_bureau_and_officials(client, qingdao, jinan, role, status):
    from tests.conftest import make_org

    make_org(jinan, name="济南的公司")
    client.force_login(make_user(qingdao, role))
    response = client.get("/qingdao/organisations/")
    assert response.status_code == status
    assert "济南的公司" not in response.content.decode()
    if role == "bureau_staff":
        with nothing_changed(Organization):
            refused = client.post("/qingdao/organisations/", VALID)
        assert refused.status_code == 403
