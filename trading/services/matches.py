"""Stored matches (智能匹配结果).

Matching a buy request ranks up to a few hundred candidates in Python: worth doing once per change,
not on every page view. Tasks keep `BuyRequestMatch` fresh; reads fall back to live matching for a
buy request whose matches were never computed. Derived data, rebuilt at will: not audited.
"""

from __future__ import annotations

from django.db.transaction import atomic
from django.utils import timezone

from ipops import outbox

from .. import search
from ..models import PUBLIC_LISTING_STATUSES, BuyRequest, BuyRequestMatch, BuyRequestStatus, Listing

#: Matches kept per buy request (pages show 20).
STORED_MATCHES = 50
#: Buy requests a newly published listing is scored against.
PROPAGATE_TO = 200


def refresh_matches_on_commit(br: BuyRequest) -> None:
    """Recompute the buy request's matches once this transaction commits (through the outbox: a broker
    outage delays the refresh, it never loses it nor fails the request)."""
    from trading.tasks import refresh_buy_request_matches

    outbox.publish(refresh_buy_request_matches, br.city_id, br.pk)


def propagate_matches_on_commit(listing: Listing) -> None:
    from trading.tasks import propagate_listing_matches

    outbox.publish(propagate_listing_matches, listing.city_id, listing.pk)


@atomic
def buy_request_matches_refresh(*, buy_request_id: int) -> int:
    """Recompute and store one buy request's matches in full. Returns how many were stored."""
    br = BuyRequest.objects.select_for_update().get(pk=buy_request_id)
    BuyRequestMatch.objects.filter(buy_request=br).delete()
    now = timezone.now()
    scored = search.match_listings(br, limit=STORED_MATCHES) if br.status == BuyRequestStatus.OPEN else []
    BuyRequestMatch.objects.bulk_create(
        [
            BuyRequestMatch(
                city_id=br.city_id,
                buy_request=br,
                listing_id=pk,
                score=match.score,
                reasons=match.reasons,
                computed_at=now,
            )
            for pk, match in scored
        ]
    )
    br.matches_computed_at = now
    br.save(update_fields=["matches_computed_at"])
    return len(scored)


@atomic
def listing_matches_propagate(*, listing_id: int) -> int:
    """A listing came on the market: store it among the matches of the open buy requests it fits."""
    listing = Listing.objects.get(pk=listing_id)
    if listing.status not in PUBLIC_LISTING_STATUSES:
        return 0
    now = timezone.now()
    rows = [
        BuyRequestMatch(
            city_id=listing.city_id,
            buy_request_id=pk,
            listing=listing,
            score=match.score,
            reasons=match.reasons,
            computed_at=now,
        )
        for pk, match in search.match_buy_requests(listing, limit=PROPAGATE_TO)
    ]
    BuyRequestMatch.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["buy_request", "listing"],
        update_fields=["score", "reasons", "computed_at"],
    )
    return len(rows)
