"""Background work: a task goes through the real Redis broker to a real Celery worker."""

import time

import pytest

from ipops.models import JobRun
from ipops.tasks import registry_snapshot
from tests.conftest import make_asset, make_org
from tests.support import celery_worker


@pytest.mark.django_db
def test_eager_run_records_a_job(qingdao):
    make_asset(qingdao, make_org(qingdao))
    counts = registry_snapshot.delay(qingdao.pk).get()
    run = JobRun.objects.get(name="registry_snapshot", city=qingdao)
    assert counts["total"] == 1
    assert run.status == JobRun.Status.SUCCEEDED
    assert run.rows == 1
    assert run.result["by_kind"] == {"invention": 1}


@pytest.mark.django_db
def test_a_failing_job_records_its_error_and_re_raises(qingdao, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("statistics source unavailable")

    monkeypatch.setattr("ipops.tasks.registry_counts", broken)
    with pytest.raises(RuntimeError):
        registry_snapshot.delay(qingdao.pk).get()
    run = JobRun.objects.get(name="registry_snapshot")
    assert run.status == JobRun.Status.FAILED
    assert run.error == "RuntimeError: statistics source unavailable"


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_task_runs_on_a_real_worker_through_redis(qingdao):
    make_asset(qingdao, make_org(qingdao))
    make_asset(qingdao, make_org(qingdao))
    with celery_worker() as (queue, worker):
        result = registry_snapshot.apply_async(args=[qingdao.pk], queue=queue)
        deadline = time.monotonic() + 90
        run = None
        while time.monotonic() < deadline:
            run = JobRun.objects.filter(name="registry_snapshot", city=qingdao).first()
            if run and run.status in (JobRun.Status.SUCCEEDED, JobRun.Status.FAILED):
                break
            assert worker.poll() is None, "the worker died"
            time.sleep(0.3)
        assert run is not None, "the worker never picked the task up"
        assert run.status == JobRun.Status.SUCCEEDED, run.error
        assert run.rows == 2
        assert run.task_id == result.id


@pytest.mark.django_db
def test_every_scheduled_job_is_registered_and_runs_per_city(
    qingdao, jinan, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    from ipops.platform import beat_schedule
    from ipops.tasks import CITY_JOBS, for_every_city, task_named

    schedule = {k: e for k, e in beat_schedule().items() if e["task"] == "ipops.tasks.for_every_city"}
    assert set(beat_schedule()) - set(schedule) == {"outbox-sweep"}  # the core's own periodic entry
    assert {entry["args"][0] for entry in schedule.values()} == set(CITY_JOBS.values())
    assert all(task_named(name).name == name for name in CITY_JOBS.values())
    with django_capture_on_commit_callbacks(execute=True):  # each city's task is published after the commit
        assert for_every_city.delay("ipops.tasks.registry_snapshot").get() == 2
    assert JobRun.objects.filter(name="registry_snapshot", status=JobRun.Status.SUCCEEDED).count() == 2
    for job in CITY_JOBS:
        call_command("run_job", job, "--city", "qingdao")
