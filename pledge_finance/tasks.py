"""Thin tasks: a city id in, one service call inside the city's scope, a JobRun that says what it did."""

from __future__ import annotations

from celery import shared_task

from ipops import clock
from ipops.jobs import job_run
from ipops.tenancy import city_scope
from pledge_finance.services import instalments_mark_overdue


@shared_task(acks_late=True, name="pledge_finance.tasks.mark_overdue")
def mark_overdue(city_id: int, run_id: int | None = None) -> int:
    """Nightly: mark every unpaid instalment past its due date overdue (idempotent). Returns how many."""
    with (
        job_run(
            "pledge_mark_overdue", city_id=city_id, run_id=run_id, task_id=mark_overdue.request.id or ""
        ) as progress,
        city_scope(city_id),
    ):
        progress.total(1)
        marked = instalments_mark_overdue(city_id=city_id, today=clock.today())
        progress.run.rows = marked
        progress.run.result = {"marked_overdue": marked, "as_of": clock.today().isoformat()}
        progress.step(1)
    return marked
