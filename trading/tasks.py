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


@shared_task(acks_late=True, name="trading.tasks.refresh_buy_request_matches")
def refresh_buy_request_matches(city_id: int, buy_request_id: int) -> int:
    """A buy request was created or changed: store its matches."""
    with city_scope(city_id):
        return services.buy_request_matches_refresh(buy_request_id=buy_request_id)


@shared_task(acks_late=True, name="trading.tasks.propagate_listing_matches")
def propagate_listing_matches(city_id: int, listing_id: int) -> int:
    """A listing came on the market (or changed): store it among the matching buy requests' matches."""
    with city_scope(city_id):
        return services.listing_matches_propagate(listing_id=listing_id)


@shared_task(acks_late=True, name="trading.tasks.refresh_all_matches")
def refresh_all_matches(city_id: int) -> int:
    """Nightly: recompute every open buy request's matches in full (catches expiries, edits, drift)."""
    from trading.models import BuyRequest, BuyRequestStatus

    with job_run("match_refresh", city_id=city_id, task_id=refresh_all_matches.request.id or "") as progress:
        with city_scope(city_id):
            ids = list(BuyRequest.objects.filter(status=BuyRequestStatus.OPEN).values_list("pk", flat=True))
            progress.total(len(ids))
            stored = 0
            for done, pk in enumerate(ids, start=1):
                stored += services.buy_request_matches_refresh(buy_request_id=pk)
                if done % 20 == 0 or done == len(ids):
                    progress.step(done)
        progress.run.rows = len(ids)
        progress.run.result = {"buy_requests": len(ids), "matches_stored": stored}
    return len(ids)
