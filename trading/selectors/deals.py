"""Negotiations, offers and deals: what a party (or a reader of the whole city) sees of them."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ipops.access import Actor
from ipops.visibility import get_visible_or_404, restrict

from ..models import (
    Negotiation,
    Offer,
    Transaction,
)

# --- negotiations and offers --------------------------------------------------------------------------


def negotiation_get(actor: Actor, pk) -> Negotiation:
    qs = Negotiation.objects.select_related("listing", "buyer", "seller", "transaction").prefetch_related(
        "offers", "messages"
    )
    return get_visible_or_404(qs, actor, pk)


def _offers() -> QuerySet[Offer]:
    return Offer.objects.select_related(
        "negotiation", "negotiation__listing", "negotiation__buyer", "negotiation__seller"
    )


def offer_queryset(actor: Actor, *, side: str = "", status: str = "") -> QuerySet[Offer]:
    qs = restrict(_offers(), actor)
    if side == "buyer":
        qs = qs.filter(negotiation__buyer_id=actor.organization_id)
    elif side == "seller":
        qs = qs.filter(negotiation__seller_id=actor.organization_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def offer_get(actor: Actor, pk) -> Offer:
    return get_visible_or_404(_offers(), actor, pk)


# --- transactions ---------------------------------------------------------------------------------------


def transaction_queryset(
    actor: Actor, *, status: str = "", deal_type: str = "", year: int | None = None, mine: bool = False
) -> QuerySet[Transaction]:
    qs = Transaction.objects.restrict(actor).select_related("listing", "buyer", "seller")
    if mine:
        org = actor.organization_id
        qs = qs.filter(Q(buyer_id=org) | Q(seller_id=org)) if org else qs.none()
    if status:
        qs = qs.filter(status=status)
    if deal_type:
        qs = qs.filter(deal_type=deal_type)
    if year:
        qs = qs.filter(created_at__year=year)
    return qs.order_by("-created_at", "-id")


def transaction_get(actor: Actor, pk) -> Transaction:
    return get_visible_or_404(Transaction.objects.select_related("listing", "buyer", "seller"), actor, pk)
