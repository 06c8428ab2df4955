"""Thin tasks: ids in, one service call, a JobRun that says what they did."""

from __future__ import annotations

from celery import shared_task

from ipops.jobs import job_run
from ipops.models import City
from ipops.tenancy import city_scope
from trading import services


@shared_task(acks_late=True, name="trading.tasks.expire_listings")
def expire_listings(city_id: int) -> int:
    """Nightly: listings past their expiry date leave the market (idempotent)."""
    with job_run("listing_expiry", city_id=city_id, task_id=expire_listings.request.id or "") as progress:
        with city_scope(city_id):
            expired = services.listing_expire_due(city=City.objects.get(pk=city_id))
        progress.run.rows = expired
        progress.run.result = {"expired": expired}
    return expired
