"""What several marketplace services share: the consequences one entity's step has for the listing's other
negotiations, and holding a listing's assets in the registry while a step asks whether they can still go."""

from __future__ import annotations

from ipops.access import Actor
from ipops.errors import PermissionDenied
from ipops.models import IPAsset
from ipops.services import registry

from ..lifecycles import LISTING, NEGOTIATION, OFFER
from ..models import (
    Listing,
    ListingStatus,
    Negotiation,
    NegotiationStatus,
    Offer,
    OfferStatus,
    Transaction,
    TransactionStatus,
)


def close_pending_offer(negotiation: Negotiation, *, actor: Actor | None) -> None:
    """The negotiation ends: its offer awaiting an answer (at most one) closes with it."""
    pending = Offer.objects.select_for_update().filter(negotiation=negotiation, status=OfferStatus.PENDING)
    for offer in pending:
        offer.negotiation = negotiation
        OFFER.apply(offer, "close", actor=actor)


def close_negotiations(
    listing: Listing, *, reason: str, except_pk: int | None = None, actor: Actor | None = None
) -> int:
    """Close every open negotiation of the (locked) listing but one, and their pending offers.

    A consequence of the step the actor took on the listing, so the parties' own permission to
    close a negotiation is not asked for (`system=True`); the audit names the actor.
    """
    open_ = Negotiation.objects.select_for_update().filter(listing=listing, status=NegotiationStatus.OPEN)
    if except_pk is not None:
        open_ = open_.exclude(pk=except_pk)
    negotiations = list(open_.order_by("pk"))
    for negotiation in negotiations:
        close_pending_offer(negotiation, actor=actor)
        negotiation.closed_reason = reason
        NEGOTIATION.apply(
            negotiation, "close", actor=actor, reason=reason, update_fields=["closed_reason"], system=True
        )
    return len(negotiations)


def reopen_if_idle(listing: Listing, *, actor: Actor | None) -> None:
    """Back to `published` when no negotiation is open and no deal runs (the listing row is locked)."""
    if listing.status != ListingStatus.NEGOTIATING:
        return
    busy = (
        Negotiation.objects.filter(listing=listing, status=NegotiationStatus.OPEN).exists()
        or Transaction.objects.filter(listing=listing, status=TransactionStatus.OPEN).exists()
    )
    if not busy:
        LISTING.apply(listing, "reopen", actor=actor)


def organization_of(actor: Actor) -> int:
    """The organisation the actor acts for: every role that writes in the marketplace acts for one."""
    if actor.organization_id is None:
        raise PermissionDenied()
    return actor.organization_id


def hold_assets(listing: Listing) -> list[IPAsset]:
    """Lock the listing's assets (the registry's lock, in id order) before asking whether they can still go:
    a pledge of the same asset (`registry.encumbrance_add` takes the same locks) is then decided before
    or after this step, never in between. Lock order: listing → negotiation → offer → assets."""
    return registry.lock_assets(listing.listing_assets.values_list("asset_id", flat=True))
