"""The reporting API: indicators with their plan figures, the series, the records behind a figure,
statistics, and the snapshot with its run-now, as the bureau, an official and an enterprise (refused)."""

from __future__ import annotations

import datetime

import pytest

from ipops import clock
from ipops.models import JobRun, OrgKind
from ipops.tenancy import city_scope
from reporting.catalogue import seed_catalogue, seed_statistics
from reporting.models import Indicator, IndicatorValue, Snapshot, Statistic
from reporting.services.rollup import rollup_city
from tests.conftest import api, make_asset, make_org, make_user
from tests.support import nothing_changed

pytestmark = pytest.mark.django_db
BASE = "/api/v1/qingdao"


@pytest.fixture
def people(qingdao):
    """The bureau (named as the demo names it: the demo statistics are entered by it), an official and an
    enterprise, in a city with its catalogue, three years of statistics and a snapshot."""
    bureau = make_user(qingdao, "bureau_staff", username="qingdao.bureau")
    official = make_user(qingdao, "official")
    enterprise = make_user(qingdao, "enterprise")
    with city_scope(qingdao):
        seed_catalogue(qingdao)
        seed_statistics(qingdao)
    rollup_city(qingdao.pk)
    return {"bureau": bureau, "official": official, "enterprise": enterprise}


def _first(qingdao, **filters) -> Indicator:
    with city_scope(qingdao):
        return Indicator.objects.filter(**filters).order_by("pk").first()


@pytest.mark.parametrize("role", ["bureau", "official"])
def test_readers_list_the_indicators_with_their_plan_figures(people, role):
    answer = api(people[role]).get(f"{BASE}/indicators/", {"page_size": 200})
    assert answer.status_code == 200
    rows = answer.json()["results"]
    assert len(rows) == answer.json()["count"] > 10
    row = rows[0]
    assert {"actual", "target", "target_end", "progress", "status", "projection", "rate", "as_of"} <= set(row)
    assert row["status"] in {"lagging", "at_risk", "on_track", "met", "no_data"}
    # Lagging first (the scoreboard's order).
    order = {"at_risk": 0, "lagging": 1}
    assert [order.get(r["status"], 9) for r in rows] == sorted(order.get(r["status"], 9) for r in rows)


def test_an_enterprise_is_refused_everywhere(people, qingdao):
    client = api(people["enterprise"])
    pk = _first(qingdao).pk
    for url in (
        "/indicators/",
        f"/indicators/{pk}/",
        f"/indicators/{pk}/series/",
        f"/indicators/{pk}/records/",
        "/statistics/",
        "/snapshot/",
    ):
        answer = client.get(f"{BASE}{url}")
        assert answer.status_code == 403, url
        assert answer.json()["code"] == "role_not_allowed"
    assert client.post(f"{BASE}/snapshot/").status_code == 403


def test_the_detail_has_the_definition_and_the_plan_row(people, qingdao):
    indicator = _first(qingdao, kind="annual_growth")
    for role in ("bureau", "official"):
        body = api(people[role]).get(f"{BASE}/indicators/{indicator.pk}/").json()
        assert body["code"] == indicator.code
        assert body["kind"] == "annual_growth"
        assert body["plan"] is not None and "projection" in body["plan"]


def test_another_citys_indicator_is_not_found(people, jinan):
    with city_scope(jinan):
        seed_catalogue(jinan)
        foreign = Indicator.objects.order_by("pk").first()
    client = api(people["bureau"])
    for url in (f"/indicators/{foreign.pk}/", f"/indicators/{foreign.pk}/series/"):
        answer = client.get(f"{BASE}{url}")
        assert answer.status_code == 404 and answer.json()["code"] == "indicator_not_found"
    answer = client.patch(f"{BASE}/indicators/{foreign.pk}/", {"name": "x"}, format="json")
    assert answer.status_code == 404


