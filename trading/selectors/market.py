"""The market: listings, their due diligence and matches, the public and national marketplace, buy requests."""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Prefetch, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from ipops.access import Actor
from ipops.ids import InvalidIdentifier, normalize_ipc_prefix, parse_patent_number, patent_check_char
from ipops.models import City, Encumbrance, IPAsset, Organization
from ipops.models.registry import PATENT_KINDS
from ipops.permissions import reads_city
from ipops.tenancy import scopes_disabled
from ipops.visibility import get_visible_or_404

from .. import rules, search
from ..availability import listing_blocks, with_blocks
from ..errors import BuyRequestNotFound, ListingNotFound
from ..models import (
    PUBLIC_LISTING_STATUSES,
    BuyRequest,
    BuyRequestMatch,
    Listing,
    ListingAsset,
    Negotiation,
    Visibility,
)
from ..permissions import can


def _assets() -> Prefetch:
    """Built per query: a scoped manager's queryset must be made inside the scope."""
    return Prefetch("listing_assets", queryset=ListingAsset.objects.select_related("asset"))


# --- listings ----------------------------------------------------------------------------------


def _own(qs: QuerySet, actor: Actor, column: str) -> QuerySet:
    """The rows of the actor's own organisation (`mine=true`)."""
    return qs.filter(**{column: actor.organization_id}) if actor.organization_id else qs.none()


def listing_queryset(actor: Actor | None, *, mine: bool = False) -> QuerySet[Listing]:
    """Listings this actor may see (`Listing`'s visibility rule), only their own with `mine`; anonymous
    visitors see what is on the market."""
    if actor is None:
        return Listing.objects.filter(status__in=PUBLIC_LISTING_STATUSES)
    qs = Listing.objects.restrict(actor)
    return _own(qs, actor, "seller_id") if mine else qs


#: Derived search columns: never needed to show a listing.
SEARCH_COLUMNS = ("title_terms", "body_terms", "search_vector", "ipc_prefixes")


def listing_page(ids: list[int], *, with_assets: bool = True) -> list[Listing]:
    """Rows for one page of ranked ids, in that order, with seller (and assets): a fixed number of queries."""
    qs = Listing.objects.filter(pk__in=ids).defer(*SEARCH_COLUMNS).select_related("seller")
    rows = (qs.prefetch_related(_assets()) if with_assets else qs).in_bulk()
    return [rows[i] for i in ids if i in rows]


_LISTING_NUMBER = re.compile(r"GP\d{11,}")
_BARE_PATENT_NUMBER = re.compile(r"(?:ZL|CN)?(\d{12}|\d{8})")


def _patent_number(text: str) -> str | None:
    """A patent (application) number as people type it — ZL201710601862.3, CN 2017106018623, full-width
    ＺＬ２０１７…, or the twelve digits without the check character — in its canonical form, or None."""
    try:
        return parse_patent_number(text).canonical
    except InvalidIdentifier:
        pass
    bare = _BARE_PATENT_NUMBER.fullmatch(re.sub(r"[\s.]", "", unicodedata.normalize("NFKC", text).upper()))
    if bare is None:
        return None
    digits = bare.group(1)
    try:
        return parse_patent_number(digits + patent_check_char(digits)).canonical
    except InvalidIdentifier:
        return None


def _by_number(base: QuerySet[Listing], q: str) -> QuerySet[Listing] | None:
    """The listings of `base` a listing number (GP2026…) or a patent number typed into the search box names,
    or None when `q` is neither: a number is looked up exactly, before any text search, which would cut it
    into meaningless pieces."""
    text = (q or "").strip()
    if not text:
        return None
    folded = re.sub(r"\s", "", unicodedata.normalize("NFKC", text).upper())
    if _LISTING_NUMBER.fullmatch(folded):
        return base.filter(reference=folded)
    number = _patent_number(text)
    if number is None:
        return None
    holding = ListingAsset.objects.filter(asset__kind__in=PATENT_KINDS, asset__number=number)
    return base.filter(pk__in=holding.values("listing_id"))


