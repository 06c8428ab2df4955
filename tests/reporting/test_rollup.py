"""The roll-up: every period of every indicator, the atomic swap, idempotence, two runs at once, a crash
leaving the previous snapshot, and the near-real-time refresh coalesced per city."""

from __future__ import annotations

import time

import pytest
from django.db import connection, transaction

from ipops.models import JobRun
from ipops.tenancy import city_scope, scopes_disabled
from reporting import rules
from reporting.models import Indicator, IndicatorValue, PendingRefresh, Snapshot
from reporting.services import rollup
from reporting.tasks import rollup as rollup_task
from tests.support import celery_worker, race

from .conftest import complete_deal, plan_city

FIGURES = ("indicator__code", "period", "period_kind", "period_end", "actual", "target", "target_end", "progress",
           "status", "projection", "rate", "compound_rate")  # fmt: skip


def figures(city) -> list[tuple]:
    with city_scope(city):
        return list(
            IndicatorValue.objects.filter(snapshot__is_current=True)
            .order_by(*FIGURES[:2])
            .values_list(*FIGURES)
        )


def deals_plan_row(city) -> IndicatorValue:
    with city_scope(city):
        return IndicatorValue.objects.get(
            snapshot__is_current=True, indicator__code="N-DEALS-GROWTH", period="plan"
        )


@pytest.mark.django_db
def test_a_run_writes_every_period_of_every_indicator_as_one_current_snapshot(planned):
    complete_deal(planned)
    snapshot = rollup.rollup_city(planned.pk)
    with city_scope(planned):
        indicators = Indicator.objects.filter(active=True).count()
        assert Snapshot.objects.get(is_current=True) == snapshot
        assert snapshot.values.count() == indicators * (3 * 17 + 1)
        assert set(snapshot.values.values_list("status", flat=True)) - {""} <= set(rules.STATUS_ORDER)
    row = deals_plan_row(planned)
    assert row.actual == 1  # this year's one completed deal
    assert row.projection is not None


@pytest.mark.django_db
def test_the_same_inputs_give_identical_rows_and_the_old_snapshot_goes(planned):
    complete_deal(planned)
    first = rollup.rollup_city(planned.pk)
    before = figures(planned)
    second = rollup.rollup_city(planned.pk)
    assert figures(planned) == before
    with city_scope(planned):
        assert list(Snapshot.objects.values_list("pk", flat=True)) == [second.pk]
        assert not IndicatorValue.objects.filter(snapshot_id=first.pk).exists()


@pytest.mark.django_db
def test_a_run_that_fails_midway_leaves_the_previous_snapshot(planned, monkeypatch):
    previous = rollup.rollup_city(planned.pk)
    before = figures(planned)
    real = rules.evaluate
    calls = {"n": 0}

    def breaks_on_the_second_indicator(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 60:
            raise RuntimeError("statistics source unavailable")
        return real(*args, **kwargs)

    monkeypatch.setattr(rules, "evaluate", breaks_on_the_second_indicator)
    with pytest.raises(RuntimeError):
        rollup_task.delay(planned.pk).get()
    with city_scope(planned):
        assert Snapshot.objects.get(is_current=True) == previous
    assert figures(planned) == before
    assert JobRun.objects.get(name="indicator_rollup").status == JobRun.Status.FAILED


@pytest.mark.django_db(transaction=True)
def test_two_runs_of_a_city_at_once_queue_and_leave_one_whole_snapshot(qingdao):
    plan_city(qingdao)
    complete_deal(qingdao)
    first, second = race(lambda: rollup.rollup_city(qingdao.pk), lambda: rollup.rollup_city(qingdao.pk))
    assert isinstance(first, Snapshot) and isinstance(second, Snapshot)
    with city_scope(qingdao):
        current = Snapshot.objects.get(is_current=True)
        assert Snapshot.objects.count() == 1
        assert current.values.count() == Indicator.objects.filter(active=True).count() * 52
    with connection.cursor() as cursor:  # both released the city's lock
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [rollup.LOCK_NAMESPACE, qingdao.pk])
        assert cursor.fetchone()[0]
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [rollup.LOCK_NAMESPACE, qingdao.pk])