def test_the_bureau_creates_and_changes_an_indicator_the_official_cannot(people, qingdao):
    body = {
        "code": "T-PATENTS",
        "name": "平台有效发明专利",
        "unit": "items",
        "kind": "cumulative",
        "target": "100",
        "source": "computed",
        "metric": "registry_inventions",
    }
    assert api(people["official"]).post(f"{BASE}/indicators/", body, format="json").status_code == 403
    answer = api(people["bureau"]).post(f"{BASE}/indicators/", body, format="json")
    assert answer.status_code == 201, answer.json()
    created = answer.json()
    assert created["code"] == "T-PATENTS" and created["plan"] is None  # figures come with the next roll-up
    changed = api(people["bureau"]).patch(
        f"{BASE}/indicators/{created['id']}/", {"target": "120", "lagging_below": "0.9"}, format="json"
    )
    assert changed.status_code == 200
    assert changed.json()["target"] == "120.000000" and changed.json()["lagging_below"] == "0.900000"
    assert changed.json()["name"] == "平台有效发明专利"  # untouched
    again = api(people["bureau"]).post(f"{BASE}/indicators/", body, format="json")
    assert again.status_code == 409 and again.json()["code"] == "indicator_code_taken"


def test_an_invalid_indicator_is_refused_with_its_codes_and_nothing_is_written(people, qingdao):
    body = {
        "code": "T-BAD",
        "name": "增长",
        "unit": "items",
        "kind": "stock_ratio",
        "target": "5",
        "source": "computed",
        "metric": "no_such_metric",
    }
    with city_scope(qingdao), nothing_changed(Indicator):
        answer = api(people["bureau"]).post(f"{BASE}/indicators/", body, format="json")
    assert answer.status_code == 400
    error = answer.json()
    assert {"code", "detail", "fields"} <= set(error)
    assert error["fields"]["metric"][0]["code"] == "unknown_metric"
    assert error["fields"]["denominator"][0]["code"] == "denominator_required"
    with city_scope(qingdao), nothing_changed(Indicator):
        nonsense = api(people["bureau"]).post(f"{BASE}/indicators/", {"target": "many"}, format="json")
    assert nonsense.status_code == 400 and "target" in nonsense.json()["fields"]


def test_the_series_lists_every_period_and_filters_by_kind(people, qingdao):
    indicator = _first(qingdao, kind="annual_growth")
    client = api(people["official"])
    url = f"{BASE}/indicators/{indicator.pk}/series/"
    every = client.get(url, {"page_size": 200}).json()
    with city_scope(qingdao):
        stored = IndicatorValue.objects.filter(indicator=indicator, snapshot__is_current=True).count()
    assert every["count"] == stored
    years = client.get(url, {"kind": "year", "page_size": 200}).json()
    assert years["count"] == 3 and {r["period_kind"] for r in years["results"]} == {"year"}
    plan = client.get(url, {"kind": "plan"}).json()["results"]
    assert [r["period"] for r in plan] == ["plan"]
    months = client.get(url, {"kind": "month", "page_size": 200}).json()["results"]
    assert [r["period_end"] for r in months] == sorted(r["period_end"] for r in months)
    bad = client.get(url, {"kind": "decade"})
    assert bad.status_code == 400 and "kind" in bad.json()["fields"]