def _search(base: QuerySet[Listing], q: str, filters: dict) -> search.SearchResult:
    """Text search (`trading.search`), unless the query is a listing or patent number: then its exact match."""
    exact = _by_number(base, q)
    if exact is None:
        return search.listing_search(base, q=q, **filters)
    found = search.apply_filters(exact, **{k: v for k, v in filters.items() if v not in (None, "")})
    ids = list(found.order_by("-published_at", "-id").values_list("pk", flat=True)[: search.MAX_RESULTS])
    return search.SearchResult(ids, "number")


def listing_search(
    actor: Actor | None, *, q: str = "", mine: bool = False, status: str = "", **filters
) -> search.SearchResult:
    qs = listing_queryset(actor, mine=mine)
    if status:
        qs = qs.filter(status=status)
    return _search(qs, q, filters)


def blocked_listings(actor: Actor, *, limit: int = 200) -> list[Listing]:
    """The actor's own listings on the market that cannot take offers now (an asset pledged since, …), each
    with its `blocks`: what the seller is told on the workbench and at home."""
    mine = (
        listing_queryset(actor, mine=True)
        .filter(status__in=PUBLIC_LISTING_STATUSES)
        .defer(*SEARCH_COLUMNS)
        .prefetch_related(_assets())
        .order_by("-published_at", "-id")[:limit]
    )
    return [listing for listing in with_blocks(list(mine)) if listing.blocks]  # type: ignore[attr-defined]


def listing_get(actor: Actor | None, pk) -> Listing:
    """A listing with its seller and assets, if the actor may see it (anonymous: if on the market)."""
    qs = Listing.objects.select_related("seller").prefetch_related(_assets())
    if actor is not None:
        return get_visible_or_404(qs, actor, pk)
    try:
        return qs.filter(status__in=PUBLIC_LISTING_STATUSES).get(pk=int(pk))
    except (Listing.DoesNotExist, TypeError, ValueError):
        raise ListingNotFound() from None


@dataclass(frozen=True)
class PublicPledge:
    """A pledge as the market sees it: that the asset is pledged, under which CNIPA registration and since
    when, and not who lent on it (`holder` is None)."""

    kind: str
    reference: str
    starts_on: datetime.date | None
    ends_on: datetime.date | None
    holder: None = None


def sees_pledgees(viewer: Actor | None, listing: Listing) -> bool:
    """Who may read the pledgee's name in the due-diligence panel: those who read the whole city (the bureau,
    officials), the seller, and the pledgees themselves.

    CNIPA's register of pledges is public (the registration number, the pledgor and the pledgee), so the
    market must say that an asset is encumbered and how to verify it: the registration number and day.
    Which bank lent on a company's patents is its financing, not what a buyer needs to judge the asset: a
    competitor browsing the market (anonymous, another enterprise, another city on the national market)
    learns of the pledge, not of the bank. Verifying at CNIPA stays possible with the number."""
    if viewer is None:
        return False
    return reads_city(viewer) or viewer.organization_id == listing.seller_id


@dataclass
class AssetDiligence:
    """The due-diligence panel (尽职调查) for one asset of a listing."""

    asset: IPAsset
    owner_name: str
    expiry_date: datetime.date | None
    remaining_days: int | None
    pledges: list[Encumbrance | PublicPledge]
    licences: list[Encumbrance]
    other: list[Encumbrance]

    @property
    def warnings(self) -> list[str]:
        out = []
        if not self.asset.is_in_force:
            out.append("not_in_force")
        if self.pledges:
            out.append("pledged")
        if self.remaining_days is not None and self.remaining_days < 365 * 2:
            out.append("expires_soon")
        if any(e.kind in ("exclusive_licence", "sole_licence") for e in self.licences):
            out.append("exclusively_licensed")
        return out


