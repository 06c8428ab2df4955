"""Special-budget API shapes. Validation of meaning lives in the services; these only parse and render."""

from __future__ import annotations

from rest_framework import serializers

from funds.models import BudgetSource, Expenditure, SourceKind
from ipops.api.fields import MoneyField


class BudgetSourceSerializer(serializers.ModelSerializer):
    remaining = MoneyField(read_only=True, help_text="Received less spent")

    class Meta:
        model = BudgetSource
        fields = [
            "id",
            "kind",
            "allotted",
            "received",
            "spent",
            "remaining",
            "received_on",
            "review_passed_on",
        ]


class ExpenditureSerializer(serializers.ModelSerializer):
    source_kind = serializers.ChoiceField(source="source.kind", choices=SourceKind.choices, read_only=True)
    reverses = serializers.IntegerField(source="reverses_id", allow_null=True, read_only=True)

    class Meta:
        model = Expenditure
        fields = [
            "id",
            "source_kind",
            "category",
            "amount",
            "spent_on",
            "in_cluster_zone",
            "market_based",
            "reference",
            "note",
            "reverses",
        ]


class ReceiptSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SourceKind.choices)
    amount = MoneyField()
    received_on = serializers.DateField(required=False)


class ReviewSerializer(serializers.Serializer):
    passed_on = serializers.DateField()
    tranche_2 = MoneyField(
        required=False, help_text="The second central tranche as the review set it, when it reduced it"
    )
