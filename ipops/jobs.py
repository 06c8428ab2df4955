"""Job runs: every scheduled or long job records itself, so the UI shows progress and the last success."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

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
