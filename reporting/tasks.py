"""Thin tasks: the roll-up of one city (run now, `run_job --city`), the nightly roll-up of many cities a
task (fanned out by beat, so more workers make a national run faster) and the coalesced near-real-time
refresh."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import transaction

from ipops import outbox
from ipops.jobs import finish_city_runs, job_run, start_city_runs
from reporting.documents import tasks as _document_tasks  # noqa: F401 — the worker imports <app>.tasks only
from reporting.services import rollup as service

ROLLUP_JOB = "indicator_rollup"


@shared_task(acks_late=True, name="reporting.tasks.rollup")
def rollup(city_id: int, run_id: int | None = None) -> int:
    """Rebuild one city's indicators for every period of its plan; returns the rows written."""
    with job_run(ROLLUP_JOB, city_id=city_id, run_id=run_id, task_id=rollup.request.id or "") as progress:
        service.rollup_city(city_id, progress=progress, job_id=progress.run.pk)
    return progress.run.rows


@shared_task(acks_late=True, name="reporting.tasks.rollup_many")
def rollup_many(city_ids: list[int]) -> int:
    """Rebuild a share of the cities' indicators, each source read once for all of them; each city's run
    is its own JobRun (succeeded, or failed with its error while the others go on). Returns the rows."""
    runs = start_city_runs(ROLLUP_JOB, city_ids, task_id=rollup_many.request.id or "")
    try:
        outcomes = service.rollup_cities(city_ids, job_ids={city_id: run.pk for city_id, run in runs.items()})
    except Exception as exc:  # the share's read failed: every city not written says why
        finish_city_runs(runs, {}, otherwise=exc)
        raise
    finish_city_runs(runs, outcomes)
    return sum(rows for rows in outcomes.values() if isinstance(rows, int))


@shared_task(acks_late=True, name="reporting.tasks.refresh")
def refresh(city_id: int) -> int:
    """The city's pending near-real-time refresh: claimed as it starts, so events from now on queue the
    next one. Returns the rows rewritten (0 when another task took it)."""
    topics = service.take_pending(city_id)
    if topics is None:
        return 0
    return service.refresh_city(city_id, topics)


def on_figures_changed(sender, *, city_id: int, topic: str, **kwargs) -> None:
    """`ipops.events.figures_changed` (after the publishing transaction committed): join the city's
    pending refresh, or open it and publish its one task a few seconds out, so a burst costs one refresh."""
    # One transaction: an opened pending refresh always has its task message (else later events would join
    # a refresh no task will ever take).
    with transaction.atomic():
        if service.request_refresh(city_id, topic):
            outbox.publish(refresh, city_id, countdown=settings.REPORTING_REFRESH_DELAY)
