"""The platform operator opens and closes cities in /admin/; everything inside belongs to the city."""

from __future__ import annotations

import pytest

from ipops.demo_data import make_uscc
from ipops.models import AuditEvent, City, Membership, Organization, User
from ipops.tenancy import city_scope
from tests.conftest import make_user
from tests.support import nothing_changed

pytestmark = pytest.mark.django_db

OPENING = {
    "slug": "yantai",
    "name_zh": "烟台",
    "name_en": "Yantai",
    "province_zh": "山东省",
    "province_en": "Shandong",
    "plan_start_year": "2026",
    "plan_years": "3",
    "bureau_name": "烟台市知识产权局",
    "bureau_uscc": make_uscc("yantai", "烟台市知识产权局", "11"),
    "admin_username": "yantai.admin",
    "admin_password": "Haibin-2026-open",
}


@pytest.fixture
def operator(client):
    user = User.objects.create_user(
        "platform.op", password="pw-platform-1", is_staff=True, is_superuser=True, is_platform_admin=True
    )
    client.force_login(user)
    return user


def test_the_operator_sees_cities_in_the_console(client, operator, qingdao):
    page = client.get("/admin/ipops/city/")
    assert page.status_code == 200 and "qingdao" in page.content.decode()


def test_opening_a_city_creates_its_bureau_and_first_admin_who_can_start_work(client, operator):
    response = client.post("/admin/ipops/city/add/", OPENING)
    assert response.status_code == 302, response.content.decode()[:2000]
    city = City.objects.get(slug="yantai")
    assert (city.plan_start_year, city.plan_end_year, city.is_active) == (2026, 2028, True)
    with city_scope(city):
        bureau = Organization.objects.get()
        assert (bureau.kind, bureau.name) == ("bureau", "烟台市知识产权局")
        assert AuditEvent.objects.filter(action="city_create").count() == 1
    admin_member = Membership.objects.get(city=city)
    assert admin_member.is_admin and admin_member.user.username == "yantai.admin"
    client.logout()
    assert client.login(username="yantai.admin", password="Haibin-2026-open")
    assert client.get("/yantai/people/").status_code == 200  # the bureau admin manages the city's people


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"slug": "qingdao"}, "slug"),  # taken
        ({"slug": "Yan Tai"}, "slug"),
        ({"bureau_uscc": "123"}, "bureau_uscc"),
        ({"admin_password": "short"}, "admin_password"),
        ({"plan_years": "0"}, "plan_years"),
    ],
)
def test_bad_openings_are_refused_on_the_form_and_write_nothing(client, operator, qingdao, change, field):
    with nothing_changed(City, Organization, Membership, User):
        response = client.post("/admin/ipops/city/add/", {**OPENING, **change})
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors


def test_a_closed_city_is_404_for_its_members_until_reopened(client, operator, qingdao):
    member = make_user(qingdao, "enterprise")
    closing = {"action": "close_cities", "_selected_action": [qingdao.pk]}
    assert client.post("/admin/ipops/city/", closing).status_code == 302
    qingdao.refresh_from_db()
    assert not qingdao.is_active
    client.force_login(member)
    assert client.get("/qingdao/").status_code == 404
    client.force_login(operator)
    client.post("/admin/ipops/city/", {"action": "reopen_cities", "_selected_action": [qingdao.pk]})
    client.force_login(member)
    assert client.get("/qingdao/").status_code == 200
    with city_scope(qingdao):
        assert list(
            AuditEvent.objects.filter(action__startswith="city_")
            .values_list("action", flat=True)
            .order_by("id")
        ) == ["city_deactivate", "city_activate"]


def test_city_members_have_no_console(client, qingdao):
    client.force_login(make_user(qingdao, "bureau_admin"))
    assert client.get("/admin/ipops/city/").status_code == 302  # to the console's login
