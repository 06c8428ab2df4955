"""The nightly roll-up of many cities at once (`rollup_cities`): each source read once for all of them,
the same rows as each city on its own, a city whose figures moved on after the read rebuilt from its own,
one city's failure its own, and the fan-out in shares of cities."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ipops import clock
from ipops.models import City, JobRun
from ipops.tasks import for_every_city
from ipops.tenancy import city_scope, scopes_disabled
from reporting.models import Indicator, Snapshot
from reporting.services import rollup
from reporting.sources import CitySources
from reporting.tasks import rollup_many

from .conftest import complete_deal, plan_city
from .test_rollup import deals_plan_row, figures


@pytest.fixture
def two_plans(qingdao, jinan):
    """Two cities with different windows: Jinan's plan starts a year later and one indicator's baseline
    reaches back to 2021, so neither city's window is the other's."""
    plan_city(qingdao)
    plan_city(jinan)
    City.objects.filter(pk=jinan.pk).update(plan_start_year=qingdao.plan_start_year + 1)
    jinan.refresh_from_db()
    with city_scope(qingdao):
        Indicator.objects.filter(code="N-DEALS-GROWTH").update(baseline_year=2021)
    complete_deal(qingdao)
    complete_deal(jinan)
    return qingdao, jinan


@pytest.mark.django_db
def test_many_cities_at_once_give_the_rows_each_city_gives_on_its_own(two_plans):
    qingdao, jinan = two_plans
    rollup.rollup_city(qingdao.pk)
    rollup.rollup_city(jinan.pk)
    alone = {city.pk: figures(city) for city in two_plans}
    assert alone[qingdao.pk] != alone[jinan.pk]

    outcomes = rollup.rollup_cities([qingdao.pk, jinan.pk])

    assert outcomes == {city.pk: len(alone[city.pk]) for city in two_plans}
    assert {city.pk: figures(city) for city in two_plans} == alone
    for city in two_plans:
        with city_scope(city):
            assert Snapshot.objects.filter(is_current=True).count() == Snapshot.objects.count() == 1
    assert deals_plan_row(qingdao).actual == deals_plan_row(jinan).actual == 1


@pytest.mark.django_db
def test_the_read_costs_the_same_queries_for_one_city_as_for_many(two_plans, zhengzhou):
    plan_city(zhengzhou)
    cities = [*two_plans, zhengzhou]

    def read(some) -> int:
        with scopes_disabled():
            windows = {city: rollup._window(city, [], clock.today()) for city in some}
            with CaptureQueriesContext(connection) as queries:
                CitySources.read_together(windows)
        return len(queries)

    assert read(cities[:1]) == read(cities)


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["refreshed", "pending", "rebuilt"])
def test_a_city_whose_figures_moved_on_after_the_read_is_rebuilt_from_its_own_read(
    two_plans, monkeypatch, change
):
    qingdao, jinan = two_plans
    rollup.rollup_city(qingdao.pk)
    real = CitySources.read_together

    def a_deal_lands_after_the_read(windows):
        read = real(windows)
        complete_deal(qingdao)
        if change == "refreshed":
            rollup.refresh_city(qingdao.pk, ["deals"])
        elif change == "pending":
            with city_scope(qingdao):
                rollup.request_refresh(qingdao.pk, "deals")
        else:
            rollup.rollup_city(qingdao.pk)
        return read

    monkeypatch.setattr(CitySources, "read_together", staticmethod(a_deal_lands_after_the_read))
    rollup.rollup_cities([qingdao.pk, jinan.pk])

    assert deals_plan_row(qingdao).actual == 2  # not the read's 1
    assert deals_plan_row(jinan).actual == 1


@pytest.mark.django_db
def test_one_city_failing_keeps_its_snapshot_and_the_others_go_on(two_plans, monkeypatch):
    qingdao, jinan = two_plans
    previous = rollup.rollup_city(jinan.pk)
    before = figures(jinan)
    real = rollup._swap

    def jinan_breaks(city, rows, **kwargs):
        if city.pk == jinan.pk:
            raise RuntimeError("disk full")
        return real(city, rows, **kwargs)

    monkeypatch.setattr(rollup, "_swap", jinan_breaks)
    assert rollup_many.delay([qingdao.pk, jinan.pk]).get() == len(figures(qingdao)) > 0

    runs = {
        run.city_id: run for run in JobRun.objects.filter(name="indicator_rollup").exclude(started_at=None)
    }
    assert runs[qingdao.pk].status == JobRun.Status.SUCCEEDED
    assert runs[qingdao.pk].rows == len(figures(qingdao))
    assert runs[jinan.pk].status == JobRun.Status.FAILED
    assert runs[jinan.pk].error == "RuntimeError: disk full"
    with city_scope(jinan):
        assert Snapshot.objects.get(is_current=True) == previous
    assert figures(jinan) == before


@pytest.mark.django_db
def test_the_nightly_fan_out_gives_each_task_a_share_of_the_cities(
    two_plans, zhengzhou, django_capture_on_commit_callbacks, monkeypatch
):
    plan_city(zhengzhou)
    shares = []
    real = rollup.rollup_cities
    monkeypatch.setattr(
        rollup, "rollup_cities", lambda ids, **kw: shares.append(list(ids)) or real(ids, **kw)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert for_every_city.delay("reporting.tasks.rollup", "reporting.tasks.rollup_many", 2).get() == 3
    active = sorted(City.objects.filter(is_active=True).values_list("pk", flat=True))
    assert shares == [active[:2], active[2:]]
    for city in (*two_plans, zhengzhou):
        with city_scope(city):
            assert Snapshot.objects.filter(is_current=True).exists()
        assert JobRun.objects.get(name="indicator_rollup", city=city).status == JobRun.Status.SUCCEEDED
