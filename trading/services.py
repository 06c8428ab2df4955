"""Every write of the marketplace. `<entity>_<action>(*, actor, ...)`, atomic, row locked first.

Lock order, everywhere: listing → negotiation → offer → transaction → assets (the registry locks
assets in id order). Two buyers accepting at the same moment queue on the listing row; the
second finds the listing taken and gets 409.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.db import IntegrityError
from django.db.transaction import atomic
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ipops import audit
from ipops.access import Actor
from ipops.errors import Conflict, InvalidTransition, NotFound, ValidationFailed, invalid_field
from ipops.ids import InvalidIdentifier, normalize_ipc
from ipops.models import Industry, IPAsset, Organization
from ipops.models.accounts import ASSET_HOLDER_KINDS
from ipops.money import fen
from ipops.services import registry
from ipops.services.registry import AssetNotInForce, AssetNotOwned

from . import rules, search
from .models import (
    BUY_REQUEST_TRANSITIONS,
    ESCROW_TRANSITIONS,
    LICENCE_DEAL_TYPES,
    LISTING_TRANSITIONS,
    NEGOTIATION_TRANSITIONS,
    OFFER_TRANSITIONS,
    PUBLIC_LISTING_STATUSES,
    TRANSACTION_TRANSITIONS,
    BuyRequest,
    BuyRequestMatch,
    BuyRequestStatus,
    CentreKind,
    CentreMembership,
    DealType,
    EscrowStatus,
    Listing,
    ListingAsset,
    ListingStatus,
    Message,
    Negotiation,
    NegotiationStatus,
    Offer,
    OfferSide,
    OfferStatus,
    OperationsCentre,
    Transaction,
    TransactionStatus,
    Visibility,
)
from .permissions import require


class ListingNotOnMarket(Conflict):
    code = "listing_not_on_market"
    default_message = _("This listing is not on the market.")


class ListingTaken(Conflict):
    code = "listing_taken"
    default_message = _("Another offer on this listing has already been accepted.")


class OfferPending(Conflict):
    code = "offer_pending"
    default_message = _("An offer in this negotiation is still awaiting an answer.")


class DealInProgress(Conflict):
    code = "deal_in_progress"
    default_message = _("A deal on this listing is in progress; cancel it first.")


class ContractMissing(Conflict):
    code = "contract_missing"
    default_message = _("Record the signed contract before paying into escrow.")


class EscrowNotPaid(Conflict):
    code = "escrow_not_paid"
    default_message = _("The price must be paid into escrow before the deal completes.")


#: Deal type → the registry action an asset must be free for.
REGISTRY_ACTION = {
    DealType.ASSIGNMENT: "assign",
    DealType.EXCLUSIVE_LICENCE: "exclusive_licence",
    DealType.SOLE_LICENCE: "sole_licence",
    DealType.NON_EXCLUSIVE_LICENCE: "non_exclusive_licence",
}


def _transition(table: dict, obj, action: str, field: str = "status") -> tuple[str, str]:
    before = getattr(obj, field)
    after = rules.next_state(table, before, action)
    if after is None:
        raise InvalidTransition(
            fields={field: [{"code": "invalid_transition", "detail": f"{before} → {action}"}]}
        )
    setattr(obj, field, after)
    return before, after


def _user(actor: Actor):
    return actor.user


def _clean_ipc(codes: Iterable[str] | None) -> list[str]:
    out: list[str] = []
    errors = []
    for raw in codes or ():
        try:
            code = normalize_ipc(raw)
        except InvalidIdentifier as exc:
            errors.append({"code": exc.code, "detail": f"{raw}: {exc.message}"})
        else:
            if code not in out:
                out.append(code)
    if errors:
        raise ValidationFailed(_("Some fields are invalid."), fields={"ipc_codes": errors})
    return out


def _clean_money(value, field: str, *, allow_none: bool = True) -> Decimal | None:
    if value in (None, ""):
        if allow_none:
            return None
        raise invalid_field(field, "required", _("An amount is required."))
    amount = fen(value)
    if amount <= 0:
        raise invalid_field(field, "amount_not_positive", _("An amount must be positive."))
    if amount >= Decimal("1e16"):
        raise invalid_field(field, "amount_too_large", _("This amount is too large."))
    return amount


def _check_choice(value: str, choices, field: str) -> None:
    if value not in choices:
        raise invalid_field(field, "invalid_choice", _("Not a valid choice."))


# --- listings -------------------------------------------------------------------------------


def _check_assets_for_listing(*, assets: list[IPAsset], deal_type: str, seller_id: int) -> None:
    """In force and owned by the seller; for assignment and licences also free of blocking rights.

    A pledge-disposal listing (质押处置) sells a pledged asset: the pledge is what it disposes of.
    """
    action = REGISTRY_ACTION.get(deal_type)
    if action:
        registry.check_assets_available(assets=assets, action=action, owner_id=seller_id)
        return
    for asset in assets:
        if asset.owner_id != seller_id:
            raise AssetNotOwned(
                fields={"assets": [{"code": "asset_not_owned", "detail": asset.display_number}]}
            )
        if not asset.is_in_force:
            raise AssetNotInForce(
                fields={"assets": [{"code": "asset_not_in_force", "detail": asset.display_number}]}
            )


def _reindex_listing(listing: Listing, assets: list[IPAsset]) -> None:
    listing.title_terms = rules.index_text(listing.title, listing.keywords, *(a.title for a in assets))
    listing.body_terms = rules.index_text(listing.description, *(a.abstract for a in assets))
    listing.ipc_prefixes = rules.ipc_prefixes(listing.ipc_codes)
    listing.asset_kinds = sorted({a.kind for a in assets})


def listing_search_fields(listing: Listing, assets: list[IPAsset]) -> None:
    """Fill a listing's search columns (used by services, demo and benchmark bulk loads)."""
    _reindex_listing(listing, assets)


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
    _check_choice(deal_type, DealType.values, "deal_type")
    _check_choice(visibility, Visibility.values, "visibility")
    if industry:
        _check_choice(industry, Industry.values, "industry")
    ids = list(dict.fromkeys(int(i) for i in asset_ids or ()))
    if not ids:
        raise invalid_field("asset_ids", "required", _("Choose at least one asset."))
    price = _clean_money(asking_price, "asking_price")
    if price is None and not negotiable:
        raise invalid_field(
            "asking_price", "required", _("Give an asking price or mark the price negotiable.")
        )
    if expires_on and expires_on <= timezone.localdate():
        raise invalid_field("expires_on", "date_in_past", _("The expiry date must be in the future."))
    found = {a.pk: a for a in IPAsset.objects.filter(pk__in=ids)}
    if len(found) != len(ids):
        raise NotFound(_("One of these assets does not exist."), code="asset_not_found")
    assets = [found[i] for i in ids]
    _check_assets_for_listing(assets=assets, deal_type=deal_type, seller_id=actor.organization_id)
    codes = (
        _clean_ipc(ipc_codes) if ipc_codes else list(dict.fromkeys(c for a in assets for c in a.ipc_codes))
    )
    title = (title or "").strip() or (assets[0].title if len(assets) == 1 else "")
    if not title:
        raise invalid_field("title", "required", _("A package needs a title."))
    listing = Listing(
        city=actor.city,
        seller_id=actor.organization_id,
        title=title[:300],
        description=description or "",
        keywords=keywords or "",
        deal_type=deal_type,
        asking_price=price,
        negotiable=negotiable or price is None,
        industry=industry or assets[0].industry,
        ipc_codes=codes,
        region=region or "",
        visibility=visibility,
        expires_on=expires_on,
        created_by=_user(actor),
        reference=f"new-{timezone.now().timestamp()}",
    )
    _reindex_listing(listing, assets)
    listing.save()
    listing.reference = f"GP{timezone.localdate():%Y}{listing.pk:07d}"
    listing.save(update_fields=["reference"])
    ListingAsset.objects.bulk_create(
        [ListingAsset(city=actor.city, listing=listing, asset=a) for a in assets]
    )
    audit.record(
        actor=_user(actor),
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
    unknown = set(changes) - _LISTING_EDITABLE
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed here: %s") % ", ".join(sorted(unknown)), code="not_editable"
        )
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    require(actor, "listing.change", listing)
    if listing.status not in (ListingStatus.DRAFT, ListingStatus.PUBLISHED):
        raise InvalidTransition(_("Only a draft or a published listing without offers can be edited."))
    if "asking_price" in changes:
        changes["asking_price"] = _clean_money(changes["asking_price"], "asking_price")
    if "visibility" in changes:
        _check_choice(changes["visibility"], Visibility.values, "visibility")
    if changes.get("industry"):
        _check_choice(changes["industry"], Industry.values, "industry")
    if "ipc_codes" in changes:
        changes["ipc_codes"] = _clean_ipc(changes["ipc_codes"])
    if "title" in changes and not (changes["title"] or "").strip():
        raise invalid_field("title", "required", _("A title is required."))
    before = {k: getattr(listing, k) for k in changes}
    for name, value in changes.items():
        setattr(listing, name, value)
    if listing.asking_price is None and not listing.negotiable:
        raise invalid_field(
            "asking_price", "required", _("Give an asking price or mark the price negotiable.")
        )
    _reindex_listing(listing, list(listing.assets.all()))
    listing.save()
    audit.record(
        actor=_user(actor),
        city=listing.city_id,
        action="listing_update",
        obj=listing,
        data={
            "before": {k: str(v) for k, v in before.items()},
            "after": {k: str(v) for k, v in changes.items()},
        },
    )
    if listing.status == ListingStatus.PUBLISHED:
        _propagate_matches_on_commit(listing)
    return listing