def due_diligence(
    listing: Listing, *, viewer: Actor | None = None, today: datetime.date | None = None
) -> list[AssetDiligence]:
    """The panel for each asset of the listing as `viewer` may read it (None: the public); the pledgees'
    names only for those `sees_pledgees` admits, and for a pledgee its own pledges."""
    today = today or timezone.localdate()
    all_pledgees = sees_pledgees(viewer, listing)
    own = viewer.organization_id if viewer is not None else None
    assets = [la.asset for la in listing.listing_assets.all()]
    active: dict[int, list[Encumbrance]] = defaultdict(list)
    for e in (
        Encumbrance.objects.filter(asset_id__in=[a.pk for a in assets], released_at__isnull=True)
        .select_related("holder")
        .order_by("created_at")
    ):
        active[e.asset_id].append(e)
    owners = {a.owner_id for a in assets}
    names = dict(Organization.objects.filter(pk__in=owners).values_list("pk", "name"))
    out = []
    for asset in assets:
        rows = active[asset.pk]
        out.append(
            AssetDiligence(
                asset=asset,
                owner_name=names.get(asset.owner_id, ""),
                expiry_date=asset.expiry_date,
                remaining_days=asset.remaining_term_days(today),
                pledges=[
                    e if all_pledgees or (own is not None and e.holder_id == own) else _public(e)
                    for e in rows
                    if e.kind == "pledge"
                ],
                licences=[e for e in rows if e.kind.endswith("_licence")],
                other=[e for e in rows if e.kind == "sale_pending"],
            )
        )
    return out


def _public(pledge: Encumbrance) -> PublicPledge:
    return PublicPledge(
        kind=pledge.kind, reference=pledge.reference, starts_on=pledge.starts_on, ends_on=pledge.ends_on
    )


def listing_negotiations(actor: Actor, listing: Listing) -> QuerySet[Negotiation]:
    """The negotiations on a listing the actor may see: all of them for its seller, a buyer's own."""
    return (
        Negotiation.objects.restrict(actor)
        .filter(listing=listing)
        .select_related("buyer")
        .prefetch_related("offers")
    )


def listing_matches(
    actor: Actor, listing: Listing, *, limit: int = 20
) -> list[tuple[BuyRequest, rules.Match]]:
    if not can(actor, "listing.matches", listing):
        raise ListingNotFound()
    scored = search.match_buy_requests(listing, limit=limit)
    rows = BuyRequest.objects.select_related("buyer").in_bulk([pk for pk, _m in scored])
    return [(rows[pk], match) for pk, match in scored if pk in rows]


# --- the public and national marketplace ------------------------------------------------------------

#: What a seller publishes about a listing: every list (search results, matches, the public and national
#: markets) shows these, and nothing else of it leaves a city.
PUBLISHED_FIELDS = (
    "reference",
    "title",
    "description",
    "keywords",
    "deal_type",
    "asking_price",
    "negotiable",
    "industry",
    "ipc_codes",
    "asset_kinds",
    "region",
    "published_at",
    "expires_on",
    "status",
)
#: The national market's rows: the published fields, the city and the seller's name.
PUBLIC_FIELDS = ("pk", *PUBLISHED_FIELDS, "city__slug", "city__name_zh", "city__name_en", "seller__name")


def national_listings(*, q: str = "", city: str = "", **filters) -> search.SearchResult:
    """Listings published to the national marketplace, across cities: published fields only.

    The one place the marketplace leaves a city's scope, explicitly, and only for published,
    nationally visible listings on the market.
    """
    with scopes_disabled():
        base = Listing.objects.filter(
            visibility=Visibility.NATIONAL, status__in=PUBLIC_LISTING_STATUSES, city__is_active=True
        )
        if city:
            base = base.filter(city__slug=city)
        return _search(base, q, filters)


def national_page(ids: list[int]) -> list[dict]:
    """Public fields of one page of national listings, in order."""
    with scopes_disabled():
        rows = {
            r["pk"]: r
            for r in Listing.objects.filter(
                pk__in=ids, visibility=Visibility.NATIONAL, status__in=PUBLIC_LISTING_STATUSES
            ).values(*PUBLIC_FIELDS)
        }
    return [rows[i] for i in ids if i in rows]


