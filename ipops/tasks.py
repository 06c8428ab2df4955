"""Thin tasks: ids in, one service call, a JobRun that says what they did."""

from __future__ import annotations

import importlib

from celery import current_app, shared_task
from celery.schedules import crontab
from django.db import transaction

from ipops import outbox
from ipops.jobs import job_run
from ipops.models import City
from ipops.platform import CityJob
from ipops.services.stats import registry_counts


@shared_task(acks_late=True, name="ipops.tasks.registry_snapshot")
def registry_snapshot(city_id: int, run_id: int | None = None) -> dict:
    """Snapshot one city's registry counts into a JobRun (idempotent: it only reads and records)."""
    with job_run(
        "registry_snapshot", city_id=city_id, run_id=run_id, task_id=registry_snapshot.request.id or ""
    ) as progress:
        progress.total(1)
        counts = registry_counts(city_id=city_id)
        progress.run.rows = counts["total"]
        progress.run.result = counts
        progress.step(1)
    return counts


#: The core's own per-city jobs; apps declare theirs in `PlatformApp.city_jobs()`.
CORE_CITY_JOBS = [CityJob("registry_snapshot", "ipops.tasks.registry_snapshot", crontab(hour=1, minute=30))]

#: Per-city jobs `manage.py run_job` can run now (filled from every app's config at ready()).
CITY_JOBS: dict[str, str] = {job.name: job.task for job in CORE_CITY_JOBS}
#: Those that also have a task for many cities at once (`CityJob.many`): its name and cities per task.
MANY_CITY_TASKS: dict[str, tuple[str, int]] = {}


def register_city_job(name: str, task_name: str, *, many: str = "", per_task: int = 1) -> None:
    CITY_JOBS[name] = task_name
    if many:
        MANY_CITY_TASKS[name] = (many, per_task)


def in_shares(ids: list[int], per_task: int) -> list[list[int]]:
    return [ids[i : i + per_task] for i in range(0, len(ids), max(per_task, 1))]


def task_named(task_name: str):
    """The task registered under `task_name`, importing its module first (workers import task modules
    at start; a management command or a test process may not have yet)."""
    importlib.import_module(task_name.rsplit(".", 1)[0])
    return current_app.tasks[task_name]


@shared_task(acks_late=True, name="ipops.tasks.for_every_city")
def for_every_city(task_name: str, many: str = "", per_task: int = 1) -> int:
    """Beat entry for a per-city job: one task per active city, so one city's failure stays its own; or,
    for a job with a task for many cities (`many`), one task per `per_task` cities, which records each
    city's run and failure as its own. Returns the cities."""
    ids = list(City.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    with transaction.atomic():  # every message, or none (a retried fan-out starts over)
        if many:
            for share in in_shares(ids, per_task):
                outbox.publish(task_named(many), share)
        else:
            task = task_named(task_name)
            for city_id in ids:
                outbox.publish(task, city_id)
    return len(ids)


@shared_task(name="ipops.tasks.outbox_sweep", ignore_result=True)
def outbox_sweep() -> int:
    """Beat, every minute: send the tasks a broker outage left in the outbox; forget those sent a week ago."""
    sent = outbox.sweep()
    outbox.purge_sent()
    return sent
