"""API shapes of the marketplace. Input serializers parse; output serializers render; no rules here."""

from __future__ import annotations

from rest_framework import serializers

from ipops.models import AssetKind, Industry

from ..models import (
    BuyRequest,
    BuyRequestStatus,
    CentreKind,
    DealType,
    Listing,
    ListingStatus,
    Message,
    Negotiation,
    Offer,
    OperationsCentre,
    Transaction,
    Visibility,
)

MONEY = {"max_digits": 18, "decimal_places": 2}

# Search results and matches are the hot paths of the API. DRF renders a row by walking every field
# object (and a ModelSerializer first builds those fields from the model) — about 0.2 ms a row here,
# more than the query. The list serializers below build their dicts directly, with DRF's own field
# instances doing each conversion, so the output is the same; tests/trading/test_fast_serializers.py
# compares it with DRF's generic rendering.
_AS_MONEY = serializers.DecimalField(**MONEY)
_AS_DATETIME = serializers.DateTimeField()
_AS_DATE = serializers.DateField()


def _money(value):
    return None if value is None else _AS_MONEY.to_representation(value)


def _datetime(value):
    return None if value is None else _AS_DATETIME.to_representation(value)


def _date(value):
    return None if value is None else _AS_DATE.to_representation(value)


def _listing_fields(obj) -> dict:
    return {
        "id": obj.id,
        "reference": obj.reference,
        "title": obj.title,
        "description": obj.description,
        "keywords": obj.keywords,
        "deal_type": obj.deal_type,
        "asking_price": _money(obj.asking_price),
        "negotiable": obj.negotiable,
        "industry": obj.industry,
        "ipc_codes": [str(c) for c in obj.ipc_codes],
        "asset_kinds": [str(k) for k in obj.asset_kinds],
        "region": obj.region,
    }


def listing_row(obj) -> dict:
    """`ListingSerializer`'s output for one listing (its seller selected with it)."""
    return {
        **_listing_fields(obj),
        "visibility": obj.visibility,
        "status": obj.status,
        "published_at": _datetime(obj.published_at),
        "expires_on": _date(obj.expires_on),
        "seller": {"id": obj.seller.id, "name": obj.seller.name},
    }


def public_listing_row(obj) -> dict:
    """`PublicListingSerializer`'s output: the published fields and the seller's name."""
    return {
        **_listing_fields(obj),
        "status": obj.status,
        "published_at": _datetime(obj.published_at),
        "expires_on": _date(obj.expires_on),
        "seller": obj.seller.name,
    }


def _reason(reason: dict) -> dict:
    out = {"factor": str(reason["factor"]), "score": float(reason["score"])}
    if "matched" in reason:
        out["matched"] = [{str(k): v for k, v in item.items()} for item in reason["matched"]]
    for optional in ("level", "shared", "fit"):
        if optional in reason:
            out[optional] = str(reason[optional])
    return out


class OrgRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ListingAssetSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="asset.id")
    number = serializers.CharField(source="asset.display_number")
    kind = serializers.CharField(source="asset.kind")
    title = serializers.CharField(source="asset.title")
    legal_status = serializers.CharField(source="asset.legal_status")


class ListingSerializer(serializers.ModelSerializer):
    """A listing in a list (search results, matches): its own fields and the seller."""

    seller = OrgRefSerializer()

    class Meta:
        model = Listing
        fields = [
            "id",
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
            "visibility",
            "status",
            "published_at",
            "expires_on",
            "seller",
        ]

    def to_representation(self, obj) -> dict:
        return listing_row(obj)


class PublicListingSerializer(serializers.ModelSerializer):
    """What anyone may read: the published fields."""

    seller = serializers.CharField(source="seller.name")

    class Meta:
        model = Listing
        fields = [
            "id",
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
            "status",
            "published_at",
            "expires_on",
            "seller",
        ]

    def to_representation(self, obj) -> dict:
        return public_listing_row(obj)


class NationalListingSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    city = serializers.CharField(source="city__slug")
    city_name = serializers.CharField(source="city__name_zh")
    reference = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    deal_type = serializers.CharField()
    asking_price = serializers.DecimalField(allow_null=True, **MONEY)
    negotiable = serializers.BooleanField()
    industry = serializers.CharField()
    ipc_codes = serializers.ListField(child=serializers.CharField())
    asset_kinds = serializers.ListField(child=serializers.CharField())
    region = serializers.CharField()
    status = serializers.CharField()
    published_at = serializers.DateTimeField()
    seller = serializers.CharField(source="seller__name")


class ListingCreateSerializer(serializers.Serializer):
    asset_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=200
    )
    deal_type = serializers.ChoiceField(choices=DealType.choices)
    title = serializers.CharField(max_length=300, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    keywords = serializers.CharField(required=False, allow_blank=True, max_length=300)
    asking_price = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    negotiable = serializers.BooleanField(required=False, default=False)
    industry = serializers.ChoiceField(choices=Industry.choices, required=False, allow_blank=True)
    ipc_codes = serializers.ListField(
        child=serializers.CharField(max_length=30), required=False, max_length=50
    )
    region = serializers.CharField(required=False, allow_blank=True, max_length=60)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False, default=Visibility.CITY)
    expires_on = serializers.DateField(required=False, allow_null=True)
    publish = serializers.BooleanField(required=False, default=False)


class ListingUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    keywords = serializers.CharField(required=False, allow_blank=True, max_length=300)
    asking_price = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    negotiable = serializers.BooleanField(required=False)
    industry = serializers.ChoiceField(choices=Industry.choices, required=False)
    ipc_codes = serializers.ListField(
        child=serializers.CharField(max_length=30), required=False, max_length=50
    )
    region = serializers.CharField(required=False, allow_blank=True, max_length=60)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    expires_on = serializers.DateField(required=False, allow_null=True)


class ListingSearchParams(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Chinese or English text; synonyms and abbreviations are understood",
    )
    ipc = serializers.CharField(
        required=False, allow_blank=True, max_length=30, help_text="IPC prefix, e.g. H01M"
    )
    kind = serializers.ChoiceField(choices=AssetKind.choices, required=False, allow_blank=True)
    deal_type = serializers.ChoiceField(choices=DealType.choices, required=False, allow_blank=True)
    price_min = serializers.DecimalField(required=False, allow_null=True, min_value=0, **MONEY)
    price_max = serializers.DecimalField(required=False, allow_null=True, min_value=0, **MONEY)
    industry = serializers.ChoiceField(choices=Industry.choices, required=False, allow_blank=True)


class PrivateListingSearchParams(ListingSearchParams):
    status = serializers.ChoiceField(choices=ListingStatus.choices, required=False, allow_blank=True)
    mine = serializers.BooleanField(required=False, default=False)
    seller = serializers.IntegerField(required=False, min_value=1)


class NationalSearchParams(ListingSearchParams):
    city = serializers.SlugField(required=False, allow_blank=True)


class DiligenceEncumbranceSerializer(serializers.Serializer):
    kind = serializers.CharField()
    holder = serializers.CharField(source="holder.name", default="")
    reference = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class DiligenceSerializer(serializers.Serializer):
    asset_id = serializers.IntegerField(source="asset.id")
    number = serializers.CharField(source="asset.display_number")
    title = serializers.CharField(source="asset.title")
    owner = serializers.CharField(source="asset.owner_name")
    legal_status = serializers.CharField(source="asset.legal_status")
    filing_date = serializers.DateField(source="asset.filing_date")
    grant_date = serializers.DateField(source="asset.grant_date")
    expiry_date = serializers.DateField()
    remaining_days = serializers.IntegerField(allow_null=True)
    pledges = DiligenceEncumbranceSerializer(many=True)
    licences = DiligenceEncumbranceSerializer(many=True)
    warnings = serializers.ListField(child=serializers.CharField())


class ListingDetailSerializer(ListingSerializer):
    assets = ListingAssetSerializer(source="listing_assets", many=True)
    due_diligence = serializers.SerializerMethodField()

    class Meta(ListingSerializer.Meta):
        fields = [*ListingSerializer.Meta.fields, "assets", "due_diligence"]

    # One listing, not a hot path: DRF's generic rendering of every declared field.
    to_representation = serializers.ModelSerializer.to_representation

    def get_due_diligence(self, obj) -> list[dict]:
        return DiligenceSerializer(self.context.get("diligence", []), many=True).data


