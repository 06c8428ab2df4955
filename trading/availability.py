"""Whether a listing's assets can still be sold or licensed as it offers them: the registry's answer, at read time.

A listing does not copy the state of its assets. When an asset of a listing on the market is pledged,
licensed elsewhere, lapses or changes owner, the registry knows it (its encumbrances, its legal status,
its owner), and the listing reads it from there whenever it is shown or asked to take an offer: it shows
a badge and why, and refuses new offers and acceptance (`listing_assets_unavailable`, 409). When the
pledge is released the listing is back on sale by itself; nobody re-creates it. No signal, no copied flag:
the registry is where the marketplace and the pledge finance app meet.

Which encumbrance blocks which deal is the registry's rule (`ipops.rules.BLOCKING`, the one
`registry.check_assets_available` applies); listings read many assets' encumbrances in one query
(`ipops.selectors.registry.active_encumbrances`). Services lock the assets (`registry.lock_assets`) before
asking, so a pledge and an acceptance of the same asset are decided one after the other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ipops.access import Actor
from ipops.errors import IpopsErrorCode
from ipops.models import IPAsset
from ipops.platform import AssetAction
from ipops.rules import blocking_encumbrances
from ipops.selectors.registry import active_encumbrances
from ipops.services import registry
from ipops.services.registry import AssetAlreadyPledged, AssetEncumbered, AssetNotInForce, AssetNotOwned

from .errors import ListingAssetsUnavailable
from .models import DealType, Listing, ListingAsset, ListingStatus, Transaction, TransactionStatus
from .permissions import can

#: Deal type → the registry action an asset must be free for (a pledge disposal sells the pledge itself).
REGISTRY_ACTION: dict[str, str] = {
    DealType.ASSIGNMENT: "assign",
    DealType.EXCLUSIVE_LICENCE: "exclusive_licence",
    DealType.SOLE_LICENCE: "sole_licence",
    DealType.NON_EXCLUSIVE_LICENCE: "non_exclusive_licence",
}

#: A listing that already offers its assets (or is being prepared to): another one would compete with it.
_LISTED = (ListingStatus.DRAFT, ListingStatus.PUBLISHED, ListingStatus.NEGOTIATING)
#: A listing closed by its own deal: its assets changed hands or carry its licence, which is no news.
_SETTLED = frozenset({ListingStatus.SOLD, ListingStatus.LICENSED})

NOT_IN_FORCE = "not_in_force"
NOT_OWNED = "not_owned"
#: Why an asset cannot go: the blocking encumbrance's kind, or one of the two above. Checked in the
#: registry's own order (owner, legal status, pledge, then the other encumbrances).
_REASONS = {
    "pledge": (IpopsErrorCode.ASSET_ALREADY_PLEDGED, _("%(number)s is pledged")),
    "sale_pending": (IpopsErrorCode.ASSET_ENCUMBERED, _("%(number)s is being assigned in another deal")),
    "exclusive_licence": (IpopsErrorCode.ASSET_ENCUMBERED, _("%(number)s is under an exclusive licence")),
    "sole_licence": (IpopsErrorCode.ASSET_ENCUMBERED, _("%(number)s is under a sole licence")),
    "non_exclusive_licence": (
        IpopsErrorCode.ASSET_ENCUMBERED,
        _("%(number)s is under a non-exclusive licence"),
    ),
    NOT_IN_FORCE: (IpopsErrorCode.ASSET_NOT_IN_FORCE, _("%(number)s is no longer in force")),
    NOT_OWNED: (IpopsErrorCode.ASSET_NOT_OWNED, _("%(number)s no longer belongs to the seller")),
}
_ORDER = ("pledge", "sale_pending", "exclusive_licence", "sole_licence", "non_exclusive_licence")


@dataclass(frozen=True)
class AssetBlock:
    """One asset of a listing that cannot go as the listing offers it, and why."""

    asset_id: int
    number: str
    reason: str

    @property
    def code(self) -> str:
        """The registry's error code for this reason (`asset_already_pledged`, …)."""
        return _REASONS[self.reason][0]

    @property
    def explanation(self) -> str:
        """In words: "ZL201710601862.3 已质押"."""
        return str(_REASONS[self.reason][1] % {"number": self.number})


def check_assets_for_listing(*, assets: Sequence[IPAsset], deal_type: str, seller_id: int) -> None:
    """The registry's check when a listing is created or published: in force and the seller's; for an
    assignment or a licence also free of blocking rights. A pledge-disposal listing (质押处置) sells a
    pledged asset: the pledge is what it disposes of."""
    action = REGISTRY_ACTION.get(deal_type)
    if action:
        registry.check_assets_available(assets=list(assets), action=action, owner_id=seller_id)
        return
    for asset in assets:
        if asset.owner_id != seller_id:
            raise AssetNotOwned(
                fields={"assets": [{"code": AssetNotOwned.code, "detail": asset.display_number}]}
            )
        if not asset.is_in_force:
            raise AssetNotInForce(
                fields={"assets": [{"code": AssetNotInForce.code, "detail": asset.display_number}]}
            )


