"""Listings (挂牌): create, edit, publish, withdraw, and the nightly expiry."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.db.transaction import atomic
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ipops import audit, validators
from ipops.access import Actor
from ipops.errors import CoreErrorCode, FieldErrors, ValidationFailed
from ipops.models import Industry, IPAsset
from ipops.services import registry

from .. import rules
from ..availability import check_assets_for_listing
from ..errors import AssetNotFound
from ..lifecycles import LISTING
from ..models import DealType, Listing, ListingAsset, ListingStatus, Visibility
from ..permissions import require
from ._common import close_negotiations, organization_of
from .matches import propagate_matches_on_commit


def listing_search_fields(listing: Listing, assets: list[IPAsset]) -> None:
    """Fill a listing's search columns (used by services, demo and benchmark bulk loads)."""
    listing.title_terms = rules.index_text(listing.title, listing.keywords, *(a.title for a in assets))
    listing.body_terms = rules.index_text(listing.description, *(a.abstract for a in assets))
    listing.ipc_prefixes = rules.ipc_prefixes(listing.ipc_codes)
    listing.asset_kinds = sorted({a.kind for a in assets})


def _price_or_negotiable(price, negotiable: bool, errors: FieldErrors) -> None:
    if price in (None, "") and not negotiable and "asking_price" not in errors.fields:
        errors.add(
            "asking_price", CoreErrorCode.REQUIRED, _("Give an asking price or mark the price negotiable.")
        )


@atomic
def listing_create(
    *,
    actor: Actor,
    asset_ids: Iterable[int],
    deal_type: str,
    title: str = "",
    description: str = "",
    keywords: str = "",
    asking_price: Decimal | str | None = None,
    negotiable: bool = False,
    industry: str = "",
    ipc_codes: Iterable[str] | None = None,
    region: str = "",
    visibility: str = Visibility.CITY,
    expires_on: datetime.date | None = None,
    publish: bool = False,
) -> Listing:
    require(actor, "listing.create")
    seller_id = organization_of(actor)
    errors = FieldErrors()
    ids = list(dict.fromkeys(int(i) for i in asset_ids or ()))
    if not ids:
        errors.add("asset_ids", CoreErrorCode.REQUIRED, _("Choose at least one asset."))
    validators.choice(deal_type, DealType.values, "deal_type", errors)
    validators.choice(visibility, Visibility.values, "visibility", errors)
    validators.choice(industry, Industry.values, "industry", errors, required=False)
    price = validators.money(asking_price, "asking_price", errors, required=False)
    _price_or_negotiable(asking_price, negotiable, errors)
    validators.in_future(
        expires_on, "expires_on", errors, today=timezone.localdate(), within_years=validators.FURTHEST_YEARS
    )
    codes = validators.ipc_codes(ipc_codes, "ipc_codes", errors)
    # One asset lends the listing its title; a package needs its own.
    title = validators.text(
        title, "title", errors, required=len(ids) > 1, max_length=300, message=_("A package needs a title.")
    )
    errors.raise_if_any()

    found = {a.pk: a for a in IPAsset.objects.filter(pk__in=ids)}
    if len(found) != len(ids):
        raise AssetNotFound()
    assets = [found[i] for i in ids]
    check_assets_for_listing(assets=assets, deal_type=deal_type, seller_id=seller_id)
    listing = Listing(
        city=actor.city,
        seller_id=seller_id,
        title=title or assets[0].title,
        description=description or "",
        keywords=keywords or "",
        deal_type=deal_type,
        asking_price=price,
        negotiable=negotiable or price is None,
        industry=industry or assets[0].industry,
        ipc_codes=codes or list(dict.fromkeys(c for a in assets for c in a.ipc_codes)),
        region=region or "",
        visibility=visibility,
        expires_on=expires_on,
        created_by=actor.user,
        reference=f"new-{timezone.now().timestamp()}",
    )
    listing_search_fields(listing, assets)
    listing.save()
    listing.reference = f"GP{timezone.localdate():%Y}{listing.pk:07d}"
    listing.save(update_fields=["reference"])
    ListingAsset.objects.bulk_create(
        [ListingAsset(city=actor.city, listing=listing, asset=a) for a in assets]
    )
    audit.record(
        actor=actor.user,
        city=actor.city,
        action="listing_create",
        obj=listing,
        to_state=listing.status,
        data={"deal_type": deal_type, "asking_price": price, "assets": ids},
    )
    if publish:
        listing = listing_publish(actor=actor, listing=listing)
    return listing


