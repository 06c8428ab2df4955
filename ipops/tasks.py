"""Thin tasks: ids in, one service call, a JobRun that says what they did."""

from __future__ import annotations

from celery import shared_task

from ipops.jobs import job_run
from ipops.models import City
from ipops.services.stats import registry_counts


@shared_task(acks_late=True, name="ipops.tasks.registry_snapshot")
def registry_snapshot(city_id: int, run_id: int | None = None) -> dict:
    """Snapshot one city's registry counts into a JobRun (idempotent: it only reads and records)."""
    with job_run("registry_snapshot", city_id=city_id, run_id=run_id,
                 task_id=registry_snapshot.request.id or "") as progress:
        progress.total(1)
        counts = registry_counts(city_id=city_id)
        progress.run.rows = counts["total"]
        progress.run.result = counts
        progress.step(1)
    return counts


@shared_task(acks_late=True, name="ipops.tasks.nightly_heartbeat")
def nightly_heartbeat() -> int:
    """Nightly: snapshot every active city. Each city is its own task, so one failure stays local."""
    ids = list(City.objects.filter(is_active=True).values_list("pk", flat=True))
    for city_id in ids:
        registry_snapshot.delay(city_id)
    return len(ids)