@atomic
def listing_publish(*, actor: Actor, listing: Listing) -> Listing:
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    require(actor, "listing.change", listing)
    if listing.expires_on and listing.expires_on <= timezone.localdate():
        raise invalid_field("expires_on", "date_in_past", _("The expiry date must be in the future."))
    before, after = _transition(LISTING_TRANSITIONS, listing, "publish")
    assets = registry.lock_assets(listing.listing_assets.values_list("asset_id", flat=True))
    _check_assets_for_listing(assets=assets, deal_type=listing.deal_type, seller_id=listing.seller_id)
    listing.published_at = timezone.now()
    listing.closed_at = None
    listing.save(update_fields=["status", "published_at", "closed_at", "updated_at"])
    _propagate_matches_on_commit(listing)
    audit.record(
        actor=_user(actor),
        city=listing.city_id,
        action="listing_publish",
        obj=listing,
        from_state=before,
        to_state=after,
    )
    return listing


def _close_negotiations(listing: Listing, *, reason: str, except_pk: int | None = None, actor=None) -> int:
    """Close every open negotiation of the listing (but one) and their pending offers."""
    negotiations = list(
        Negotiation.objects.select_for_update()
        .filter(listing=listing, status=NegotiationStatus.OPEN)
        .exclude(pk=except_pk)
        .order_by("pk")
    )
    now = timezone.now()
    for negotiation in negotiations:
        negotiation.status = NegotiationStatus.CLOSED
        negotiation.closed_reason = reason
        negotiation.save(update_fields=["status", "closed_reason", "updated_at"])
        Offer.objects.filter(negotiation=negotiation, status=OfferStatus.PENDING).update(
            status=OfferStatus.CLOSED, answered_at=now
        )
        audit.record(
            actor=actor,
            city=listing.city_id,
            action="negotiation_close",
            obj=negotiation,
            from_state=NegotiationStatus.OPEN,
            to_state=NegotiationStatus.CLOSED,
            reason=reason,
        )
    return len(negotiations)


