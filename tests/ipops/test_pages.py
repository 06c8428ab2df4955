"""Each role lands on a page made for its work, in Chinese unless the user switches."""

import pytest

from ipops.models import OrgKind
from ipops.services import registry
from ipops.tenancy import city_scope
from tests.conftest import grant, make_asset, make_org, make_user

pytestmark = pytest.mark.django_db

HOMES = {
    "enterprise": ("holder", "企业工作台"),
    "university": ("holder", "高校院所工作台"),
    "service": ("holder", "服务机构工作台"),
    "bank": ("institution", "银行工作台"),
    "insurer": ("institution", "保险机构工作台"),
    "guarantor": ("institution", "担保机构工作台"),
    "fund_manager": ("institution", "基金管理人工作台"),
    "bureau_staff": ("bureau", "知识产权局工作台"),
    "bureau_admin": ("bureau", "知识产权局工作台"),
    "official": ("official", "驾驶舱"),
}


@pytest.mark.parametrize("role", HOMES)
def test_every_role_lands_on_its_own_home_in_chinese(client, qingdao, role):
    user = make_user(qingdao, role)
    client.force_login(user)
    landing = client.get("/", follow=True)
    assert landing.redirect_chain[-1][0] == "/qingdao/"
    page = landing.content.decode()
    home, title = HOMES[role]
    assert f'data-home="{home}"' in page
    assert title in page
    assert '<html lang="zh-hans">' in page


def test_the_holder_home_shows_its_own_portfolio_only(client, qingdao):
    user = make_user(qingdao, "enterprise")
    org = user.memberships.get().organization
    make_asset(qingdao, org, title="我的石墨烯专利")
    make_asset(qingdao, make_org(qingdao), title="别人的专利")
    client.force_login(user)
    page = client.get("/qingdao/").content.decode()
    assert "我的石墨烯专利" in page
    assert "别人的专利" not in page
    assert org.name in page


def test_the_bank_home_shows_the_pledges_it_holds(client, qingdao):
    bank_user = make_user(qingdao, "bank")
    bank = bank_user.memberships.get().organization
    owner = make_org(qingdao, OrgKind.ENTERPRISE)
    asset = make_asset(qingdao, owner, title="质押中的专利")
    with city_scope(qingdao):
        registry.encumbrance_add(
            asset_ids=[asset.pk], kind="pledge", source="loan:1", holder=bank, reference="Y2026370000123"
        )
    client.force_login(bank_user)
    page = client.get("/qingdao/").content.decode()
    assert "质押中的专利" in page
    assert "Y2026370000123" in page


def test_language_switch_to_english_and_back(client, qingdao):
    client.force_login(make_user(qingdao, "enterprise"))
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/qingdao/"}, follow=True)
    assert "Enterprise workbench" in response.content.decode()
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/qingdao/"}, follow=True)
    assert "企业工作台" in response.content.decode()