def with_national_blocks(rows: list[dict]) -> list[dict]:
    """National rows, each with `blocks` (`trading.availability`): whether an asset of the listing was
    pledged or otherwise held since, read from the registry across cities like the rows themselves (the
    numbers and reasons are what the listing's own public page says)."""
    with scopes_disabled():
        listings = list(
            Listing.objects.filter(pk__in=[row["pk"] for row in rows])
            .only("pk", "status", "deal_type", "seller_id")
            .prefetch_related(_assets())
        )
        found = listing_blocks(listings)
    for row in rows:
        row["blocks"] = found.get(row["pk"], [])
    return rows


def national_cities() -> list[City]:
    return list(City.objects.filter(is_active=True).order_by("slug"))


# --- buy requests -----------------------------------------------------------------------------------


def buy_request_queryset(actor: Actor, *, mine: bool = False) -> QuerySet[BuyRequest]:
    qs = BuyRequest.objects.restrict(actor).select_related("buyer")
    return _own(qs, actor, "buyer_id") if mine else qs


def buy_request_list(
    actor: Actor,
    *,
    q: str = "",
    mine: bool = False,
    status: str = "",
    industry: str = "",
    ipc: str = "",
    deal_type: str = "",
) -> list[int]:
    qs = buy_request_queryset(actor, mine=mine)
    if status:
        qs = qs.filter(status=status)
    if industry:
        qs = qs.filter(industry=industry)
    if deal_type:
        qs = qs.filter(deal_types__contains=[deal_type])
    if ipc:
        qs = qs.filter(ipc_prefixes__contains=[normalize_ipc_prefix(ipc)])
    return search.ranked_ids(qs, q, order_without_text=("-created_at", "-id")).ids


def buy_request_page(ids: list[int]) -> list[BuyRequest]:
    rows = BuyRequest.objects.filter(pk__in=ids).select_related("buyer").in_bulk()
    return [rows[i] for i in ids if i in rows]


def buy_request_get(actor: Actor, pk) -> BuyRequest:
    return get_visible_or_404(BuyRequest.objects.select_related("buyer"), actor, pk)


def buy_request_matches(
    actor: Actor, br: BuyRequest, *, limit: int = 20, with_assets: bool = True, live: bool = False
) -> list[tuple[Listing | ListingRow, rules.Match]]:
    """Listings ranked for a buy request: its stored matches (still on the market), or computed now when
    they were never stored or `live` is asked for."""
    if not can(actor, "buy_request.matches", br):
        raise BuyRequestNotFound()
    if live or br.matches_computed_at is None:
        scored = search.match_listings(br, limit=limit)
    else:
        stored = (
            BuyRequestMatch.objects.filter(buy_request=br, listing__status__in=PUBLIC_LISTING_STATUSES)
            .exclude(listing__seller_id=br.buyer_id)
            .order_by("-score", "-listing_id")
        )
        if not with_assets:
            return _match_rows(stored, limit)
        scored = [
            (pk, rules.Match(score, reasons))
            for pk, score, reasons in stored.values_list("listing_id", "score", "reasons")[:limit]
        ]
    ids = [pk for pk, _m in scored]
    rows = {row.pk: row for row in (listing_page(ids) if with_assets else listing_rows(ids))}
    return [(rows[pk], match) for pk, match in scored if pk in rows]


def best_matches(
    actor: Actor, buy_requests: list[BuyRequest], *, limit: int = 3
) -> dict[int, list[tuple[Listing | ListingRow, rules.Match]]]:
    """The best few matches of each of several buy requests, for a list page (the buyer's workbench).

    Stored matches of every request come in one query (ranked per request by a window), their listings
    in one more, whatever the number of requests; a request whose matches were never stored is computed
    now, as `buy_request_matches` would.
    """
    ids = [br.pk for br in buy_requests]
    allowed = set(
        BuyRequest.objects.restrict(actor, "matches").filter(pk__in=ids).values_list("pk", flat=True)
    )
    out: dict[int, list[tuple[Listing | ListingRow, rules.Match]]] = {pk: [] for pk in allowed}
    stored = [br.pk for br in buy_requests if br.pk in allowed and br.matches_computed_at is not None]
    ranked = (
        BuyRequestMatch.objects.filter(buy_request_id__in=stored, listing__status__in=PUBLIC_LISTING_STATUSES)
        .exclude(listing__seller_id=F("buy_request__buyer_id"))
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=F("buy_request_id"),
                order_by=[F("score").desc(), F("listing_id").desc()],
            )
        )
        .filter(rank__lte=limit)
        .order_by("buy_request_id", "rank")
        .values_list("buy_request_id", "listing_id", "score", "reasons")
    )
    picked = list(ranked)
    listings = {row.pk: row for row in listing_page([listing_id for _br, listing_id, _s, _r in picked])}
    for br_id, listing_id, score, reasons in picked:
        if listing_id in listings:
            out[br_id].append((listings[listing_id], rules.Match(score, reasons)))
    for br in buy_requests:
        if br.pk in allowed and br.matches_computed_at is None:
            out[br.pk] = buy_request_matches(actor, br, limit=limit)
    return out