@atomic
def listing_withdraw(*, actor: Actor, listing: Listing, reason: str = "") -> Listing:
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    require(actor, "listing.withdraw", listing)
    if Transaction.objects.filter(listing=listing, status=TransactionStatus.OPEN).exists():
        raise DealInProgress()
    before, after = _transition(LISTING_TRANSITIONS, listing, "withdraw")
    listing.closed_at = timezone.now()
    listing.save(update_fields=["status", "closed_at", "updated_at"])
    _close_negotiations(listing, reason="listing_withdrawn", actor=_user(actor))
    audit.record(
        actor=_user(actor),
        city=listing.city_id,
        action="listing_withdraw",
        obj=listing,
        from_state=before,
        to_state=after,
        reason=reason,
    )
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
        before, after = _transition(LISTING_TRANSITIONS, listing, "expire")
        listing.closed_at = timezone.now()
        listing.save(update_fields=["status", "closed_at", "updated_at"])
        _close_negotiations(listing, reason="listing_expired")
        audit.record(
            actor=None, city=city, action="listing_expire", obj=listing, from_state=before, to_state=after
        )
        count += 1
    return count


def _maybe_reopen(listing: Listing, actor=None) -> None:
    """Back to `published` when no negotiation is open and no deal runs (the listing row is locked)."""
    if listing.status != ListingStatus.NEGOTIATING:
        return
    busy = (
        Negotiation.objects.filter(listing=listing, status=NegotiationStatus.OPEN).exists()
        or Transaction.objects.filter(listing=listing, status=TransactionStatus.OPEN).exists()
    )
    if not busy:
        before, after = _transition(LISTING_TRANSITIONS, listing, "reopen")
        listing.save(update_fields=["status", "updated_at"])
        audit.record(
            actor=actor,
            city=listing.city_id,
            action="listing_reopen",
            obj=listing,
            from_state=before,
            to_state=after,
        )


# --- buy requests ------------------------------------------------------------------------------


def _clean_buy_request(data: dict) -> dict:
    if "title" in data and not (data["title"] or "").strip():
        raise invalid_field("title", "required", _("A title is required."))
    if "ipc_codes" in data:
        data["ipc_codes"] = _clean_ipc(data["ipc_codes"])
    for field in ("budget_min", "budget_max"):
        if field in data:
            data[field] = _clean_money(data[field], field)
    if "deal_types" in data:
        data["deal_types"] = list(dict.fromkeys(data["deal_types"] or ()))
        for value in data["deal_types"]:
            _check_choice(value, DealType.values, "deal_types")
    if data.get("industry"):
        _check_choice(data["industry"], Industry.values, "industry")
    return data


def _reindex_buy_request(br: BuyRequest) -> None:
    br.title_terms = rules.index_text(br.title, br.keywords)
    br.body_terms = rules.index_text(br.description)
    br.ipc_prefixes = rules.ipc_prefixes(br.ipc_codes)


def buy_request_search_fields(br: BuyRequest) -> None:
    _reindex_buy_request(br)