def test_an_english_browser_still_gets_chinese_until_the_user_switches(client, qingdao):
    client.force_login(make_user(qingdao, "enterprise"))
    page = client.get("/qingdao/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "企业工作台" in page


def test_city_switcher_for_users_with_several_cities(client, qingdao, jinan):
    user = make_user(qingdao, "official")
    grant(user, jinan)
    client.force_login(user)
    page = client.get("/qingdao/").content.decode()
    assert 'id="city-switcher"' in page
    assert 'href="/jinan/"' in page
    assert client.get("/jinan/").status_code == 200


def test_register_an_asset_through_the_form(client, qingdao):
    user = make_user(qingdao, "enterprise")
    client.force_login(user)
    form = {
        "kind": "invention",
        "number": "ZL 2017 1 0601862.3",
        "title": "一种图像识别方法",
        "ipc_codes": "G06V 10/82；G06N 3/08",
        "filing_date": "2017-07-27",
        "grant_date": "2019-10-11",
        "legal_status": "in_force",
        "industry": "ai",
    }
    response = client.post("/qingdao/assets/new/", form)
    assert response.status_code == 302
    detail = client.get(response["Location"]).content.decode()
    assert "ZL201710601862.3" in detail
    assert "2037-07-26" in detail or "2037年7月26日" in detail


def test_a_bad_number_is_shown_beside_the_field_and_nothing_is_saved(client, qingdao):
    from ipops.models import IPAsset

    client.force_login(make_user(qingdao, "enterprise"))
    response = client.post(
        "/qingdao/assets/new/",
        {
            "kind": "invention",
            "number": "201710601862.4",
            "title": "x",
            "legal_status": "pending",
            "industry": "ai",
        },
    )
    assert response.status_code == 400
    assert 'data-error-for="number"' in response.content.decode()
    assert "专利号校验位错误" in response.content.decode()
    with city_scope(qingdao):
        assert not IPAsset.objects.exists()


@pytest.mark.parametrize("role", ["bank", "official"])
def test_roles_that_do_not_hold_assets_cannot_open_the_registration_form_for_writing(client, qingdao, role):
    client.force_login(make_user(qingdao, role))
    response = client.post(
        "/qingdao/assets/new/",
        {
            "kind": "invention",
            "number": "201710601862.3",
            "title": "x",
            "legal_status": "pending",
            "industry": "ai",
        },
    )
    assert response.status_code == 403


def test_bureau_runs_the_snapshot_and_watches_its_progress(
    client, qingdao, django_capture_on_commit_callbacks
):
    from ipops.models import JobRun

    make_asset(qingdao, make_org(qingdao))
    client.force_login(make_user(qingdao, "bureau_staff"))
    with django_capture_on_commit_callbacks(execute=True):  # the task is enqueued only after commit
        response = client.post("/qingdao/jobs/snapshot/")
    assert response.status_code == 302
    run = JobRun.objects.get(city=qingdao)
    assert run.status == JobRun.Status.SUCCEEDED
    assert run.rows == 1
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert 'id="job-progress"' in partial
    assert "hx-get" not in partial  # finished: the page stops polling


def test_anonymous_users_are_sent_to_login(client, qingdao):
    response = client.get("/qingdao/assets/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_apps_put_their_waiting_work_on_the_role_homes(client, qingdao):
    """Each app registers a home panel; the core home renders it for the roles it names."""
    client.force_login(make_user(qingdao, "bank"))
    bank_home = client.get("/qingdao/").content.decode()
    assert 'id="panel-pledge-queue"' in bank_home
    client.force_login(make_user(qingdao, "enterprise"))
    holder_home = client.get("/qingdao/").content.decode()
    assert 'id="panel-trading"' in holder_home
    assert 'id="panel-my-loans"' in holder_home
    client.force_login(make_user(qingdao, "bureau_staff"))
    bureau_home = client.get("/qingdao/").content.decode()
    assert 'id="panel-city-trading"' in bureau_home
    assert 'id="panel-city-pledge"' in bureau_home


def test_pages_fetch_echarts_only_where_a_chart_is_and_have_a_favicon(client, qingdao):
    login = client.get("/accounts/login/").content.decode()
    assert 'echarts.min.js"></script>' not in login  # the 1 MB library is not loaded up front
    assert 'rel="icon"' in login
    assert client.get("/favicon.ico").status_code == 301
    client.force_login(make_user(qingdao, "bureau_staff"))
    home = client.get("/qingdao/").content.decode()
    assert "data-chart=" in home and 'data-echarts="/static/vendor/echarts/echarts.min.js"' in home


def test_error_pages_are_the_products_own_in_chinese(client, qingdao, settings):
    settings.DEBUG = False
    client.force_login(make_user(qingdao, "enterprise"))
    missing = client.get("/qingdao/assets/999999/")
    assert missing.status_code == 404
    assert "不存在" in missing.content.decode() and "URLconf" not in missing.content.decode()
    unknown = client.get("/no/such/page/at/all/")
    assert unknown.status_code == 404 and "Page not found" not in unknown.content.decode()
