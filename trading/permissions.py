"""Who may see and do what in the marketplace: one visibility rule per entity, and the django-rules
predicates on an `Actor` that the lifecycles (`trading.lifecycles`) name.

Seeing (`ipops.visibility`): every member of the city sees listings on the market (and closed deals'
listings) and open buy requests; a party sees its own listings, buy requests, negotiations, offers and
deals; bureau staff and officials read everything in the city, except the enquiries buyers of other cities
sent a seller, which only that seller reads. Lists (`.restrict(actor)`), detail
lookups (`get_visible_or_404`) and the `*.view` predicates all derive from these rules.
Acting: only the parties, and only with write access; bureau staff may moderate (withdraw a listing,
complete or cancel a deal on the parties' behalf).
"""

from __future__ import annotations

import rules
from django.db.models import Q

from ipops import visibility
from ipops.errors import PermissionDenied
from ipops.permissions import is_asset_holder, is_bureau, reads_city

from .errors import (
    BuyRequestNotFound,
    CentreNotFound,
    EnquiryNotFound,
    ListingNotFound,
    NegotiationNotFound,
    OfferNotFound,
    TransactionNotFound,
)
from .models import (
    CITY_LISTING_STATUSES,
    BuyRequest,
    BuyRequestStatus,
    Enquiry,
    Listing,
    Negotiation,
    Offer,
    OfferSide,
    OperationsCentre,
    Transaction,
)

# --- visibility: one rule per entity ---------------------------------------------------------------


def _party_of(actor, *columns: str) -> Q | bool:
    """Rows where the actor's organisation is in one of `columns` (nothing for an actor without one)."""
    org = actor.organization_id
    if org is None:
        return False
    condition = Q()
    for column in columns:
        condition |= Q(**{column: org})
    return condition


def _listings(actor) -> Q | bool:
    if reads_city(actor):
        return True
    own = _party_of(actor, "seller_id")
    on_market = Q(status__in=CITY_LISTING_STATUSES)
    return on_market | own if isinstance(own, Q) else on_market


def _buy_requests(actor) -> Q | bool:
    if reads_city(actor):
        return True
    own = _party_of(actor, "buyer_id")
    is_open = Q(status=BuyRequestStatus.OPEN)
    return is_open | own if isinstance(own, Q) else is_open


def _negotiations(actor) -> Q | bool:
    return True if reads_city(actor) else _party_of(actor, "buyer_id", "seller_id")


def _offers(actor) -> Q | bool:
    return True if reads_city(actor) else _party_of(actor, "negotiation__buyer_id", "negotiation__seller_id")


def _transactions(actor) -> Q | bool:
    return True if reads_city(actor) else _party_of(actor, "buyer_id", "seller_id")


def _own_listings(actor) -> Q | bool:
    """Whose listings' matches (buy requests that fit) one reads: the seller's, or the whole city's."""
    return True if reads_city(actor) else _party_of(actor, "seller_id")


def _own_buy_requests(actor) -> Q | bool:
    return True if reads_city(actor) else _party_of(actor, "buyer_id")


visibility.register(Listing, view=_listings, matches=_own_listings, not_found=ListingNotFound)
visibility.register(BuyRequest, view=_buy_requests, matches=_own_buy_requests, not_found=BuyRequestNotFound)
visibility.register(Negotiation, view=_negotiations, not_found=NegotiationNotFound)
visibility.register(Offer, view=_offers, not_found=OfferNotFound)
visibility.register(Transaction, view=_transactions, not_found=TransactionNotFound)
# An enquiry from another city is for its seller alone: what the buyer typed is meant for the seller, and
# the buyer reads it back through its own user (`selectors.my_enquiries`), never through the city.
visibility.register(Enquiry, view=lambda actor: _party_of(actor, "seller_id"), not_found=EnquiryNotFound)
# Every member of the city sees the operations centres and the deals credited to them.
visibility.register(OperationsCentre, view=lambda actor: True, not_found=CentreNotFound)

# --- predicates ------------------------------------------------------------------------------------------


@rules.predicate
def writes(actor, obj=None) -> bool:
    return actor.can_write


@rules.predicate
def is_seller(actor, obj) -> bool:
    return obj is not None and actor.organization_id is not None and obj.seller_id == actor.organization_id


@rules.predicate
def is_buyer(actor, obj) -> bool:
    return obj is not None and actor.organization_id is not None and obj.buyer_id == actor.organization_id


def _org_on_side(offer: Offer, side: str) -> int:
    negotiation = offer.negotiation
    return negotiation.buyer_id if side == OfferSide.BUYER else negotiation.seller_id


@rules.predicate
def made_offer(actor, offer) -> bool:
    """The actor's organisation is the side that made the offer."""
    return (
        offer is not None
        and actor.organization_id is not None
        and _org_on_side(offer, offer.side) == actor.organization_id
    )


@rules.predicate
def answers_offer(actor, offer) -> bool:
    """The actor's organisation is the other side of the offer's negotiation: it answers the offer."""
    other = OfferSide.SELLER if offer is not None and offer.side == OfferSide.BUYER else OfferSide.BUYER
    return (
        offer is not None
        and actor.organization_id is not None
        and _org_on_side(offer, other) == actor.organization_id
    )


is_party = is_seller | is_buyer

permissions = rules.RuleSet()
permissions.add_rule("listing.view", visibility.visible)
permissions.add_rule("listing.create", is_asset_holder)
permissions.add_rule("listing.change", is_asset_holder & is_seller)
permissions.add_rule("listing.withdraw", (is_asset_holder & is_seller) | is_bureau)
permissions.add_rule("listing.matches", visibility.permits("matches"))
permissions.add_rule("listing.offer", is_asset_holder & ~is_seller)
permissions.add_rule("buy_request.view", visibility.visible)
permissions.add_rule("buy_request.create", is_asset_holder)
permissions.add_rule("buy_request.change", is_asset_holder & is_buyer)
permissions.add_rule("buy_request.matches", visibility.permits("matches"))
permissions.add_rule("negotiation.view", visibility.visible)
permissions.add_rule("negotiation.act", writes & is_party)
permissions.add_rule("offer.view", visibility.visible)
permissions.add_rule("offer.answer", writes & answers_offer)
permissions.add_rule("offer.withdraw", writes & made_offer)
permissions.add_rule("transaction.view", visibility.visible)
permissions.add_rule("transaction.contract", writes & is_party)
permissions.add_rule("transaction.pay", writes & is_buyer)
permissions.add_rule("transaction.complete", (writes & is_seller) | is_bureau)
permissions.add_rule("transaction.cancel", (writes & is_party) | is_bureau)
permissions.add_rule("enquiry.view", visibility.visible)
permissions.add_rule("enquiry.answer", writes & is_asset_holder & is_seller)
permissions.add_rule("deals.read_all", reads_city)
permissions.add_rule("centre.manage", is_bureau)


def can(actor, action: str, obj=None) -> bool:
    return actor is not None and permissions.test_rule(action, actor, obj)


def require(actor, action: str, obj=None) -> None:
    if not can(actor, action, obj):
        raise PermissionDenied()