def _check_budget(br: BuyRequest) -> None:
    if br.budget_min is not None and br.budget_max is not None and br.budget_min > br.budget_max:
        raise invalid_field(
            "budget_max", "budget_range_inverted", _("The budget's upper end is below its lower end.")
        )


@atomic
def buy_request_create(
    *,
    actor: Actor,
    title: str,
    keywords: str = "",
    description: str = "",
    ipc_codes: Iterable[str] = (),
    industry: str = "",
    budget_min=None,
    budget_max=None,
    deal_types: Iterable[str] = (),
    region: str = "",
) -> BuyRequest:
    require(actor, "buy_request.create")
    data = _clean_buy_request(
        dict(
            title=title,
            keywords=keywords or "",
            description=description or "",
            ipc_codes=list(ipc_codes or ()),
            industry=industry or "",
            budget_min=budget_min,
            budget_max=budget_max,
            deal_types=list(deal_types or ()),
            region=region or "",
        )
    )
    data["title"] = data["title"].strip()
    br = BuyRequest(city=actor.city, buyer_id=actor.organization_id, created_by=_user(actor), **data)
    _check_budget(br)
    _reindex_buy_request(br)
    br.save()
    audit.record(
        actor=_user(actor),
        city=actor.city,
        action="buy_request_create",
        obj=br,
        to_state=br.status,
        data={"budget_min": br.budget_min, "budget_max": br.budget_max},
    )
    _refresh_matches_on_commit(br)
    return br


_BUY_REQUEST_EDITABLE = {
    "title",
    "keywords",
    "description",
    "ipc_codes",
    "industry",
    "budget_min",
    "budget_max",
    "deal_types",
    "region",
}


@atomic
def buy_request_update(*, actor: Actor, buy_request: BuyRequest, **changes) -> BuyRequest:
    unknown = set(changes) - _BUY_REQUEST_EDITABLE
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed here: %s") % ", ".join(sorted(unknown)), code="not_editable"
        )
    br = BuyRequest.objects.select_for_update().get(pk=buy_request.pk)
    require(actor, "buy_request.change", br)
    if br.status != BuyRequestStatus.OPEN:
        raise InvalidTransition(_("Only an open buy request can be edited."))
    changes = _clean_buy_request(dict(changes))
    for name, value in changes.items():
        setattr(br, name, value)
    _check_budget(br)
    _reindex_buy_request(br)
    br.save()
    audit.record(
        actor=_user(actor),
        city=br.city_id,
        action="buy_request_update",
        obj=br,
        data={k: str(v) for k, v in changes.items()},
    )
    _refresh_matches_on_commit(br)
    return br


def _buy_request_transition(actor: Actor, buy_request: BuyRequest, action: str) -> BuyRequest:
    br = BuyRequest.objects.select_for_update().get(pk=buy_request.pk)
    require(actor, "buy_request.change", br)
    before, after = _transition(BUY_REQUEST_TRANSITIONS, br, action)
    br.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=_user(actor),
        city=br.city_id,
        action=f"buy_request_{action}",
        obj=br,
        from_state=before,
        to_state=after,
    )
    return br


@atomic
def buy_request_close(*, actor: Actor, buy_request: BuyRequest) -> BuyRequest:
    return _buy_request_transition(actor, buy_request, "close")


@atomic
def buy_request_reopen(*, actor: Actor, buy_request: BuyRequest) -> BuyRequest:
    br = _buy_request_transition(actor, buy_request, "reopen")
    _refresh_matches_on_commit(br)
    return br


@atomic
def buy_request_fulfil(*, actor: Actor, buy_request: BuyRequest) -> BuyRequest:
    return _buy_request_transition(actor, buy_request, "fulfil")


# --- negotiation -------------------------------------------------------------------------------


def _side(actor: Actor, negotiation: Negotiation) -> str:
    if actor.organization_id == negotiation.buyer_id:
        return OfferSide.BUYER
    if actor.organization_id == negotiation.seller_id:
        return OfferSide.SELLER
    raise NotFound(_("No such negotiation."), code="negotiation_not_found")


def _clean_licence_years(listing: Listing, licence_years) -> int | None:
    if licence_years in (None, ""):
        return None
    years = int(licence_years)
    if not 1 <= years <= 20:
        raise invalid_field("licence_years", "licence_years_range", _("A licence term is 1 to 20 years."))
    if listing.deal_type not in LICENCE_DEAL_TYPES:
        raise invalid_field("licence_years", "not_a_licence", _("Only a licence has a term."))
    return years