class PublicListingDetailSerializer(PublicListingSerializer):
    assets = ListingAssetSerializer(source="listing_assets", many=True)
    due_diligence = serializers.SerializerMethodField()

    class Meta(PublicListingSerializer.Meta):
        fields = [*PublicListingSerializer.Meta.fields, "assets", "due_diligence"]

    # One listing, not a hot path: DRF's generic rendering of every declared field.
    to_representation = serializers.ModelSerializer.to_representation

    def get_due_diligence(self, obj) -> list[dict]:
        return DiligenceSerializer(self.context.get("diligence", []), many=True).data


class ReasonSerializer(serializers.Serializer):
    factor = serializers.CharField()
    score = serializers.FloatField()
    matched = serializers.ListField(child=serializers.DictField(), required=False)
    level = serializers.CharField(required=False)
    shared = serializers.CharField(required=False)
    fit = serializers.CharField(required=False)


class BuyRequestSerializer(serializers.ModelSerializer):
    buyer = OrgRefSerializer()

    class Meta:
        model = BuyRequest
        fields = [
            "id",
            "title",
            "keywords",
            "description",
            "ipc_codes",
            "industry",
            "budget_min",
            "budget_max",
            "deal_types",
            "region",
            "status",
            "created_at",
            "buyer",
        ]


class BuyRequestInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    keywords = serializers.CharField(required=False, allow_blank=True, max_length=300)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    ipc_codes = serializers.ListField(
        child=serializers.CharField(max_length=30), required=False, max_length=50
    )
    industry = serializers.ChoiceField(choices=Industry.choices, required=False, allow_blank=True)
    budget_min = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    budget_max = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    deal_types = serializers.ListField(
        child=serializers.ChoiceField(choices=DealType.choices), required=False
    )
    region = serializers.CharField(required=False, allow_blank=True, max_length=60)


class BuyRequestUpdateSerializer(BuyRequestInputSerializer):
    title = serializers.CharField(max_length=300, required=False)


class BuyRequestSearchParams(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=200)
    mine = serializers.BooleanField(required=False, default=False)
    status = serializers.ChoiceField(choices=BuyRequestStatus.choices, required=False, allow_blank=True)
    industry = serializers.ChoiceField(choices=Industry.choices, required=False, allow_blank=True)
    ipc = serializers.CharField(required=False, allow_blank=True, max_length=30)
    deal_type = serializers.ChoiceField(choices=DealType.choices, required=False, allow_blank=True)


class MatchParams(serializers.Serializer):
    live = serializers.BooleanField(
        required=False, default=False, help_text="Compute the matches now instead of reading the stored ones"
    )


class ListingMatchSerializer(serializers.Serializer):
    score = serializers.FloatField()
    reasons = ReasonSerializer(many=True)
    listing = ListingSerializer()

    def to_representation(self, item) -> dict:
        return {
            "score": float(item["score"]),
            "reasons": [_reason(r) for r in item["reasons"]],
            "listing": listing_row(item["listing"]),
        }


class BuyRequestMatchSerializer(serializers.Serializer):
    score = serializers.FloatField()
    reasons = ReasonSerializer(many=True)
    buy_request = BuyRequestSerializer()


class OfferSerializer(serializers.ModelSerializer):
    negotiation = serializers.IntegerField(source="negotiation_id")
    listing = serializers.IntegerField(source="negotiation.listing_id")
    listing_title = serializers.CharField(source="negotiation.listing.title")
    buyer = serializers.CharField(source="negotiation.buyer.name")
    seller = serializers.CharField(source="negotiation.seller.name")

    class Meta:
        model = Offer
        fields = [
            "id",
            "negotiation",
            "listing",
            "listing_title",
            "buyer",
            "seller",
            "side",
            "price",
            "licence_years",
            "message",
            "status",
            "created_at",
            "answered_at",
        ]


class OfferInputSerializer(serializers.Serializer):
    price = serializers.DecimalField(**MONEY)
    message = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    licence_years = serializers.IntegerField(required=False, allow_null=True)


