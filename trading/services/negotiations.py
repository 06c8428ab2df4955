"""Negotiations (磋商): offers, counter-offers, answers and messages, up to the deal an accepted offer opens.

Lock order: listing → negotiation → offer (→ transaction → assets). Two buyers accepting at the same
moment queue on the listing row; the second finds the listing taken and gets 409.
"""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from django.db import IntegrityError
from django.db.transaction import atomic
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ipops import audit, validators
from ipops.access import Actor
from ipops.errors import FieldErrors
from ipops.services import registry

from ..availability import REGISTRY_ACTION
from ..errors import ListingTaken, NegotiationNotFound, NotOwnOffer, OfferPending, OwnOffer, TradingErrorCode
from ..lifecycles import LISTING, NEGOTIATION, OFFER
from ..models import (
    LICENCE_DEAL_TYPES,
    DealType,
    Listing,
    ListingStatus,
    Message,
    Negotiation,
    NegotiationStatus,
    Offer,
    OfferSide,
    OfferStatus,
    Transaction,
)
from ._common import close_negotiations, close_pending_offer, hold_assets, organization_of, reopen_if_idle


def _side(actor: Actor, negotiation: Negotiation) -> str:
    """The actor's side; a negotiation the actor is no party to does not exist for them to act in."""
    if actor.organization_id == negotiation.buyer_id:
        return OfferSide.BUYER
    if actor.organization_id == negotiation.seller_id:
        return OfferSide.SELLER
    raise NegotiationNotFound()


def _offer_terms(listing: Listing, price, licence_years) -> tuple[Decimal, int | None]:
    errors = FieldErrors()
    amount = validators.money(price, "price", errors)
    years = validators.whole_number(licence_years, "licence_years", errors, low=1, high=20, required=False)
    if years is not None and listing.deal_type not in LICENCE_DEAL_TYPES:
        errors.add("licence_years", TradingErrorCode.NOT_A_LICENCE, _("Only a licence has a term."))
    errors.raise_if_any()
    return cast(Decimal, amount), years  # money() gave None only with an error, raised above


@atomic
def offer_make(*, actor: Actor, listing: Listing, price, message: str = "", licence_years=None) -> Offer:
    """A buyer's offer (报价) on a listing: opens the negotiation, or answers the seller's counter-offer."""
    listing = LISTING.lock(listing)
    hold_assets(listing)
    LISTING.check(listing, "offer", actor=actor)
    amount, years = _offer_terms(listing, price, licence_years)
    negotiation, _created = Negotiation.objects.select_for_update().get_or_create(
        listing=listing,
        buyer_id=organization_of(actor),
        defaults={"city": listing.city, "seller_id": listing.seller_id},
    )
    negotiation.listing = listing
    if negotiation.status != NegotiationStatus.OPEN:
        negotiation.closed_reason = ""
        NEGOTIATION.apply(negotiation, "reopen", actor=actor, update_fields=["closed_reason"])
    offer = _new_offer(actor, negotiation, OfferSide.BUYER, amount, message, years)
    if listing.status == ListingStatus.PUBLISHED:
        LISTING.apply(listing, "negotiate", actor=actor)
    return offer


def _new_offer(
    actor: Actor, negotiation: Negotiation, side: str, amount: Decimal, message: str, years: int | None
) -> Offer:
    """The side's new offer; the other side's offer awaiting an answer is answered by it (countered)."""
    pending = (
        Offer.objects.select_for_update().filter(negotiation=negotiation, status=OfferStatus.PENDING).first()
    )
    if pending is not None:
        if pending.side == side:
            raise OfferPending()
        pending.negotiation = negotiation
        pending.answered_at = timezone.now()
        OFFER.apply(pending, "counter", actor=actor, update_fields=["answered_at"], data={"price": amount})
    offer = Offer.objects.create(
        city_id=negotiation.city_id,
        negotiation=negotiation,
        side=side,
        price=amount,
        message=message or "",
        licence_years=years,
        made_by=actor.user,
    )
    if message:
        Message.objects.create(
            city_id=negotiation.city_id, negotiation=negotiation, side=side, author=actor.user, body=message
        )
    negotiation.save(update_fields=["updated_at"])
    audit.record(
        actor=actor.user,
        city=negotiation.city_id,
        action="offer_make" if pending is None else "offer_counter",
        obj=offer,
        to_state=offer.status,
        data={"price": amount, "side": side},
    )
    return offer


def _lock_offer(offer: Offer) -> tuple[Listing, Negotiation, Offer]:
    """The offer with its negotiation and listing, locked in the marketplace's lock order."""
    listing = LISTING.lock(offer.negotiation.listing)
    negotiation = NEGOTIATION.lock(offer.negotiation)
    locked = OFFER.lock(offer)
    negotiation.listing = listing
    locked.negotiation = negotiation
    return listing, negotiation, locked


