"""Output shapes of the marketplace API: they render what selectors read; no rules here (inputs: `inputs.py`)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ipops.api.fields import MoneyField

from .. import explain
from ..models import (
    BuyRequest,
    Listing,
    Message,
    Negotiation,
    Offer,
    OperationsCentre,
    Transaction,
)
from ..selectors import PUBLISHED_FIELDS

# Search results and matches are the hot paths of the API. DRF renders a row by walking every field
# object (and a ModelSerializer first builds those fields from the model) — about 0.2 ms a row here,
# more than the query. The list serializers below build their dicts directly, with DRF's own field
# instances doing each conversion, so the output is the same; tests/trading/test_fast_serializers.py
# compares it with DRF's generic rendering.
_AS_MONEY = MoneyField()
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


#: A reason's optional facts (see `trading.rules.score`), as strings; amounts in 元, absent when unset.
_REASON_FACTS = ("level", "shared", "fit", "offered", "price", "budget_min", "budget_max")


def _reason(reason: dict) -> dict:
    """A match reason: its codes for machines, as stored, and `text`, the same in the reader's words."""
    out: dict[str, Any] = {
        "factor": str(reason["factor"]),
        "score": float(reason["score"]),
        "text": explain.reason_text(reason),
    }
    if "matched" in reason:
        out["matched"] = [{str(k): v for k, v in item.items()} for item in reason["matched"]]
    for optional in _REASON_FACTS:
        if optional in reason:
            out[optional] = str(reason[optional])
    if "wanted" in reason:
        out["wanted"] = [str(w) for w in reason["wanted"]]
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
        fields = ["id", *PUBLISHED_FIELDS, "visibility", "seller"]

    def to_representation(self, instance) -> dict[str, Any]:
        return listing_row(instance)


class PublicListingSerializer(serializers.ModelSerializer):
    """What anyone may read: the published fields."""

    seller = serializers.CharField(source="seller.name")

    class Meta:
        model = Listing
        fields = ["id", *PUBLISHED_FIELDS, "seller"]

    def to_representation(self, instance) -> dict[str, Any]:
        return public_listing_row(instance)


class NationalListingSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    city = serializers.CharField(source="city__slug")
    city_name = serializers.CharField(source="city__name_zh")
    reference = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    deal_type = serializers.CharField()
    asking_price = MoneyField(allow_null=True)
    negotiable = serializers.BooleanField()
    industry = serializers.CharField()
    ipc_codes = serializers.ListField(child=serializers.CharField())
    asset_kinds = serializers.ListField(child=serializers.CharField())
    region = serializers.CharField()
    status = serializers.CharField()
    published_at = serializers.DateTimeField()
    seller = serializers.CharField(source="seller__name")


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
    owner = serializers.CharField(source="owner_name")
    legal_status = serializers.CharField(source="asset.legal_status")
    filing_date = serializers.DateField(source="asset.filing_date")
    grant_date = serializers.DateField(source="asset.grant_date")
    expiry_date = serializers.DateField()
    remaining_days = serializers.IntegerField(allow_null=True)
    pledges = DiligenceEncumbranceSerializer(many=True)
    licences = DiligenceEncumbranceSerializer(many=True)
    warnings = serializers.ListField(child=serializers.CharField())


@extend_schema_field(serializers.ListField(child=serializers.CharField()))
class ActionsField(serializers.Field):
    """The lifecycle steps the caller may take on the object now (`trading.lifecycles.available_names`),
    computed by the view and handed over in the context as `actions`."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "The steps you may take on this object now, e.g. publish, withdraw")
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value: Any) -> list[str]:
        return list(self.context.get("actions", ()))


@extend_schema_field(DiligenceSerializer(many=True))
class DiligenceField(serializers.Field):
    """The due-diligence panel the view computed (`selectors.due_diligence`), from the context."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value: Any) -> Any:
        return DiligenceSerializer(self.context.get("diligence", []), many=True).data


class AssetBlockSerializer(serializers.Serializer):
    asset_id = serializers.IntegerField()
    number = serializers.CharField()
    reason = serializers.CharField(
        help_text="pledge | sale_pending | exclusive_licence | sole_licence | non_exclusive_licence | "
        "not_in_force | not_owned"
    )
    code = serializers.CharField(help_text="The registry's code, e.g. asset_already_pledged")
    detail = serializers.CharField(source="explanation")


