"""Job runs: every scheduled or long job records itself, so the UI shows progress and the last success."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator, Mapping

from django.db import transaction
from django.utils import timezone

from ipops.models import JobRun

logger = logging.getLogger(__name__)


class JobProgress:
    def __init__(self, run: JobRun):
        self.run = run

    def total(self, n: int) -> None:
        JobRun.objects.filter(pk=self.run.pk).update(progress_total=n)

    def step(self, done: int) -> None:
        # Written outside the job's own transaction (autocommit) so pages see it live.
        JobRun.objects.filter(pk=self.run.pk).update(progress_done=done)


@contextlib.contextmanager
def job_run(
    name: str, *, city_id: int | None = None, task_id: str = "", run_id: int | None = None
) -> Iterator[JobProgress]:
    """Record a run: running → succeeded (with rows/result) or failed (with the error), re-raising."""
    if run_id:
        run = JobRun.objects.get(pk=run_id)
    else:
        run = JobRun.objects.create(name=name, city_id=city_id, task_id=task_id)
    JobRun.objects.filter(pk=run.pk).update(
        status=JobRun.Status.RUNNING, started_at=timezone.now(), task_id=task_id or run.task_id
    )
    progress = JobProgress(run)
    try:
        yield progress
    except Exception as exc:
        logger.exception("job %s (city %s) failed", name, city_id)
        with transaction.atomic():
            JobRun.objects.filter(pk=run.pk).update(
                status=JobRun.Status.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"
            )
        raise
    JobRun.objects.filter(pk=run.pk).update(
        status=JobRun.Status.SUCCEEDED, finished_at=timezone.now(), rows=run.rows, result=run.result
    )


def start_city_runs(name: str, city_ids: Iterable[int], *, task_id: str = "") -> dict[int, JobRun]:
    """One running JobRun per city, for a task that does many cities at once (one INSERT), so each city's
    pages show its own run as they do for a task per city."""
    now = timezone.now()
    runs = JobRun.objects.bulk_create(
        JobRun(name=name, city_id=city_id, task_id=task_id, status=JobRun.Status.RUNNING, started_at=now)
        for city_id in city_ids
    )
    return {run.city_id: run for run in runs if run.city_id is not None}


def finish_city_runs(
    runs: Mapping[int, JobRun],
    outcomes: Mapping[int, int | BaseException],
    *,
    otherwise: BaseException | None = None,
) -> None:
    """Each city's run: succeeded with the rows it wrote, or failed with its error (`otherwise` for a city
    with no outcome: the error that stopped the task before it)."""
    now = timezone.now()
    for city_id, run in runs.items():
        outcome = outcomes.get(city_id, otherwise)
        if isinstance(outcome, int):
            run.status, run.rows = JobRun.Status.SUCCEEDED, outcome
        else:
            run.status = JobRun.Status.FAILED
            run.error = f"{type(outcome).__name__}: {outcome}" if outcome else "not run"
        run.finished_at = now
    JobRun.objects.bulk_update(list(runs.values()), ["status", "rows", "error", "finished_at"])