def served_matches(
    actor: Actor, buy_request_id: int, *, limit: int = 20
) -> list[tuple[Listing | ListingRow, rules.Match]]:
    """The API's read of a buy request's stored matches, as plain rows, in one query.

    The permission ("its buyer, or someone who reads the whole city") and the "were they ever
    stored" test ride along as join conditions, so a buyer reading matches costs one round trip.
    When that finds nothing (no such buy request for this actor, never stored, or no listing left
    on the market) the general path decides which it is: 404, live, or empty.
    """
    stored = BuyRequestMatch.objects.filter(
        buy_request_id=buy_request_id,
        buy_request__matches_computed_at__isnull=False,
        listing__status__in=PUBLIC_LISTING_STATUSES,
    ).exclude(listing__seller_id=F("buy_request__buyer_id"))
    if not reads_city(actor):
        if actor.organization_id is None:
            raise BuyRequestNotFound()
        stored = stored.filter(buy_request__buyer_id=actor.organization_id)
    rows = _match_rows(stored.order_by("-score", "-listing_id"), limit)
    if rows:
        return rows
    br = buy_request_get(actor, buy_request_id)
    return buy_request_matches(actor, br, limit=limit, with_assets=False)


def _match_rows(
    stored: QuerySet[BuyRequestMatch], limit: int
) -> list[tuple[Listing | ListingRow, rules.Match]]:
    """Ordered stored matches with their listings and sellers, in one query, as plain rows (what the API renders)."""
    columns = ["listing__id", *(f"listing__{f}" for f in API_ROW_FIELDS)]
    return [
        (ListingRow.from_values(values[2:]), rules.Match(values[0], values[1]))
        for values in stored.values_list("score", "reasons", *columns)[:limit]
    ]


#: A city's own list rows (search results, matches): the published fields, its visibility and the seller.
API_ROW_FIELDS = (*PUBLISHED_FIELDS, "visibility", "seller__id", "seller__name")


@dataclass(frozen=True)
class SellerRef:
    id: int
    name: str


@dataclass(frozen=True)
class ListingRow:
    """The columns of `API_ROW_FIELDS` as a plain row: what the API's list serialisers read, without
    building model instances for rows that are only rendered."""

    seller: SellerRef
    id: int
    reference: str
    title: str
    description: str
    keywords: str
    deal_type: str
    asking_price: Decimal | None
    negotiable: bool
    industry: str
    ipc_codes: list
    asset_kinds: list
    region: str
    visibility: str
    status: str
    published_at: datetime.datetime | None
    expires_on: datetime.date | None

    @classmethod
    def from_values(cls, values) -> ListingRow:
        """From the id and `API_ROW_FIELDS`' values, in that order."""
        row = dict(zip(("id", *API_ROW_FIELDS), values, strict=True))
        return cls(seller=SellerRef(row.pop("seller__id"), row.pop("seller__name")), **row)


def listing_rows(ids: list[int]) -> list[Listing]:
    """Rows for an API list page, in the order of `ids`: the listing and its seller, one query."""
    rows = Listing.objects.filter(pk__in=ids).select_related("seller").only(*API_ROW_FIELDS).in_bulk()
    return [rows[i] for i in ids if i in rows]
