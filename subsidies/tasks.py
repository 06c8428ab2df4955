"""Thin tasks: a city id in, one service call inside the city's scope, a JobRun that says what it did."""

from __future__ import annotations

from celery import shared_task

from ipops import clock
from ipops.jobs import job_run
from ipops.tenancy import city_scope
from subsidies.services import automatic_run, notices_advance


@shared_task(acks_late=True, name="subsidies.tasks.nightly")
def nightly(city_id: int, run_id: int | None = None) -> dict:
    """Nightly: awards whose public notice ended without objection become payable, then the automatic
    policies' entitlements are filled in as claims (免申即享). Both idempotent."""
    with (
        job_run(
            "subsidies_nightly", city_id=city_id, run_id=run_id, task_id=nightly.request.id or ""
        ) as progress,
        city_scope(city_id),
    ):
        progress.total(2)
        payable = notices_advance(city=city_id, today=clock.today())
        progress.step(1)
        created = automatic_run(city=city_id)
        progress.step(1)
        result = {"payable": payable, "automatic_claims": created, "as_of": clock.today().isoformat()}
        progress.run.rows = payable + created
        progress.run.result = result
    return result