@atomic
def offer_make(*, actor: Actor, listing: Listing, price, message: str = "", licence_years=None) -> Offer:
    """A buyer's offer (报价) on a listing: opens the negotiation, or answers the seller's counter-offer."""
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    require(actor, "listing.offer", listing)
    if listing.status not in PUBLIC_LISTING_STATUSES:
        raise ListingNotOnMarket()
    if Transaction.objects.filter(listing=listing, status=TransactionStatus.OPEN).exists():
        raise ListingTaken()
    amount = _clean_money(price, "price", allow_none=False)
    years = _clean_licence_years(listing, licence_years)
    negotiation, created = Negotiation.objects.select_for_update().get_or_create(
        listing=listing,
        buyer_id=actor.organization_id,
        defaults={"city": listing.city, "seller_id": listing.seller_id},
    )
    if negotiation.status == NegotiationStatus.CLOSED:
        _transition(NEGOTIATION_TRANSITIONS, negotiation, "reopen")
        negotiation.closed_reason = ""
        negotiation.save(update_fields=["status", "closed_reason", "updated_at"])
    elif negotiation.status != NegotiationStatus.OPEN:
        raise InvalidTransition()
    offer = _new_offer(actor, negotiation, OfferSide.BUYER, amount, message, years)
    if listing.status == ListingStatus.PUBLISHED:
        before, after = _transition(LISTING_TRANSITIONS, listing, "negotiate")
        listing.save(update_fields=["status", "updated_at"])
        audit.record(
            actor=_user(actor),
            city=listing.city_id,
            action="listing_negotiate",
            obj=listing,
            from_state=before,
            to_state=after,
        )
    return offer


def _new_offer(
    actor: Actor, negotiation: Negotiation, side: str, amount: Decimal, message: str, years: int | None
) -> Offer:
    pending = (
        Offer.objects.select_for_update().filter(negotiation=negotiation, status=OfferStatus.PENDING).first()
    )
    if pending is not None:
        if pending.side == side:
            raise OfferPending()
        _transition(OFFER_TRANSITIONS, pending, "counter")
        pending.answered_at = timezone.now()
        pending.save(update_fields=["status", "answered_at"])
    offer = Offer.objects.create(
        city_id=negotiation.city_id,
        negotiation=negotiation,
        side=side,
        price=amount,
        message=message or "",
        licence_years=years,
        made_by=_user(actor),
    )
    if message:
        Message.objects.create(
            city_id=negotiation.city_id, negotiation=negotiation, side=side, author=_user(actor), body=message
        )
    negotiation.save(update_fields=["updated_at"])
    audit.record(
        actor=_user(actor),
        city=negotiation.city_id,
        action="offer_make" if pending is None else "offer_counter",
        obj=offer,
        to_state=offer.status,
        data={"price": amount, "side": side},
    )
    return offer


def _lock_offer(offer: Offer) -> tuple[Listing, Negotiation, Offer]:
    negotiation = Negotiation.objects.get(pk=offer.negotiation_id)
    listing = Listing.objects.select_for_update().get(pk=negotiation.listing_id)
    negotiation = Negotiation.objects.select_for_update().get(pk=negotiation.pk)
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    return listing, negotiation, offer


def _answering_side(actor: Actor, negotiation: Negotiation, offer: Offer) -> str:
    side = _side(actor, negotiation)
    require(actor, "negotiation.act", negotiation)
    if side == offer.side:
        raise InvalidTransition(_("The other side answers an offer."), code="own_offer")
    return side


@atomic
def offer_counter(*, actor: Actor, offer: Offer, price, message: str = "", licence_years=None) -> Offer:
    """A counter-offer (还价) to the other side's pending offer."""
    listing, negotiation, offer = _lock_offer(offer)
    side = _answering_side(actor, negotiation, offer)
    if offer.status != OfferStatus.PENDING or negotiation.status != NegotiationStatus.OPEN:
        raise InvalidTransition()
    amount = _clean_money(price, "price", allow_none=False)
    years = _clean_licence_years(listing, licence_years if licence_years is not None else offer.licence_years)
    return _new_offer(actor, negotiation, side, amount, message, years)


@atomic
def offer_reject(*, actor: Actor, offer: Offer, message: str = "") -> Offer:
    listing, negotiation, offer = _lock_offer(offer)
    side = _answering_side(actor, negotiation, offer)
    before, after = _transition(OFFER_TRANSITIONS, offer, "reject")
    offer.answered_at = timezone.now()
    offer.save(update_fields=["status", "answered_at"])
    if message:
        Message.objects.create(
            city_id=offer.city_id, negotiation=negotiation, side=side, author=_user(actor), body=message
        )
    audit.record(
        actor=_user(actor),
        city=offer.city_id,
        action="offer_reject",
        obj=offer,
        from_state=before,
        to_state=after,
        reason=message,
    )
    return offer


@atomic
def offer_withdraw(*, actor: Actor, offer: Offer) -> Offer:
    listing, negotiation, offer = _lock_offer(offer)
    side = _side(actor, negotiation)
    require(actor, "negotiation.act", negotiation)
    if side != offer.side:
        raise InvalidTransition(_("Only the side that made an offer can withdraw it."), code="not_own_offer")
    before, after = _transition(OFFER_TRANSITIONS, offer, "withdraw")
    offer.answered_at = timezone.now()
    offer.save(update_fields=["status", "answered_at"])
    audit.record(
        actor=_user(actor),
        city=offer.city_id,
        action="offer_withdraw",
        obj=offer,
        from_state=before,
        to_state=after,
    )
    return offer