@extend_schema_field(AssetBlockSerializer(many=True))
class BlocksField(serializers.Field):
    """The assets that keep the listing from taking offers now (`trading.availability`), from the context:
    empty while it can take them."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value: Any) -> Any:
        return AssetBlockSerializer(self.context.get("blocks", []), many=True).data


class ListingDetailSerializer(ListingSerializer):
    assets = ListingAssetSerializer(source="listing_assets", many=True)
    due_diligence = DiligenceField()
    unavailable = BlocksField()
    actions = ActionsField()

    class Meta(ListingSerializer.Meta):
        fields = [*ListingSerializer.Meta.fields, "assets", "due_diligence", "unavailable", "actions"]

    def to_representation(self, instance) -> dict[str, Any]:
        # One listing, not a hot path: DRF's generic rendering of every declared field.
        return serializers.ModelSerializer.to_representation(self, instance)


class PublicListingDetailSerializer(PublicListingSerializer):
    assets = ListingAssetSerializer(source="listing_assets", many=True)
    due_diligence = DiligenceField()
    unavailable = BlocksField()

    class Meta(PublicListingSerializer.Meta):
        fields = [*PublicListingSerializer.Meta.fields, "assets", "due_diligence", "unavailable"]

    def to_representation(self, instance) -> dict[str, Any]:
        # One listing, not a hot path: DRF's generic rendering of every declared field.
        return serializers.ModelSerializer.to_representation(self, instance)


class ReasonSerializer(serializers.Serializer):
    """Why a listing matches: `factor` (text, ipc, budget, deal_type) and its codes, kept stable for
    programs; `text` says it in words (the request's language)."""

    factor = serializers.CharField()
    score = serializers.FloatField()
    text = serializers.SerializerMethodField()
    matched = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text="text: each word of the request found: term, as (the listing's word), where "
        "(title, body, part), via (exact, domain, thesaurus, related, part)",
    )
    level = serializers.CharField(required=False, help_text="ipc: the level shared (subgroup … section)")
    shared = serializers.CharField(required=False, help_text="ipc: the shared symbol")
    fit = serializers.CharField(
        required=False,
        help_text="budget: within_budget, over_budget, under_budget, negotiable, no_budget; "
        "deal_type: same, close, different, any",
    )
    offered = serializers.CharField(required=False, help_text="deal_type: the listing's deal type")
    wanted = serializers.ListField(child=serializers.CharField(), required=False)
    price = serializers.CharField(
        required=False, help_text="budget: the asking price (元), unless negotiable"
    )
    budget_min = serializers.CharField(required=False, help_text="budget: the buyer's floor (元), if set")
    budget_max = serializers.CharField(required=False, help_text="budget: the buyer's ceiling (元), if set")

    def get_text(self, reason: dict) -> str:
        return explain.reason_text(reason)


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


class BuyRequestDetailSerializer(BuyRequestSerializer):
    actions = ActionsField()

    class Meta(BuyRequestSerializer.Meta):
        fields = [*BuyRequestSerializer.Meta.fields, "actions"]


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


class OfferDetailSerializer(OfferSerializer):
    actions = ActionsField()

    class Meta(OfferSerializer.Meta):
        fields = [*OfferSerializer.Meta.fields, "actions"]


class MessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Message
        fields = ["id", "side", "body", "created_at"]


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
        tx = getattr(obj, "transaction", None)  # a negotiation without a deal has none
        return tx.pk if tx else None


class NegotiationDetailSerializer(NegotiationSerializer):
    actions = ActionsField()

    class Meta(NegotiationSerializer.Meta):
        fields = [*NegotiationSerializer.Meta.fields, "actions"]


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


class TransactionDetailSerializer(TransactionSerializer):
    actions = ActionsField()

    class Meta(TransactionSerializer.Meta):
        fields = [*TransactionSerializer.Meta.fields, "actions"]


class FiguresSerializer(serializers.Serializer):
    year = serializers.IntegerField(allow_null=True)
    count = serializers.IntegerField()
    amount = MoneyField()
    transfers_count = serializers.IntegerField()
    transfers_amount = MoneyField()
    licences_count = serializers.IntegerField()
    licences_amount = MoneyField()


class CentreYearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    count = serializers.IntegerField()
    amount = MoneyField()


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