def test_the_records_behind_a_computed_figure(people, qingdao):
    with city_scope(qingdao):
        owner = make_org(qingdao, OrgKind.ENTERPRISE, name="青岛海洋科技有限公司")
        make_asset(
            qingdao,
            owner,
            number="202410000001.1",
            filing_date=datetime.date(2023, 1, 1),
            grant_date=datetime.date(2025, 3, 5),
        )
    body = {
        "code": "T-PATENTS",
        "name": "平台有效发明专利",
        "unit": "items",
        "kind": "cumulative",
        "target": "100",
        "source": "computed",
        "metric": "registry_inventions",
    }
    pk = api(people["bureau"]).post(f"{BASE}/indicators/", body, format="json").json()["id"]
    client = api(people["official"])
    march = client.get(f"{BASE}/indicators/{pk}/records/", {"period": "2025-03"}).json()
    assert march["count"] == 1
    (record,) = march["results"]
    assert record["type"] == "asset" and record["party"] == "青岛海洋科技有限公司"
    assert record["date"] == "2025-03-05" and record["amount"] is None
    assert client.get(f"{BASE}/indicators/{pk}/records/", {"period": "2025-04"}).json()["count"] == 0
    assert client.get(f"{BASE}/indicators/{pk}/records/").json()["count"] == 1  # the plan by default
    outside = client.get(f"{BASE}/indicators/{pk}/records/", {"period": "1999"})
    assert outside.status_code == 404 and outside.json()["code"] == "invalid_period"
    reported = _first(qingdao, source="reported")
    assert client.get(f"{BASE}/indicators/{reported.pk}/records/").status_code == 404


def test_statistics_current_and_history(people, qingdao):
    bureau = api(people["bureau"])
    year = clock.today().year - 1
    first = bureau.post(
        f"{BASE}/statistics/", {"code": "satisfaction", "year": year, "value": "80.5"}, format="json"
    )
    assert first.status_code == 201, first.json()
    second = bureau.post(
        f"{BASE}/statistics/", {"code": "satisfaction", "year": year, "value": "81"}, format="json"
    )
    assert second.json()["version"] == first.json()["version"] + 1
    official = api(people["official"])
    current = official.get(f"{BASE}/statistics/", {"code": "satisfaction", "page_size": 200}).json()[
        "results"
    ]
    this_year = [r for r in current if r["year"] == year and r["month"] is None]
    assert [r["value"] for r in this_year] == ["81.000000"]
    history = official.get(
        f"{BASE}/statistics/", {"code": "satisfaction", "history": "1", "page_size": 200}
    ).json()["results"]
    versions = sorted(r["version"] for r in history if r["year"] == year and r["month"] is None)
    assert versions[-2:] == [versions[-1] - 1, versions[-1]]
    assert all(r["entered_by"] == "qingdao.bureau" for r in history)
    refused = api(people["official"]).post(
        f"{BASE}/statistics/", {"code": "satisfaction", "year": year, "value": "1"}, format="json"
    )
    assert refused.status_code == 403


def test_an_invalid_statistic_is_refused_and_nothing_is_written(people, qingdao):
    with city_scope(qingdao), nothing_changed(Statistic):
        answer = api(people["bureau"]).post(
            f"{BASE}/statistics/", {"code": "satisfaction", "year": 1900, "value": "-1"}, format="json"
        )
    assert answer.status_code == 400
    fields = answer.json()["fields"]
    assert fields["year"] and fields["value"][0]["code"] == "negative_value"


def test_the_snapshot_and_run_now(people, qingdao, django_capture_on_commit_callbacks):
    official = api(people["official"])
    state = official.get(f"{BASE}/snapshot/").json()
    assert state["built_at"] and state["as_of"] and state["run"] is None
    assert official.post(f"{BASE}/snapshot/").status_code == 403
    with city_scope(qingdao):
        Snapshot.objects.all().delete()
    assert official.get(f"{BASE}/snapshot/").json()["built_at"] is None
    with django_capture_on_commit_callbacks(execute=True):  # the task is published on commit
        answer = api(people["bureau"]).post(f"{BASE}/snapshot/")
    assert answer.status_code == 202
    run = answer.json()
    assert run["name"] == "indicator_rollup"
    with city_scope(qingdao):
        assert Snapshot.objects.filter(is_current=True).count() == 1
        assert JobRun.objects.get(pk=run["id"]).status == JobRun.Status.SUCCEEDED
    state = official.get(f"{BASE}/snapshot/").json()
    assert state["built_at"] is not None
    assert state["run"]["id"] == run["id"] and state["run"]["status"] == "succeeded"
    assert state["run"]["percent"] == 100