def _answering_side(actor: Actor, negotiation: Negotiation, offer: Offer) -> str:
    side = _side(actor, negotiation)
    if side == offer.side:
        raise OwnOffer()
    return side


@atomic
def offer_counter(*, actor: Actor, offer: Offer, price, message: str = "", licence_years=None) -> Offer:
    """A counter-offer (还价) to the other side's pending offer."""
    listing, negotiation, offer = _lock_offer(offer)
    side = _answering_side(actor, negotiation, offer)
    hold_assets(listing)
    OFFER.check(offer, "counter", actor=actor)
    amount, years = _offer_terms(
        listing, price, licence_years if licence_years is not None else offer.licence_years
    )
    return _new_offer(actor, negotiation, side, amount, message, years)


@atomic
def offer_reject(*, actor: Actor, offer: Offer, message: str = "") -> Offer:
    listing, negotiation, offer = _lock_offer(offer)
    side = _answering_side(actor, negotiation, offer)
    offer.answered_at = timezone.now()
    OFFER.apply(offer, "reject", actor=actor, reason=message, update_fields=["answered_at"])
    if message:
        Message.objects.create(
            city_id=offer.city_id, negotiation=negotiation, side=side, author=actor.user, body=message
        )
    return offer


@atomic
def offer_withdraw(*, actor: Actor, offer: Offer) -> Offer:
    listing, negotiation, offer = _lock_offer(offer)
    if _side(actor, negotiation) != offer.side:
        raise NotOwnOffer()
    offer.answered_at = timezone.now()
    OFFER.apply(offer, "withdraw", actor=actor, update_fields=["answered_at"])
    return offer


@atomic
def offer_accept(*, actor: Actor, offer: Offer) -> Transaction:
    """Accept the other side's offer: the deal (交易) opens, every other negotiation closes.

    For an assignment the assets are held (`sale_pending`) in the registry at once, so a pledge
    racing the sale meets it there.
    """
    listing, negotiation, offer = _lock_offer(offer)
    _answering_side(actor, negotiation, offer)
    assets = hold_assets(listing)
    offer.answered_at = timezone.now()
    OFFER.apply(offer, "accept", actor=actor, update_fields=["answered_at"], data={"price": offer.price})
    NEGOTIATION.apply(negotiation, "agree", actor=actor)
    if listing.status == ListingStatus.PUBLISHED:
        LISTING.apply(listing, "negotiate", actor=actor)
    try:
        with atomic():
            tx = Transaction.objects.create(
                city_id=listing.city_id,
                listing=listing,
                negotiation=negotiation,
                offer=offer,
                seller_id=negotiation.seller_id,
                buyer_id=negotiation.buyer_id,
                deal_type=listing.deal_type,
                agreed_price=offer.price,
                licence_years=offer.licence_years,
            )
    except IntegrityError as exc:
        raise ListingTaken() from exc
    if listing.deal_type == DealType.ASSIGNMENT:
        registry.encumbrance_add(
            asset_ids=[asset.pk for asset in assets],
            kind="sale_pending",
            source=tx.source,
            owner_id=listing.seller_id,
            holder=tx.buyer,
            actor=actor,
        )
    elif listing.deal_type in REGISTRY_ACTION:
        registry.check_assets_available(
            assets=assets, action=REGISTRY_ACTION[listing.deal_type], owner_id=listing.seller_id
        )
    close_negotiations(listing, reason="another_offer_accepted", except_pk=negotiation.pk, actor=actor)
    audit.record(
        actor=actor.user,
        city=tx.city_id,
        action="transaction_open",
        obj=tx,
        to_state=tx.status,
        data={"agreed_price": tx.agreed_price, "deal_type": tx.deal_type, "offer": offer.pk},
    )
    return tx


@atomic
def negotiation_close(*, actor: Actor, negotiation: Negotiation, reason: str = "") -> Negotiation:
    """Either side ends a negotiation (its pending offer closes with it)."""
    listing = LISTING.lock(negotiation.listing)
    negotiation = NEGOTIATION.lock(negotiation)
    _side(actor, negotiation)
    negotiation.closed_reason = reason or "closed_by_party"
    NEGOTIATION.apply(negotiation, "close", actor=actor, reason=reason, update_fields=["closed_reason"])
    close_pending_offer(negotiation, actor=actor)
    reopen_if_idle(listing, actor=actor)
    return negotiation


@atomic
def message_post(*, actor: Actor, negotiation: Negotiation, body: str) -> Message:
    negotiation = NEGOTIATION.lock(negotiation)
    side = _side(actor, negotiation)
    NEGOTIATION.check(negotiation, "message", actor=actor)
    errors = FieldErrors()
    body = validators.text(body, "body", errors, max_length=4000, message=_("A message cannot be empty."))
    errors.raise_if_any()
    negotiation.save(update_fields=["updated_at"])
    return Message.objects.create(
        city_id=negotiation.city_id, negotiation=negotiation, side=side, author=actor.user, body=body
    )