def _block(asset: IPAsset, *, deal_type: str, seller_id: int, kinds: Iterable[str]) -> AssetBlock | None:
    """The registry's verdict on one asset for this deal, as `check_assets_available` reaches it."""
    reason = ""
    if asset.owner_id != seller_id:
        reason = NOT_OWNED
    elif not asset.is_in_force:
        reason = NOT_IN_FORCE
    elif action := REGISTRY_ACTION.get(deal_type):
        blockers = blocking_encumbrances(action, kinds)
        reason = next((kind for kind in _ORDER if kind in blockers), "")
    return AssetBlock(asset.pk, asset.display_number, reason) if reason else None


def _listing_assets(listings: list[Listing]) -> dict[int, list[IPAsset]]:
    """Each listing's assets: from its prefetched rows when a page loaded them, else in one query."""
    out: dict[int, list[IPAsset]] = {}
    missing = []
    for listing in listings:
        if "listing_assets" in getattr(listing, "_prefetched_objects_cache", {}):
            out[listing.pk] = [la.asset for la in listing.listing_assets.all()]
        else:
            missing.append(listing.pk)
    if missing:
        for la in ListingAsset.objects.filter(listing_id__in=missing).select_related("asset").order_by("pk"):
            out.setdefault(la.listing_id, []).append(la.asset)
    return out


def listing_blocks(listings: Iterable[Listing]) -> dict[int, list[AssetBlock]]:
    """Listing id → the assets that keep it from taking offers (only listings with any), for a whole page
    in three queries: the assets (unless prefetched), their active encumbrances, the listings' open deals.

    A listing's own deal holds its assets (an assignment under way is `sale_pending` in the registry):
    that hold is the deal, not a reason the listing cannot go, so it is left out.
    """
    live = [listing for listing in listings if listing.status not in _SETTLED]
    if not live:
        return {}
    assets = _listing_assets(live)
    encumbrances = active_encumbrances({a.pk for rows in assets.values() for a in rows})
    own_deals = {
        listing_id: Transaction(pk=pk).source
        for listing_id, pk in Transaction.objects.filter(
            listing_id__in=[listing.pk for listing in live], status=TransactionStatus.OPEN
        ).values_list("listing_id", "pk")
    }
    out: dict[int, list[AssetBlock]] = {}
    for listing in live:
        own = own_deals.get(listing.pk, "")
        blocks = [
            block
            for asset in assets.get(listing.pk, [])
            if (
                block := _block(
                    asset,
                    deal_type=listing.deal_type,
                    seller_id=listing.seller_id,
                    kinds=[e.kind for e in encumbrances.get(asset.pk, []) if e.source != own],
                )
            )
        ]
        if blocks:
            out[listing.pk] = blocks
    return out


def with_blocks(listings: list[Listing]) -> list[Listing]:
    """The same listings, each with `blocks` (its `AssetBlock`s, empty when it can go): what the tables show."""
    found = listing_blocks(listings)
    for listing in listings:
        listing.blocks = found.get(listing.pk, [])  # type: ignore[attr-defined]
    return listings


def require_available(listing: Listing) -> None:
    """Raise `listing_assets_unavailable` (409) naming each asset and why, unless the listing's assets can
    still go as it offers them. Asked before an offer, a counter-offer or an acceptance; the services hold
    the assets' locks while it is asked."""
    blocks = listing_blocks([listing]).get(listing.pk)
    if blocks:
        raise ListingAssetsUnavailable.because(blocks)


def sell_action(actor: Actor, asset: IPAsset) -> AssetAction | None:
    """The step "list it on the market" on an asset's page (`TradingConfig.asset_actions`): for its owner with
    write access a link to a new listing with the asset chosen, or the same button disabled with the reason it
    cannot be sold now (already listed, pledged or otherwise held, not in force: the registry's words)."""
    if not (can(actor, "listing.create") and actor.can_write and asset.owner_id == actor.organization_id):
        return None
    url = f"{reverse('trading-listing-create', kwargs={'city': actor.city.slug})}?asset={asset.pk}"

    def action(blocked_by="") -> AssetAction:
        return AssetAction(_("List it on the market"), url, icon="tag", blocked_by=blocked_by)

    listed = (
        Listing.objects.filter(listing_assets__asset=asset, status__in=_LISTED)
        .order_by("-pk")
        .values_list("reference", flat=True)
        .first()
    )
    if listed:
        return action(blocked_by=_("Already listed as %(ref)s.") % {"ref": listed})
    try:
        check_assets_for_listing(assets=[asset], deal_type=DealType.ASSIGNMENT, seller_id=asset.owner_id)
    except (AssetAlreadyPledged, AssetEncumbered, AssetNotInForce) as exc:
        return action(blocked_by=exc.message)
    return action()