_LISTING_EDITABLE = {
    "title",
    "description",
    "keywords",
    "asking_price",
    "negotiable",
    "industry",
    "ipc_codes",
    "region",
    "visibility",
    "expires_on",
}


@atomic
def listing_update(*, actor: Actor, listing: Listing, **changes) -> Listing:
    """Edit a draft or a published listing without offers."""
    unknown = set(changes) - _LISTING_EDITABLE
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed here: %s") % ", ".join(sorted(unknown)),
            code=CoreErrorCode.NOT_EDITABLE,
        )
    listing = LISTING.lock(listing)
    LISTING.check(listing, "update", actor=actor)
    errors = FieldErrors()
    if "asking_price" in changes:
        changes["asking_price"] = validators.money(
            changes["asking_price"], "asking_price", errors, required=False
        )
    if "visibility" in changes:
        validators.choice(changes["visibility"], Visibility.values, "visibility", errors)
    if "industry" in changes:
        validators.choice(changes["industry"], Industry.values, "industry", errors, required=False)
    if "ipc_codes" in changes:
        changes["ipc_codes"] = validators.ipc_codes(changes["ipc_codes"], "ipc_codes", errors)
    if changes.get("expires_on") is not None:
        validators.in_future(
            changes["expires_on"],
            "expires_on",
            errors,
            today=timezone.localdate(),
            within_years=validators.FURTHEST_YEARS,
        )
    if "title" in changes:
        changes["title"] = validators.text(
            changes["title"], "title", errors, max_length=300, message=_("A title is required.")
        )
    _price_or_negotiable(
        changes.get("asking_price", listing.asking_price),
        changes.get("negotiable", listing.negotiable),
        errors,
    )
    errors.raise_if_any()
    before = {k: getattr(listing, k) for k in changes}
    for name, value in changes.items():
        setattr(listing, name, value)
    listing_search_fields(listing, list(listing.assets.all()))
    listing.save()
    LISTING.apply(
        listing,
        "update",
        actor=actor,
        save=False,
        data={
            "before": {k: str(v) for k, v in before.items()},
            "after": {k: str(v) for k, v in changes.items()},
        },
    )
    if listing.status == ListingStatus.PUBLISHED:
        propagate_matches_on_commit(listing)
    return listing


@atomic
def listing_publish(*, actor: Actor, listing: Listing) -> Listing:
    """On the market: its assets must still be free for the deal it offers."""
    listing = LISTING.lock(listing)
    LISTING.check(listing, "publish", actor=actor)
    assets = registry.lock_assets(listing.listing_assets.values_list("asset_id", flat=True))
    check_assets_for_listing(assets=assets, deal_type=listing.deal_type, seller_id=listing.seller_id)
    listing.published_at = timezone.now()
    listing.closed_at = None
    LISTING.apply(listing, "publish", actor=actor, update_fields=["published_at", "closed_at"])
    propagate_matches_on_commit(listing)
    return listing


@atomic
def listing_withdraw(*, actor: Actor, listing: Listing, reason: str = "") -> Listing:
    """Off the market (the seller, or bureau staff moderating); its negotiations close."""
    listing = LISTING.lock(listing)
    listing.closed_at = timezone.now()
    LISTING.apply(listing, "withdraw", actor=actor, reason=reason, update_fields=["closed_at"])
    close_negotiations(listing, reason="listing_withdrawn", actor=actor)
    return listing


@atomic
def listing_expire_due(*, city, today: datetime.date | None = None) -> int:
    """Expire published listings past their expiry date (nightly; idempotent). Returns how many."""
    today = today or timezone.localdate()
    due = (
        Listing.objects.select_for_update()
        .filter(city=city, status=ListingStatus.PUBLISHED, expires_on__lt=today)
        .order_by("pk")
    )
    count = 0
    for listing in due:
        listing.closed_at = timezone.now()
        LISTING.apply(listing, "expire", update_fields=["closed_at"])
        close_negotiations(listing, reason="listing_expired")
        count += 1
    return count