class ReasonInputSerializer(serializers.Serializer):
    message = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class OfferListParams(serializers.Serializer):
    side = serializers.ChoiceField(
        choices=[("buyer", "buyer"), ("seller", "seller")], required=False, allow_blank=True
    )
    status = serializers.CharField(required=False, allow_blank=True, max_length=20)


class MessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Message
        fields = ["id", "side", "body", "created_at"]


class MessageInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=4000)


class ThreadOfferSerializer(serializers.ModelSerializer):
    class Meta:
        model = Offer
        fields = ["id", "side", "price", "licence_years", "message", "status", "created_at", "answered_at"]


class NegotiationSerializer(serializers.ModelSerializer):
    buyer = OrgRefSerializer()
    seller = OrgRefSerializer()
    listing_title = serializers.CharField(source="listing.title")
    offers = ThreadOfferSerializer(many=True)
    messages = MessageSerializer(many=True)
    transaction = serializers.SerializerMethodField()

    class Meta:
        model = Negotiation
        fields = [
            "id",
            "listing",
            "listing_title",
            "buyer",
            "seller",
            "status",
            "closed_reason",
            "offers",
            "messages",
            "transaction",
            "created_at",
            "updated_at",
        ]

    def get_transaction(self, obj) -> int | None:
        tx = getattr(obj, "transaction", None) if hasattr(obj, "transaction") else None
        return tx.pk if tx else None


class TransactionSerializer(serializers.ModelSerializer):
    buyer = OrgRefSerializer()
    seller = OrgRefSerializer()
    listing_title = serializers.CharField(source="listing.title")

    class Meta:
        model = Transaction
        fields = [
            "id",
            "listing",
            "listing_title",
            "negotiation",
            "offer",
            "seller",
            "buyer",
            "deal_type",
            "agreed_price",
            "contract_ref",
            "contract_signed_on",
            "escrow_status",
            "status",
            "recordal_number",
            "licence_years",
            "licence_starts_on",
            "licence_ends_on",
            "paid_at",
            "completed_at",
            "cancelled_at",
            "cancel_reason",
            "created_at",
        ]


class TransactionListParams(serializers.Serializer):
    status = serializers.CharField(required=False, allow_blank=True, max_length=20)
    deal_type = serializers.ChoiceField(choices=DealType.choices, required=False, allow_blank=True)
    year = serializers.IntegerField(required=False, min_value=1990, max_value=2100)
    mine = serializers.BooleanField(required=False, default=False)


class ContractInputSerializer(serializers.Serializer):
    contract_ref = serializers.CharField(max_length=80)
    signed_on = serializers.DateField(required=False, allow_null=True)


class CompleteInputSerializer(serializers.Serializer):
    recordal_number = serializers.CharField(max_length=80)
    licence_starts_on = serializers.DateField(required=False, allow_null=True)
    licence_ends_on = serializers.DateField(required=False, allow_null=True)


class CancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class FiguresSerializer(serializers.Serializer):
    year = serializers.IntegerField(allow_null=True)
    count = serializers.IntegerField()
    amount = serializers.DecimalField(**MONEY)
    transfers_count = serializers.IntegerField()
    transfers_amount = serializers.DecimalField(**MONEY)
    licences_count = serializers.IntegerField()
    licences_amount = serializers.DecimalField(**MONEY)


class FiguresParams(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=1990, max_value=2100)


class CentreYearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    count = serializers.IntegerField()
    amount = serializers.DecimalField(**MONEY)


class CentreSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="centre.id")
    name = serializers.CharField(source="centre.name")
    kind = serializers.CharField(source="centre.kind")
    organization = serializers.CharField(source="centre.organization.name")
    members = serializers.IntegerField()
    years = CentreYearSerializer(many=True)


class CentreModelSerializer(serializers.ModelSerializer):
    class Meta:
        model = OperationsCentre
        fields = ["id", "name", "kind", "organization", "established_on"]


class CentreCreateSerializer(serializers.Serializer):
    organization = serializers.IntegerField(
        help_text="The organisation that runs the centre (university, institute…)"
    )
    name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=CentreKind.choices, default=CentreKind.UNIVERSITY)
    established_on = serializers.DateField(required=False, allow_null=True, default=None)


class CentreMemberSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    joined_on = serializers.DateField(required=False, allow_null=True, default=None)