@atomic
def offer_accept(*, actor: Actor, offer: Offer) -> Transaction:
    """Accept the other side's offer: the deal (交易) opens, every other negotiation closes.

    For an assignment the assets are held (`sale_pending`) in the registry at once, so a pledge
    racing the sale meets it there.
    """
    listing, negotiation, offer = _lock_offer(offer)
    _answering_side(actor, negotiation, offer)
    if negotiation.status != NegotiationStatus.OPEN or offer.status != OfferStatus.PENDING:
        raise InvalidTransition()
    if listing.status not in PUBLIC_LISTING_STATUSES:
        raise ListingNotOnMarket()
    if Transaction.objects.filter(
        listing=listing, status__in=[TransactionStatus.OPEN, TransactionStatus.COMPLETED]
    ).exists():
        raise ListingTaken()
    before, after = _transition(OFFER_TRANSITIONS, offer, "accept")
    offer.answered_at = timezone.now()
    offer.save(update_fields=["status", "answered_at"])
    _transition(NEGOTIATION_TRANSITIONS, negotiation, "agree")
    negotiation.save(update_fields=["status", "updated_at"])
    if listing.status == ListingStatus.PUBLISHED:
        _transition(LISTING_TRANSITIONS, listing, "negotiate")
        listing.save(update_fields=["status", "updated_at"])
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
    asset_ids = list(listing.listing_assets.values_list("asset_id", flat=True))
    if listing.deal_type == DealType.ASSIGNMENT:
        registry.encumbrance_add(
            asset_ids=asset_ids,
            kind="sale_pending",
            source=tx.source,
            owner_id=listing.seller_id,
            holder=tx.buyer,
            actor=actor,
        )
    elif listing.deal_type in REGISTRY_ACTION:
        assets = registry.lock_assets(asset_ids)
        registry.check_assets_available(
            assets=assets, action=REGISTRY_ACTION[listing.deal_type], owner_id=listing.seller_id
        )
    _close_negotiations(
        listing, reason="another_offer_accepted", except_pk=negotiation.pk, actor=_user(actor)
    )
    audit.record(
        actor=_user(actor),
        city=offer.city_id,
        action="offer_accept",
        obj=offer,
        from_state=before,
        to_state=after,
        data={"price": offer.price, "transaction": tx.pk},
    )
    audit.record(
        actor=_user(actor),
        city=tx.city_id,
        action="transaction_open",
        obj=tx,
        to_state=tx.status,
        data={"agreed_price": tx.agreed_price, "deal_type": tx.deal_type},
    )
    return tx


@atomic
def negotiation_close(*, actor: Actor, negotiation: Negotiation, reason: str = "") -> Negotiation:
    """Either side ends a negotiation (pending offers close with it)."""
    listing = Listing.objects.select_for_update().get(pk=negotiation.listing_id)
    negotiation = Negotiation.objects.select_for_update().get(pk=negotiation.pk)
    _side(actor, negotiation)
    require(actor, "negotiation.act", negotiation)
    before, after = _transition(NEGOTIATION_TRANSITIONS, negotiation, "close")
    if before == NegotiationStatus.AGREED:
        raise InvalidTransition(_("This negotiation ended in a deal; cancel the deal instead."))
    negotiation.closed_reason = reason or "closed_by_party"
    negotiation.save(update_fields=["status", "closed_reason", "updated_at"])
    Offer.objects.filter(negotiation=negotiation, status=OfferStatus.PENDING).update(
        status=OfferStatus.CLOSED, answered_at=timezone.now()
    )
    audit.record(
        actor=_user(actor),
        city=negotiation.city_id,
        action="negotiation_close",
        obj=negotiation,
        from_state=before,
        to_state=after,
        reason=reason,
    )
    _maybe_reopen(listing, _user(actor))
    return negotiation


@atomic
def message_post(*, actor: Actor, negotiation: Negotiation, body: str) -> Message:
    negotiation = Negotiation.objects.select_for_update().get(pk=negotiation.pk)
    side = _side(actor, negotiation)
    require(actor, "negotiation.act", negotiation)
    body = (body or "").strip()
    if not body:
        raise invalid_field("body", "required", _("A message cannot be empty."))
    if len(body) > 4000:
        raise invalid_field("body", "too_long", _("A message has at most 4,000 characters."))
    if negotiation.status == NegotiationStatus.CLOSED:
        raise InvalidTransition(_("This negotiation is closed."))
    negotiation.save(update_fields=["updated_at"])
    return Message.objects.create(
        city_id=negotiation.city_id, negotiation=negotiation, side=side, author=_user(actor), body=body
    )


# --- transactions --------------------------------------------------------------------------------


