"""The reporting pages: the scoreboard (lagging first, flat in queries), an indicator's page, the records
behind a figure, the comparison across cities, the catalogue and statistics forms, "run now", exports."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ipops.excel import XLSX
from ipops.models import JobRun
from ipops.tenancy import city_scope
from reporting import rules
from reporting.catalogue import seed_catalogue, seed_statistics
from reporting.models import Indicator, Snapshot, Statistic
from reporting.services.rollup import rollup_city
from tests.conftest import grant, make_asset, make_user, queries_of
from tests.support import nothing_changed
from tests.trading.conftest import party

pytestmark = pytest.mark.django_db


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def seed(city):
    bureau = make_user(city, "bureau_staff", username=f"{city.slug}.bureau")
    with city_scope(city):
        seed_catalogue(city)
        seed_statistics(city)
    rollup_city(city.pk)
    return bureau


def indicator(city, code) -> Indicator:
    with city_scope(city):
        return Indicator.objects.get(code=code)


@pytest.fixture
def world(qingdao, jinan):
    bureau = seed(qingdao)
    seed(jinan)
    official = make_user(jinan, "official")
    grant(official, qingdao)
    return {
        "bureau": bureau,
        "official": official,
        "local_official": make_user(qingdao, "official"),
        "enterprise": make_user(qingdao, "enterprise"),
    }


def pages(city, pk):
    base = f"/{city.slug}/indicators/"
    return [
        base,
        f"{base}{pk}/",
        f"{base}catalogue/",
        f"{base}statistics/",
        f"{base}export.xlsx",
        f"{base}{pk}/export.xlsx",
        f"{base}statistics/export.xlsx",
    ]


def test_every_page_renders_for_the_bureau_and_officials_and_refuses_an_enterprise(qingdao, world):
    pk = indicator(qingdao, "Q-DEALS-GROWTH").pk
    for who in ("bureau", "official", "local_official"):
        c = client(world[who])
        for url in pages(qingdao, pk):
            r = c.get(url)
            assert r.status_code == 200, (who, url, r.status_code)
    c = client(world["enterprise"])
    for url in pages(qingdao, pk):
        assert c.get(url).status_code == 403, url
    assert c.post("/qingdao/indicators/run/").status_code == 403


def test_another_citys_indicator_is_not_found(qingdao, jinan, world):
    foreign = indicator(jinan, "Q-DEALS-GROWTH").pk
    c = client(world["bureau"])
    for url in (
        f"/qingdao/indicators/{foreign}/",
        f"/qingdao/indicators/{foreign}/records/?period=2026-11",
        f"/qingdao/indicators/{foreign}/edit/",
        f"/qingdao/indicators/{foreign}/export.xlsx",
    ):
        assert c.get(url).status_code == 404, url


def test_the_scoreboard_puts_the_worst_first_and_shows_figures_in_their_units(qingdao, world):
    r = client(world["official"]).get("/qingdao/indicators/")
    lines = r.context["lines"]
    order = [rules.STATUS_ORDER[line["status"]] for line in lines]
    assert order == sorted(order)
    assert {line["status"] for line in lines} & {rules.LAGGING, rules.AT_RISK}, "the demo has laggards"
    html = r.content.decode()
    assert "scoreboard.pdf" in html and 'data-chart="spark-' in html
    amount = next(line for line in lines if line["indicator"].code == "Q-TECH-AMOUNT")
    assert amount["target_plan"] == "10.00 亿元"  # 1,000,000,000 元, in the unit people read it in
    growth = next(line for line in lines if line["indicator"].code == "Q-TECH-GROWTH")
    assert growth["target_plan"] == "50%"
    assert "0.950000" not in html and "annual_growth" not in html
    filtered = client(world["official"]).get("/qingdao/indicators/?status=lagging").context["lines"]
    assert filtered and {line["status"] for line in filtered} == {rules.LAGGING}


def test_the_scoreboard_costs_the_same_few_queries_however_many_indicators(qingdao, world):
    c = client(world["bureau"])
    c.get("/qingdao/indicators/")
    with CaptureQueriesContext(connection) as ctx:
        assert c.get("/qingdao/indicators/").status_code == 200
    queries = queries_of(ctx)
    assert len(queries) <= 15, "\n".join(queries)


def test_the_indicator_page_writes_the_rule_and_links_to_the_records(qingdao, world):
    pk = indicator(qingdao, "Q-DEALS-GROWTH").pk
    r = client(world["official"]).get(f"/qingdao/indicators/{pk}/")
    html = r.content.decode()
    assert "95%" in html and "80%" in html  # the thresholds, as percentages
    assert "复合增长" in html  # the trajectory compounds
    assert f"/qingdao/indicators/{pk}/records/?period=2026-11" in html
    assert "indicator.pdf" in html and 'data-chart="chart-trajectory"' in html


def test_the_drill_down_lists_the_deals_of_the_month(qingdao, world):
    from tests.trading.test_deal_flow import _deal

    seller, buyer = (
        party(qingdao, name="青岛海纳智能装备有限公司"),
        party(qingdao, name="青岛蓝海新材料科技有限公司"),
    )
    patent = make_asset(qingdao, seller.org, title="一种动力电池热管理系统及其控制方法", ipc=("H01M 10/613",))
    _listing, tx = _deal(qingdao, seller, buyer, patent, "assignment")
    rollup_city(qingdao.pk)
    pk = indicator(qingdao, "Q-DEALS-GROWTH").pk
    r = client(world["official"]).get(f"/qingdao/indicators/{pk}/records/?period=2026-11")
    assert r.status_code == 200
    assert [row["url"] for row in r.context["rows"]] == [f"/qingdao/trading/deals/{tx}/"]
    assert "青岛蓝海新材料科技有限公司" in r.content.decode()
    empty = client(world["official"]).get(f"/qingdao/indicators/{pk}/records/?period=2026-10")
    assert empty.context["rows"] == []
    export = client(world["official"]).get(f"/qingdao/indicators/{pk}/records/export.xlsx?period=2026-11")
    assert export.status_code == 200 and export["Content-Type"] == XLSX
    reported = indicator(qingdao, "Q-PCT").pk
    assert (
        client(world["official"]).get(f"/qingdao/indicators/{reported}/records/?period=2026").status_code
        == 404
    )
    assert (
        client(world["official"]).get(f"/qingdao/indicators/{pk}/records/?period=1999-01").status_code == 404
    )


def test_an_official_of_several_cities_compares_them_and_lands_there(qingdao, jinan, world):
    c = client(world["official"])
    r = c.get("/qingdao/indicators/compare/")
    assert r.status_code == 200
    assert [city.slug for city in r.context["cities"]] == ["jinan", "qingdao"]
    line = next(line for line in r.context["lines"] if line["code"] == "Q-PCT")
    assert {cell["city"].slug for cell in line["cells"] if cell["value"]} == {"jinan", "qingdao"}
    assert c.get("/qingdao/indicators/compare/export.xlsx")["Content-Type"] == XLSX
    assert c.get("/home/").url == "/jinan/indicators/compare/"
    single = client(world["local_official"])
    assert single.get("/qingdao/indicators/compare/").status_code == 302
    assert single.get("/home/").url == "/qingdao/"
    assert client(world["enterprise"]).get("/qingdao/indicators/compare/").status_code == 403


def test_the_home_of_the_bureau_and_officials_shows_the_scoreboard_panel(qingdao, world):
    for who in ("bureau", "local_official"):
        html = client(world[who]).get("/qingdao/").content.decode()
        assert 'id="panel-scoreboard"' in html, who
    assert 'id="panel-scoreboard"' not in client(world["enterprise"]).get("/qingdao/").content.decode()


def test_the_bureau_adds_an_indicator_typed_in_ten_thousands_and_percent(qingdao, world):
    c = client(world["bureau"])
    data = {
        "code": "Q-NEW", "name": "新增指标", "kind": "annual_amount", "unit": "yuan", "direction": "higher",
        "source": "computed", "metric": "deals_amount", "target": "5000", "lagging_below": "90",
        "at_risk_below": "70", "order": "5", "active": "on", "yearly_targets": "2025: 4000",
    }  # fmt: skip
    r = c.post("/qingdao/indicators/catalogue/", data)
    assert r.status_code == 302, r.context["form"].errors
    new = indicator(qingdao, "Q-NEW")
    assert new.target == 50_000_000 and str(new.lagging_below) == "0.9000"
    assert new.yearly_targets == {"2025": "40000000"}
    r = c.post(
        f"/qingdao/indicators/{new.pk}/edit/",
        {**data, "kind": "annual_growth", "target": "25", "baseline_value": "900", "yearly_targets": ""},
    )
    assert r.status_code == 302, r.context["form"].errors
    new = indicator(qingdao, "Q-NEW")
    assert str(new.target) == "0.250000" and new.baseline_value == 9_000_000
    edit = c.get(f"/qingdao/indicators/{new.pk}/edit/")
    assert edit.context["form"].initial["target"] == "25"


def test_a_bad_indicator_changes_nothing_and_says_why_per_field(qingdao, world):
    c = client(world["bureau"])
    bad = {
        "code": "Q-BAD", "name": "坏指标", "kind": "annual_growth", "unit": "items", "source": "computed",
        "metric": "", "target": "abc", "lagging_below": "70", "at_risk_below": "90", "direction": "higher",
    }  # fmt: skip
    with city_scope(qingdao), nothing_changed(Indicator):
        r = c.post("/qingdao/indicators/catalogue/", bad)
        assert r.status_code == 400
        assert "target" in r.context["form"].errors
        r = c.post("/qingdao/indicators/catalogue/", {**bad, "target": "20"})
        assert r.status_code == 400
        assert {"metric", "at_risk_below"} <= set(r.context["form"].errors)
    official = client(world["local_official"])
    assert official.post("/qingdao/indicators/catalogue/", {**bad, "target": "20"}).status_code == 403


def test_a_correction_of_a_statistic_is_its_second_version(qingdao, world):
    c = client(world["bureau"])
    entry = {"code": "satisfaction", "year": "2023", "value": "70", "note": "调查"}
    assert c.post("/qingdao/indicators/statistics/", entry).status_code == 302
    assert c.post("/qingdao/indicators/statistics/", {**entry, "value": "71.5"}).status_code == 302
    with city_scope(qingdao):
        versions = list(
            Statistic.objects.filter(code="satisfaction", year=2023, month=None).order_by("version")
        )
    assert [(v.version, v.is_current) for v in versions][-2:] == [
        (versions[-1].version - 1, False),
        (versions[-1].version, True),
    ]
    assert versions[-1].value == 71.5
    html = c.get("/qingdao/indicators/statistics/?code=satisfaction").content.decode()
    assert f'data-version-row="{versions[-1].version}"' in html and "qingdao.bureau" in html
    with city_scope(qingdao), nothing_changed(Statistic):
        assert c.post("/qingdao/indicators/statistics/", {**entry, "value": "-1"}).status_code == 400
    assert client(world["local_official"]).post("/qingdao/indicators/statistics/", entry).status_code == 403


def test_run_now_records_a_job_and_builds_a_new_snapshot(qingdao, world, django_capture_on_commit_callbacks):
    with city_scope(qingdao):
        before = Snapshot.objects.get(is_current=True).pk
    c = client(world["bureau"])
    with django_capture_on_commit_callbacks() as callbacks:
        r = c.post("/qingdao/indicators/run/")
    assert len(callbacks) == 1
    with city_scope(qingdao):  # the eager task's return value counts the rows inside the city
        callbacks[0]()
    assert r.status_code == 302 and r.url == "/qingdao/indicators/"
    with city_scope(qingdao):
        run = JobRun.objects.get(name="indicator_rollup", city=qingdao)
        assert run.status == JobRun.Status.SUCCEEDED
        assert Snapshot.objects.get(is_current=True).pk != before
    r = c.get("/qingdao/indicators/")
    assert r.context["run"] == run and 'id="job-progress"' in r.content.decode()
    partial = c.get("/qingdao/indicators/", headers={"HX-Request": "true", "HX-Target": "job-progress"})
    assert partial["HX-Refresh"] == "true"
    assert client(world["local_official"]).post("/qingdao/indicators/run/").status_code == 403


def test_an_industry_centre_is_evaluated_against_the_national_level_this_year_and_last(qingdao, world):
    from ipops.models import OrgKind
    from tests.conftest import make_org
    from trading.models import CentreMembership, OperationsCentre

    with city_scope(qingdao):
        centre = OperationsCentre.objects.create(
            city=qingdao,
            organization=make_org(qingdao, OrgKind.SERVICE),
            name="青岛新材料产业运营中心",
            kind="industry",
        )
        for i in range(20):
            CentreMembership.objects.create(
                city=qingdao, centre=centre, organization=make_org(qingdao, name=f"成员{i}")
            )
    c = client(world["official"])
    for url in ("/qingdao/trading/centres/", f"/qingdao/trading/centres/{centre.pk}/"):
        html = c.get(url).content.decode()
        assert f'data-centre-evaluation="{centre.pk}"' in html, url
        assert 'data-year="2026" data-qualified="no"' in html and 'data-year="2025"' in html
        assert "500.00" in html and "20" in html  # the thresholds written: 500 万元, 20 members
