"""The nightly roll-up of many cities at once (`rollup_cities`): each source read once for all of them,
the same rows as each city on its own, a refresh or run of a city during the read waiting for it (so the
night never writes older figures over newer ones), one city's failure its own, and the fan-out in shares
of cities."""

from __future__ import annotations

import threading

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


@pytest.mark.django_db(transaction=True)
def test_a_share_read_a_part_at_a_time_by_a_second_connection_gives_the_same_rows(
    qingdao, jinan, zhengzhou, monkeypatch
):
    cities = [plan_city(qingdao), plan_city(jinan), plan_city(zhengzhou)]
    for city in cities:
        complete_deal(city)
        rollup.rollup_city(city.pk)
    alone = {city.pk: figures(city) for city in cities}
    readers: list[str] = []
    real = rollup._read

    def noted(part, windows):
        readers.append(threading.current_thread().name)
        return real(part, windows)

    monkeypatch.setattr(rollup, "READ_PART", 1)
    monkeypatch.setattr(rollup, "_read", noted)
    outcomes = rollup.rollup_cities([city.pk for city in cities])

    assert outcomes == {pk: len(rows) for pk, rows in alone.items()}
    assert {city.pk: figures(city) for city in cities} == alone
    assert len(readers) == 3 and all(name.startswith("rollup-read") for name in readers)


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


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("other", ["refresh", "run"])
def test_a_refresh_or_run_during_the_read_waits_for_its_city_and_keeps_the_newer_figures(
    qingdao, jinan, monkeypatch, other
):
    plan_city(qingdao)
    plan_city(jinan)
    complete_deal(qingdao)
    rollup.rollup_city(qingdao.pk)
    real = CitySources.read_together
    finished = threading.Event()
    crashes: list[BaseException] = []

    def a_deal_then_a_refresh() -> None:  # in its own thread and connection, as a worker would
        try:
            complete_deal(qingdao)
            if other == "refresh":
                rollup.refresh_city(qingdao.pk, ["deals"])
            else:
                rollup.rollup_city(qingdao.pk)
        except BaseException as exc:  # noqa: BLE001 - handed to the test below
            crashes.append(exc)
        finally:
            finished.set()
            connection.close()

    def read_then_a_deal_lands(windows):
        read = real(windows)
        worker = threading.Thread(target=a_deal_then_a_refresh)
        worker.start()
        # The deal commits; its refresh waits for the city the run holds.
        assert not finished.wait(timeout=3)
        return read

    monkeypatch.setattr(CitySources, "read_together", staticmethod(read_then_a_deal_lands))
    outcomes = rollup.rollup_cities([qingdao.pk, jinan.pk])
    assert finished.wait(timeout=60) and not crashes, crashes

    assert all(isinstance(rows, int) for rows in outcomes.values())
    assert deals_plan_row(qingdao).actual == 2  # the refresh ran after the swap, on both deals
    with connection.cursor() as cursor:  # every city's lock was released
        for city in (qingdao, jinan):
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [rollup.LOCK_NAMESPACE, city.pk])
            assert cursor.fetchone()[0]
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [rollup.LOCK_NAMESPACE, city.pk])


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


@pytest.mark.django_db
def test_the_array_literals_the_snapshot_is_written_with_read_back_exactly():
    import datetime
    from decimal import Decimal

    numbers = [
        Decimal("1.500000"),
        None,
        Decimal("1E+3"),
        Decimal("-0.000001"),
        Decimal("123456789012345678.123456"),
    ]
    days = [datetime.date(2024, 2, 29), None]
    texts = ["2025-Q1", "", 'say "hi"', "back\\slash", "逗号,空格 ", None]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT %s::numeric[], %s::date[], %s::text[]",
            [
                rollup._array_literal(numbers, quoted=False),
                rollup._array_literal(days, quoted=False),
                rollup._array_literal(texts, quoted=True),
            ],
        )
        assert cursor.fetchone() == (numbers, days, texts)