def _lock_transaction(tx: Transaction) -> tuple[Listing, Transaction]:
    listing = Listing.objects.select_for_update().get(pk=tx.listing_id)
    return listing, Transaction.objects.select_for_update().select_related("buyer", "seller").get(pk=tx.pk)


@atomic
def transaction_record_contract(
    *, actor: Actor, transaction: Transaction, contract_ref: str, signed_on: datetime.date | None = None
) -> Transaction:
    listing, tx = _lock_transaction(transaction)
    require(actor, "transaction.contract", tx)
    if tx.status != TransactionStatus.OPEN:
        raise InvalidTransition()
    contract_ref = (contract_ref or "").strip()
    if not contract_ref:
        raise invalid_field("contract_ref", "required", _("A contract reference is required."))
    if signed_on and signed_on > timezone.localdate():
        raise invalid_field("signed_on", "date_in_future", _("A contract cannot be signed in the future."))
    tx.contract_ref = contract_ref[:80]
    tx.contract_signed_on = signed_on or timezone.localdate()
    tx.save(update_fields=["contract_ref", "contract_signed_on", "updated_at"])
    audit.record(
        actor=_user(actor),
        city=tx.city_id,
        action="transaction_contract",
        obj=tx,
        data={"contract_ref": tx.contract_ref},
    )
    return tx


@atomic
def transaction_pay(*, actor: Actor, transaction: Transaction) -> Transaction:
    """The buyer pays the agreed price into escrow (资金监管)."""
    listing, tx = _lock_transaction(transaction)
    require(actor, "transaction.pay", tx)
    if tx.status != TransactionStatus.OPEN:
        raise InvalidTransition()
    if not tx.contract_ref:
        raise ContractMissing()
    before, after = _transition(ESCROW_TRANSITIONS, tx, "pay", field="escrow_status")
    tx.paid_at = timezone.now()
    tx.save(update_fields=["escrow_status", "paid_at", "updated_at"])
    audit.record(
        actor=_user(actor),
        city=tx.city_id,
        action="escrow_pay",
        obj=tx,
        from_state=before,
        to_state=after,
        data={"amount": tx.agreed_price},
    )
    return tx


@atomic
def transaction_complete(
    *,
    actor: Actor,
    transaction: Transaction,
    recordal_number: str,
    licence_starts_on: datetime.date | None = None,
    licence_ends_on: datetime.date | None = None,
) -> Transaction:
    """CNIPA recorded the assignment (转让登记) or licence (许可备案): ownership moves or the licence
    is entered in the registry, the escrow is released to the seller, the listing closes."""
    listing, tx = _lock_transaction(transaction)
    require(actor, "transaction.complete", tx)
    recordal_number = (recordal_number or "").strip()
    if not recordal_number:
        raise invalid_field(
            "recordal_number", "required", _("The CNIPA recordal or filing number is required.")
        )
    if tx.status != TransactionStatus.OPEN:
        raise InvalidTransition()
    if tx.escrow_status != EscrowStatus.PAID:
        raise EscrowNotPaid()
    asset_ids = sorted(listing.listing_assets.values_list("asset_id", flat=True))
    if tx.is_transfer:
        for asset_id in asset_ids:
            registry.asset_transfer(
                asset_id=asset_id,
                new_owner=tx.buyer,
                source=tx.source,
                reference=recordal_number,
                actor=actor,
            )
        action = "sell"
    else:
        if tx.buyer.kind not in ASSET_HOLDER_KINDS:
            raise ValidationFailed(
                _("This organisation cannot hold a licence."), code="owner_cannot_hold_assets"
            )
        starts = licence_starts_on or timezone.localdate()
        ends = licence_ends_on
        if ends is None and tx.licence_years:
            from ipops.rules import add_years

            ends = add_years(starts, tx.licence_years) - datetime.timedelta(days=1)
        if ends and ends <= starts:
            raise invalid_field(
                "licence_ends_on", "licence_ends_before_start", _("A licence must end after it starts.")
            )
        registry.encumbrance_add(
            asset_ids=asset_ids,
            kind=tx.deal_type,
            source=tx.source,
            owner_id=tx.seller_id,
            holder=tx.buyer,
            reference=recordal_number,
            starts_on=starts,
            ends_on=ends,
            actor=actor,
        )
        tx.licence_starts_on, tx.licence_ends_on = starts, ends
        action = "license"
    before, after = _transition(TRANSACTION_TRANSITIONS, tx, "complete")
    _transition(ESCROW_TRANSITIONS, tx, "release", field="escrow_status")
    tx.recordal_number = recordal_number[:80]
    tx.completed_at = timezone.now()
    tx.save()
    l_before, l_after = _transition(LISTING_TRANSITIONS, listing, action)
    listing.closed_at = tx.completed_at
    listing.save(update_fields=["status", "closed_at", "updated_at"])
    audit.record(
        actor=_user(actor),
        city=tx.city_id,
        action="transaction_complete",
        obj=tx,
        from_state=before,
        to_state=after,
        data={
            "agreed_price": tx.agreed_price,
            "recordal_number": tx.recordal_number,
            "escrow": "released",
            "assets": asset_ids,
        },
    )
    audit.record(
        actor=_user(actor),
        city=listing.city_id,
        action=f"listing_{action}",
        obj=listing,
        from_state=l_before,
        to_state=l_after,
    )
    return tx