@pytest.mark.django_db
def test_a_completed_deal_refreshes_the_current_periods_after_commit(
    planned, django_capture_on_commit_callbacks
):
    rollup.rollup_city(planned.pk)
    assert deals_plan_row(planned).actual == 0
    with django_capture_on_commit_callbacks(execute=True):
        complete_deal(planned, price=rules.Decimal(800000))
    row = deals_plan_row(planned)
    assert row.actual == 1
    with city_scope(planned):
        snapshot = Snapshot.objects.get(is_current=True)
        assert snapshot.refreshed_at is not None
        amount = IndicatorValue.objects.get(snapshot=snapshot, indicator__code="Q-TECH-AMOUNT", period="plan")
        assert amount.actual == 800000
        # Only the current periods moved: last year's row is the roll-up's.
        assert (
            IndicatorValue.objects.get(
                snapshot=snapshot, indicator__code="N-DEALS-GROWTH", period="2024"
            ).as_of
            < row.as_of
        )
        assert not PendingRefresh.objects.exists()


@pytest.mark.django_db
def test_events_for_a_city_join_one_pending_refresh(planned):
    with city_scope(planned):
        assert rollup.request_refresh(planned.pk, "deals") is True
        assert rollup.request_refresh(planned.pk, "loans") is False
        assert rollup.request_refresh(planned.pk, "deals") is False
        assert sorted(rollup.take_pending(planned.pk)) == ["deals", "loans"]
        assert rollup.take_pending(planned.pk) is None
        assert rollup.request_refresh(planned.pk, "claims") is True


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_burst_of_deals_costs_one_refresh_on_a_real_worker(qingdao, settings):
    plan_city(qingdao)
    rollup.rollup_city(qingdao.pk)
    settings.REPORTING_REFRESH_DELAY = 3
    from ipops.celery import app

    with celery_worker(log_level="info") as (queue, worker):
        previous = app.conf.task_default_queue
        app.conf.task_default_queue = queue
        try:
            for _ in range(4):
                complete_deal(qingdao)
        finally:
            app.conf.task_default_queue = previous
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with scopes_disabled():
                if deals_plan_row(qingdao).actual == 4 and not PendingRefresh.objects.exists():
                    break
            assert worker.poll() is None, "the worker died"
            time.sleep(0.3)
        assert deals_plan_row(qingdao).actual == 4
        worker.terminate()
        log = worker.communicate(timeout=30)[0]
    assert log.count("reporting.tasks.refresh") >= 1
    received = [line for line in log.splitlines() if "received" in line and "reporting.tasks.refresh" in line]
    assert len(received) == 1, log


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_run_leaves_the_previous_snapshot(qingdao):
    plan_city(qingdao)
    previous = rollup.rollup_city(qingdao.pk)
    before = figures(qingdao)
    complete_deal(qingdao)  # the new run would change the figures
    with celery_worker() as (queue, worker):
        # Hold the current snapshot's row: the worker computes, writes its rows, then waits at the swap.
        with transaction.atomic():
            with city_scope(qingdao):
                list(Snapshot.objects.select_for_update().filter(is_current=True))
            rollup_task.apply_async((qingdao.pk,), queue=queue)
            deadline = time.monotonic() + 90
            waiting = False
            while time.monotonic() < deadline and not waiting:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                    waiting = cursor.fetchone()[0] > 0
                assert worker.poll() is None, "the worker died"
                time.sleep(0.2)
            assert waiting, "the run never reached the swap"
            worker.kill()
            worker.wait(timeout=20)
    with city_scope(qingdao):
        assert Snapshot.objects.get(is_current=True) == previous
        assert Snapshot.objects.count() == 1  # the killed run's snapshot was never committed
    assert figures(qingdao) == before
    with connection.cursor() as cursor:  # the dead worker's connection let go of the city's lock
        deadline = time.monotonic() + 30
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [rollup.LOCK_NAMESPACE, qingdao.pk])
            if cursor.fetchone()[0] or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [rollup.LOCK_NAMESPACE, qingdao.pk])
    assert rollup.rollup_city(qingdao.pk) != previous  # and the next run goes through
