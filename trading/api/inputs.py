"""Input shapes of the marketplace API: request bodies and query parameters. They parse; the services judge."""

from __future__ import annotations

from rest_framework import serializers

from ipops.api.fields import MoneyField
from ipops.models import AssetKind, Industry

from ..models import BuyRequestStatus, CentreKind, DealType, ListingStatus, Visibility


class ListingCreateSerializer(serializers.Serializer):
    asset_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=200
    )
    deal_type = serializers.ChoiceField(choices=DealType.choices)
    title = serializers.CharField(max_length=300, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    keywords = serializers.CharField(required=False, allow_blank=True, max_length=300)
    asking_price = MoneyField(required=False, allow_null=True)
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
    asking_price = MoneyField(required=False, allow_null=True)
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
    price_min = MoneyField(required=False, allow_null=True, min_value=0)
    price_max = MoneyField(required=False, allow_null=True, min_value=0)
    industry = serializers.ChoiceField(choices=Industry.choices, required=False, allow_blank=True)


class PrivateListingSearchParams(ListingSearchParams):
    status = serializers.ChoiceField(choices=ListingStatus.choices, required=False, allow_blank=True)
    mine = serializers.BooleanField(required=False, default=False)
    seller = serializers.IntegerField(required=False, min_value=1)


class NationalSearchParams(ListingSearchParams):
    city = serializers.SlugField(required=False, allow_blank=True)


class BuyRequestInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    keywords = serializers.CharField(required=False, allow_blank=True, max_length=300)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    ipc_codes = serializers.ListField(
        child=serializers.CharField(max_length=30), required=False, max_length=50
    )
    industry = serializers.ChoiceField(choices=Industry.choices, required=False, allow_blank=True)
    budget_min = MoneyField(required=False, allow_null=True)
    budget_max = MoneyField(required=False, allow_null=True)
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


class OfferInputSerializer(serializers.Serializer):
    price = MoneyField()
    message = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    licence_years = serializers.IntegerField(required=False, allow_null=True)


class ReasonInputSerializer(serializers.Serializer):
    """Why (withdrawing a listing, ending a negotiation): the service's `reason`."""

    message = serializers.CharField(required=False, allow_blank=True, max_length=4000, source="reason")


class RejectInputSerializer(serializers.Serializer):
    """A message to the other side with the rejection."""

    message = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class OfferListParams(serializers.Serializer):
    side = serializers.ChoiceField(
        choices=[("buyer", "buyer"), ("seller", "seller")], required=False, allow_blank=True
    )
    status = serializers.CharField(required=False, allow_blank=True, max_length=20)


class MessageInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=4000)


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


class FiguresParams(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=1990, max_value=2100)


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
