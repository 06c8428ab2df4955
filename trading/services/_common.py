"""What several marketplace services share: the registry action a deal type needs, and the
consequences one entity's step has for the listing's other negotiations."""

from __future__ import annotations

from ipops.access import Actor
from ipops.errors import PermissionDenied

from ..lifecycles import LISTING, NEGOTIATION, OFFER
from ..models import (
    DealType,
    Listing,
    ListingStatus,
    Negotiation,
    NegotiationStatus,
    Offer,
    OfferStatus,
    Transaction,
    TransactionStatus,
)

#: Deal type → the registry action an asset must be free for (a pledge disposal sells the pledge itself).
REGISTRY_ACTION: dict[str, str] = {
    DealType.ASSIGNMENT: "assign",
    DealType.EXCLUSIVE_LICENCE: "exclusive_licence",
    DealType.SOLE_LICENCE: "sole_licence",
    DealType.NON_EXCLUSIVE_LICENCE: "non_exclusive_licence",
}


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
