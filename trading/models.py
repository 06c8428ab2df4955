"""The trading marketplace (交易市场): listings, buy requests, negotiations, deals, operations centres.

Lifecycles are declared once, as data, in `trading.lifecycles`, and changed only by
`trading.services`. Search text is pre-tokenised in Python (jieba + the domain synonym
table, `trading.rules`) and indexed by PostgreSQL's `simple` full-text configuration
through a generated tsvector column with a GIN index.
"""

from __future__ import annotations

import pghistory
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ipops.models import Industry
from ipops.money import MoneyField
from ipops.tenancy import CityOwned


class DealType(models.TextChoices):
    ASSIGNMENT = "assignment", _("Assignment")
    EXCLUSIVE_LICENCE = "exclusive_licence", _("Exclusive licence")
    SOLE_LICENCE = "sole_licence", _("Sole licence")
    NON_EXCLUSIVE_LICENCE = "non_exclusive_licence", _("Non-exclusive licence")
    PLEDGE_DISPOSAL = "pledge_disposal", _("Pledge disposal")


#: Deal types that end in the asset changing owner (转让); the others record a licence (许可).
TRANSFER_DEAL_TYPES = frozenset({DealType.ASSIGNMENT, DealType.PLEDGE_DISPOSAL})
LICENCE_DEAL_TYPES = frozenset(
    {DealType.EXCLUSIVE_LICENCE, DealType.SOLE_LICENCE, DealType.NON_EXCLUSIVE_LICENCE}
)


class Visibility(models.TextChoices):
    CITY = "city", _("This city")
    NATIONAL = "national", _("National marketplace")


class ListingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    NEGOTIATING = "negotiating", _("Under negotiation")
    SOLD = "sold", _("Sold")
    LICENSED = "licensed", _("Licensed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


#: Statuses anyone (also anonymous visitors) may see: the listing is on the market.
PUBLIC_LISTING_STATUSES = (ListingStatus.PUBLISHED, ListingStatus.NEGOTIATING)
#: Statuses every member of the city sees (closed deals stay visible as references).
CITY_LISTING_STATUSES = (*PUBLIC_LISTING_STATUSES, ListingStatus.SOLD, ListingStatus.LICENSED)


def _search_vector():
    return SearchVector("title_terms", config="simple", weight="A") + SearchVector(
        "body_terms", config="simple", weight="B"
    )


def title_vector() -> SearchVector:
    """The title's words alone, as the `listing_title_gin` index holds them: search takes its first
    candidates from titles, so a broad word can't fill the candidate pool with mere mentions in abstracts."""
    return SearchVector("title_terms", config="simple")


class Searchable(models.Model):
    """Pre-tokenised text (space-separated canonical terms) and its generated tsvector."""

    title_terms = models.TextField(default="", editable=False)
    body_terms = models.TextField(default="", editable=False)
    search_vector = models.GeneratedField(
        expression=_search_vector(), output_field=SearchVectorField(), db_persist=True
    )
    #: Every level of every IPC symbol (H, H01, H01M, H01M 10, H01M 10/613) for prefix search and matching.
    ipc_prefixes = ArrayField(models.CharField(max_length=20), default=list, editable=False)

    class Meta:
        abstract = True


#: Search columns are derived; history keeps what people wrote.
_UNTRACKED = ["title_terms", "body_terms", "search_vector", "ipc_prefixes"]
#: Bookkeeping of the stored matches: not a business change, so not in the row history.
_UNTRACKED_BUY_REQUEST = [*_UNTRACKED, "matches_computed_at"]


@pghistory.track(
    pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), exclude=_UNTRACKED
)
class Listing(CityOwned, Searchable):
    """A listing (挂牌) of one asset or a package (专利包) for assignment, licence or pledge disposal."""

    reference = models.CharField(_("listing number"), max_length=30)
    seller = models.ForeignKey(
        "ipops.Organization", on_delete=models.PROTECT, related_name="listings", verbose_name=_("seller")
    )
    assets = models.ManyToManyField("ipops.IPAsset", through="ListingAsset", related_name="listings")
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    deal_type = models.CharField(_("deal type"), max_length=30, choices=DealType.choices)
    asking_price = MoneyField(_("asking price"), null=True, blank=True)
    negotiable = models.BooleanField(_("price negotiable"), default=False)
    industry = models.CharField(
        _("industry"), max_length=30, choices=Industry.choices, default=Industry.OTHER
    )
    ipc_codes = ArrayField(models.CharField(max_length=20), default=list, blank=True, verbose_name=_("IPC"))
    asset_kinds = ArrayField(models.CharField(max_length=20), default=list, blank=True)
    region = models.CharField(_("region"), max_length=60, blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.CITY
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ListingStatus.choices, default=ListingStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey("ipops.User", on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        indexes = [
            models.Index(fields=["city", "status", "-published_at"], name="listing_city_status_pub"),
            # The marketplace's "newest first" page: an index scan, no sort, however many listings. It carries
            # the filter columns, so a filtered browse checks its newest rows without reading the table
            # (`search.newest_filtered`).
            models.Index(
                fields=["city", "-published_at", "-id"],
                name="listing_city_market",
                include=["ipc_prefixes", "asset_kinds", "deal_type", "asking_price", "industry"],
                condition=Q(status__in=["published", "negotiating"]),
            ),
            # Browsing one industry or one deal type: the exact walk, however rare the value.
            models.Index(
                fields=["city", "industry", "-published_at", "-id"],
                name="listing_market_industry",
                condition=Q(status__in=["published", "negotiating"]),
            ),
            models.Index(
                fields=["city", "deal_type", "-published_at", "-id"],
                name="listing_market_deal",
                condition=Q(status__in=["published", "negotiating"]),
            ),
            models.Index(fields=["city", "seller", "status"], name="listing_city_seller"),
            models.Index(fields=["city", "status", "asking_price"], name="listing_city_price"),
            # National marketplace: a cross-city read of published national listings.
            models.Index(
                fields=["visibility", "status", "-published_at"],
                name="listing_national",
                condition=Q(visibility="national"),
            ),
            # GIN cannot lead with city_id without the btree_gin extension (not available on the embedded
            # server); the planner combines it with the city B-tree indexes above.
            GinIndex(fields=["search_vector"], name="listing_search_gin"),
            GinIndex(title_vector(), name="listing_title_gin"),
            GinIndex(fields=["ipc_prefixes"], name="listing_ipc_gin"),
            GinIndex(fields=["asset_kinds"], name="listing_kinds_gin"),
        ]
        constraints = [models.UniqueConstraint(fields=["city", "reference"], name="listing_unique_reference")]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_LISTING_STATUSES


class ListingAsset(CityOwned):
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="listing_assets")
    asset = models.ForeignKey("ipops.IPAsset", on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["city", "asset"], name="listingasset_city_asset")]
        constraints = [models.UniqueConstraint(fields=["listing", "asset"], name="listingasset_unique")]


class BuyRequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    FULFILLED = "fulfilled", _("Fulfilled")
    CLOSED = "closed", _("Closed")


@pghistory.track(
    pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), exclude=_UNTRACKED_BUY_REQUEST
)
class BuyRequest(CityOwned, Searchable):
    """A buy request (求购): what technology a buyer wants, its budget and the deal it would make."""

    buyer = models.ForeignKey(
        "ipops.Organization", on_delete=models.PROTECT, related_name="buy_requests", verbose_name=_("buyer")
    )
    title = models.CharField(_("title"), max_length=300)
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    ipc_codes = ArrayField(models.CharField(max_length=20), default=list, blank=True, verbose_name=_("IPC"))
    industry = models.CharField(_("industry"), max_length=30, choices=Industry.choices, blank=True)
    budget_min = MoneyField(_("budget from"), null=True, blank=True)
    budget_max = MoneyField(_("budget up to"), null=True, blank=True)
    deal_types = ArrayField(
        models.CharField(max_length=30, choices=DealType.choices),
        default=list,
        blank=True,
        verbose_name=_("deal types"),
    )
    region = models.CharField(_("region"), max_length=60, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=BuyRequestStatus.choices, default=BuyRequestStatus.OPEN
    )
    created_by = models.ForeignKey("ipops.User", on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    #: When its stored matches were last computed in full; null: never (matches are then computed live).
    matches_computed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("buy request")
        verbose_name_plural = _("buy requests")
        indexes = [
            models.Index(fields=["city", "status", "-created_at"], name="buyreq_city_status"),
            models.Index(fields=["city", "buyer", "status"], name="buyreq_city_buyer"),
            GinIndex(fields=["search_vector"], name="buyreq_search_gin"),
            GinIndex(fields=["ipc_prefixes"], name="buyreq_ipc_gin"),
        ]

    def __str__(self) -> str:
        return self.title


class BuyRequestMatch(CityOwned):
    """A listing matched to a buy request (智能匹配), stored so buyers read their matches instantly.

    Kept fresh by tasks: in full when the buy request changes and nightly; incrementally when a
    listing is published (it is scored against the open buy requests). Reads show only listings
    still on the market. Derived data, rebuilt at will: not audited.
    """

    buy_request = models.ForeignKey(BuyRequest, on_delete=models.CASCADE, related_name="stored_matches")
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    reasons = models.JSONField(default=list)
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["city", "buy_request", "-score"], name="brmatch_city_br_score")]
        constraints = [models.UniqueConstraint(fields=["buy_request", "listing"], name="brmatch_unique_pair")]

    def __str__(self) -> str:
        return f"{self.buy_request_id} ~ {self.listing_id} ({self.score:.3f})"


class NegotiationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    AGREED = "agreed", _("Agreed")
    CLOSED = "closed", _("Closed")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Negotiation(CityOwned):
    """One buyer's negotiation (磋商) over one listing: a thread of offers, counter-offers and messages."""

    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="negotiations")
    buyer = models.ForeignKey("ipops.Organization", on_delete=models.PROTECT, related_name="+")
    seller = models.ForeignKey("ipops.Organization", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=20, choices=NegotiationStatus.choices, default=NegotiationStatus.OPEN
    )
    closed_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["city", "buyer", "status"], name="nego_city_buyer"),
            models.Index(fields=["city", "seller", "status"], name="nego_city_seller"),
            models.Index(fields=["city", "listing"], name="nego_city_listing"),
        ]
        constraints = [models.UniqueConstraint(fields=["listing", "buyer"], name="nego_one_per_buyer")]


class OfferSide(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    SELLER = "seller", _("Seller")


class OfferStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting answer")
    COUNTERED = "countered", _("Countered")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CLOSED = "closed", _("Closed")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Offer(CityOwned):
    """An offer or counter-offer (报价/还价): a price one side proposes; the other side answers it."""

    negotiation = models.ForeignKey(Negotiation, on_delete=models.PROTECT, related_name="offers")
    side = models.CharField(_("made by"), max_length=10, choices=OfferSide.choices)
    price = MoneyField(_("price"))
    message = models.TextField(_("message"), blank=True)
    licence_years = models.PositiveSmallIntegerField(_("licence term (years)"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=OfferStatus.choices, default=OfferStatus.PENDING
    )
    made_by = models.ForeignKey("ipops.User", on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["city", "negotiation", "status"], name="offer_city_nego")]
        constraints = [
            models.UniqueConstraint(
                fields=["negotiation"],
                condition=Q(status="pending"),
                name="offer_one_pending_per_negotiation",
            )
        ]


class Message(CityOwned):
    """A message in a negotiation, between buyer and seller."""

    negotiation = models.ForeignKey(Negotiation, on_delete=models.CASCADE, related_name="messages")
    side = models.CharField(max_length=10, choices=OfferSide.choices)
    author = models.ForeignKey("ipops.User", on_delete=models.PROTECT, related_name="+", null=True)
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["city", "negotiation"], name="message_city_nego")]


class TransactionStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class EscrowStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting payment")
    PAID = "paid", _("Paid into escrow")
    RELEASED = "released", _("Released to seller")
    REFUNDED = "refunded", _("Refunded to buyer")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Transaction(CityOwned):
    """A deal (交易): the accepted offer's price, the contract, escrow and the CNIPA recordal."""

    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="transactions")
    negotiation = models.OneToOneField(Negotiation, on_delete=models.PROTECT, related_name="transaction")
    offer = models.OneToOneField(Offer, on_delete=models.PROTECT, related_name="transaction")
    seller = models.ForeignKey("ipops.Organization", on_delete=models.PROTECT, related_name="sales")
    buyer = models.ForeignKey("ipops.Organization", on_delete=models.PROTECT, related_name="purchases")
    deal_type = models.CharField(_("deal type"), max_length=30, choices=DealType.choices)
    agreed_price = MoneyField(_("agreed price"))
    contract_ref = models.CharField(_("contract reference"), max_length=80, blank=True)
    contract_signed_on = models.DateField(_("contract signed on"), null=True, blank=True)
    escrow_status = models.CharField(
        _("escrow"), max_length=20, choices=EscrowStatus.choices, default=EscrowStatus.PENDING
    )
    status = models.CharField(
        _("status"), max_length=20, choices=TransactionStatus.choices, default=TransactionStatus.OPEN
    )
    recordal_number = models.CharField(_("CNIPA recordal / filing number"), max_length=80, blank=True)
    licence_years = models.PositiveSmallIntegerField(_("licence term (years)"), null=True, blank=True)
    licence_starts_on = models.DateField(_("licence starts on"), null=True, blank=True)
    licence_ends_on = models.DateField(_("licence ends on"), null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")
        indexes = [
            # Covering: the city's deals by month (reporting's roll-up) read the index alone.
            models.Index(
                fields=["city", "status", "completed_at"],
                include=["deal_type", "agreed_price"],
                name="tx_city_status_done",
            ),
            models.Index(fields=["city", "seller"], name="tx_city_seller"),
            models.Index(fields=["city", "buyer"], name="tx_city_buyer"),
        ]
        constraints = [
            # One live deal per listing: the database's last word beneath the listing lock.
            models.UniqueConstraint(
                fields=["listing"],
                condition=Q(status__in=["open", "completed"]),
                name="tx_one_live_per_listing",
            ),
        ]

    @property
    def source(self) -> str:
        """The registry's name for the encumbrances this deal places."""
        return f"trading.transaction:{self.pk}"

    @property
    def is_transfer(self) -> bool:
        return self.deal_type in TRANSFER_DEAL_TYPES


class CentreKind(models.TextChoices):
    UNIVERSITY = "university", _("University IP operations centre")
    INDUSTRY = "industry", _("Industry IP operations centre")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class OperationsCentre(CityOwned):
    """An IP operations centre (知识产权运营中心): credited with the deals of its member organisations."""

    organization = models.OneToOneField(
        "ipops.Organization",
        on_delete=models.PROTECT,
        related_name="operations_centre",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=CentreKind.choices)
    established_on = models.DateField(_("established on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("operations centre")
        indexes = [models.Index(fields=["city", "kind"], name="centre_city_kind")]

    def __str__(self) -> str:
        return self.name


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class CentreMembership(CityOwned):
    centre = models.ForeignKey(OperationsCentre, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey("ipops.Organization", on_delete=models.PROTECT, related_name="+")
    joined_on = models.DateField(_("joined on"), null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["city", "organization"], name="centremember_city_org")]
        constraints = [models.UniqueConstraint(fields=["centre", "organization"], name="centremember_unique")]


class EnquiryStatus(models.TextChoices):
    OPEN = "open", _("Awaiting the seller's answer")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Enquiry(CityOwned):
    """An enquiry (购买意向) on a national-marketplace listing from a buyer in another city.

    Rows belong to one city, and a negotiation's parties are organisations of its city; a buyer from
    another city is neither. So the enquiry is the listing's city's row and carries only what the buyer
    typed for the seller to read — organisation name, USCC, contact person, phone, e-mail, an indicative
    price, a message — never a reference into the buyer's city. The one key that crosses is the user who
    sent it (`buyer_user`: a person is the platform's, not a city's), by which the buyer, and only the
    buyer, finds their own enquiries across cities (`selectors.my_enquiries`).
    """

    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="enquiries")
    seller = models.ForeignKey("ipops.Organization", on_delete=models.PROTECT, related_name="+")
    buyer_user = models.ForeignKey("ipops.User", on_delete=models.PROTECT, related_name="+")
    organization_name = models.CharField(_("organisation"), max_length=120)
    uscc = models.CharField(_("unified social credit code"), max_length=18)
    contact_name = models.CharField(_("contact person"), max_length=60)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    price = MoneyField(_("indicative price"), null=True, blank=True)
    message = models.TextField(_("message"))
    status = models.CharField(
        _("status"), max_length=20, choices=EnquiryStatus.choices, default=EnquiryStatus.OPEN
    )
    reply = models.TextField(_("the seller's answer"), blank=True)
    answered_by = models.ForeignKey("ipops.User", on_delete=models.PROTECT, related_name="+", null=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("enquiry")
        verbose_name_plural = _("enquiries")
        indexes = [
            models.Index(fields=["city", "seller", "status"], name="enquiry_city_seller"),
            models.Index(fields=["city", "listing"], name="enquiry_city_listing"),
            # The buyer's own enquiries, read across cities by their user (like `listing_national`).
            models.Index(fields=["buyer_user", "-created_at"], name="enquiry_buyer_user"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["listing", "buyer_user"],
                condition=Q(status="open"),
                name="enquiry_one_open_per_buyer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_name} → {self.listing_id}"
