"""Object-level rules of the marketplace (django-rules predicates on an `Actor`).

Seeing: every member of the city sees listings on the market and open buy requests; a party
sees its own negotiations and deals; bureau staff and officials read everything in the city.
Acting: only the parties, and only with write access; bureau staff may moderate (withdraw a
listing, complete or cancel a deal on the parties' behalf).
"""

from __future__ import annotations

import rules

from ipops.errors import PermissionDenied
from ipops.permissions import is_asset_holder, is_bureau, reads_city

from .models import CITY_LISTING_STATUSES, BuyRequestStatus


@rules.predicate
def writes(actor, obj=None) -> bool:
    return actor.can_write


@rules.predicate
def is_seller(actor, obj) -> bool:
    return obj is not None and actor.organization_id is not None and obj.seller_id == actor.organization_id


@rules.predicate
def is_buyer(actor, obj) -> bool:
    return obj is not None and actor.organization_id is not None and obj.buyer_id == actor.organization_id


@rules.predicate
def listing_on_market(actor, listing) -> bool:
    return listing is not None and listing.status in CITY_LISTING_STATUSES


@rules.predicate
def buy_request_open(actor, buy_request) -> bool:
    return buy_request is not None and buy_request.status == BuyRequestStatus.OPEN


is_party = is_seller | is_buyer

permissions = rules.RuleSet()
permissions.add_rule("listing.view", reads_city | is_seller | listing_on_market)
permissions.add_rule("listing.create", is_asset_holder)
permissions.add_rule("listing.change", is_asset_holder & is_seller)
permissions.add_rule("listing.withdraw", (is_asset_holder & is_seller) | is_bureau)
permissions.add_rule("listing.matches", is_seller | reads_city)
permissions.add_rule("listing.offer", is_asset_holder & ~is_seller)
permissions.add_rule("buy_request.view", reads_city | is_buyer | buy_request_open)
permissions.add_rule("buy_request.create", is_asset_holder)
permissions.add_rule("buy_request.change", is_asset_holder & is_buyer)
permissions.add_rule("buy_request.matches", is_buyer | reads_city)
permissions.add_rule("negotiation.view", is_party | reads_city)
permissions.add_rule("negotiation.act", writes & is_party)
permissions.add_rule("transaction.view", is_party | reads_city)
permissions.add_rule("transaction.contract", writes & is_party)
permissions.add_rule("transaction.pay", writes & is_buyer)
permissions.add_rule("transaction.complete", (writes & is_seller) | is_bureau)
permissions.add_rule("transaction.cancel", (writes & is_party) | is_bureau)
permissions.add_rule("deals.read_all", reads_city)
permissions.add_rule("centre.manage", is_bureau)


def can(actor, action: str, obj=None) -> bool:
    return actor is not None and permissions.test_rule(action, actor, obj)


def require(actor, action: str, obj=None) -> None:
    if not can(actor, action, obj):
        raise PermissionDenied(code="permission_denied")