@atomic
def transaction_cancel(*, actor: Actor, transaction: Transaction, reason: str) -> Transaction:
    """Call the deal off: escrow refunded if paid, the registry hold released, the listing back on the market."""
    listing, tx = _lock_transaction(transaction)
    require(actor, "transaction.cancel", tx)
    reason = (reason or "").strip()
    if not reason:
        raise invalid_field("reason", "required", _("Say why the deal is cancelled."))
    before, after = _transition(TRANSACTION_TRANSITIONS, tx, "cancel")
    refunded = tx.escrow_status == EscrowStatus.PAID
    if refunded:
        _transition(ESCROW_TRANSITIONS, tx, "refund", field="escrow_status")
    tx.cancelled_at = timezone.now()
    tx.cancel_reason = reason[:300]
    tx.save()
    registry.encumbrance_release(source=tx.source, kind="sale_pending", actor=actor)
    negotiation = Negotiation.objects.select_for_update().get(pk=tx.negotiation_id)
    _transition(NEGOTIATION_TRANSITIONS, negotiation, "close")
    negotiation.closed_reason = "deal_cancelled"
    negotiation.save(update_fields=["status", "closed_reason", "updated_at"])
    audit.record(
        actor=_user(actor),
        city=tx.city_id,
        action="transaction_cancel",
        obj=tx,
        from_state=before,
        to_state=after,
        reason=reason,
        data={"agreed_price": tx.agreed_price, "escrow": "refunded" if refunded else "not_paid"},
    )
    _maybe_reopen(listing, _user(actor))
    return tx


# --- operations centres ----------------------------------------------------------------------------


@atomic
def centre_create(
    *,
    actor: Actor,
    organization: Organization,
    name: str = "",
    kind: str = CentreKind.UNIVERSITY,
    established_on: datetime.date | None = None,
) -> OperationsCentre:
    require(actor, "centre.manage")
    _check_choice(kind, CentreKind.values, "kind")
    if OperationsCentre.objects.filter(organization=organization).exists():
        raise Conflict(_("This organisation already runs an operations centre."), code="centre_exists")
    try:
        with atomic():  # two bureau staff registering the same organisation at once: one centre
            centre = OperationsCentre.objects.create(
                city=actor.city,
                organization=organization,
                name=(name or organization.name)[:120],
                kind=kind,
                established_on=established_on,
            )
    except IntegrityError as exc:
        raise Conflict(
            _("This organisation already runs an operations centre."), code="centre_exists"
        ) from exc
    audit.record(actor=_user(actor), city=actor.city, action="centre_create", obj=centre, data={"kind": kind})
    return centre


@atomic
def centre_member_add(
    *,
    actor: Actor,
    centre: OperationsCentre,
    organization: Organization,
    joined_on: datetime.date | None = None,
) -> CentreMembership:
    require(actor, "centre.manage")
    membership, created = CentreMembership.objects.get_or_create(
        centre=centre, organization=organization, defaults={"city_id": centre.city_id, "joined_on": joined_on}
    )
    if not created:
        raise Conflict(_("This organisation is already a member."), code="centre_member_exists")
    audit.record(
        actor=_user(actor),
        city=centre.city_id,
        action="centre_member_add",
        obj=centre,
        data={"organization": organization.pk},
    )
    return membership


@atomic
def centre_member_remove(*, actor: Actor, centre: OperationsCentre, organization: Organization) -> None:
    require(actor, "centre.manage")
    deleted, _rows = CentreMembership.objects.filter(centre=centre, organization=organization).delete()
    if not deleted:
        raise NotFound(_("This organisation is not a member."), code="centre_member_not_found")
    audit.record(
        actor=_user(actor),
        city=centre.city_id,
        action="centre_member_remove",
        obj=centre,
        data={"organization": organization.pk},
    )


# --- stored matches (智能匹配结果) ---------------------------------------------------------------------
# Matching a buy request ranks up to a few hundred candidates in Python: worth doing once per change,
# not on every page view. Tasks keep `BuyRequestMatch` fresh; reads fall back to live matching for a
# buy request whose matches were never computed.

#: Matches kept per buy request (pages show 20).
STORED_MATCHES = 50
#: Buy requests a newly published listing is scored against.
PROPAGATE_TO = 200


def _refresh_matches_on_commit(br: BuyRequest) -> None:
    from trading.tasks import refresh_buy_request_matches

    refresh_buy_request_matches.delay_on_commit(br.city_id, br.pk)


def _propagate_matches_on_commit(listing: Listing) -> None:
    from trading.tasks import propagate_listing_matches

    propagate_listing_matches.delay_on_commit(listing.city_id, listing.pk)


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
