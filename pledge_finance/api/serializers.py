"""Pledge-finance API shapes. Validation of meaning lives in the services; these only parse and render."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from ipops.api.serializers import OrganizationRefSerializer
from ipops.models import IPAsset
from pledge_finance.models import (
    ApprovalDecision,
    Instalment,
    Loan,
    LoanProduct,
    LoanState,
    LossAllocation,
    Recovery,
    Repayment,
    RepaymentMethod,
    ReserveEntry,
    RiskReserve,
)

MONEY = {"max_digits": 18, "decimal_places": 2}
RATE = {"max_digits": 9, "decimal_places": 6}


# --- products ---------------------------------------------------------------------------


class InstitutionsSerializer(serializers.Serializer):
    bank = serializers.ListField(child=serializers.IntegerField(), required=False)
    insurer = serializers.ListField(child=serializers.IntegerField(), required=False)
    guarantor = serializers.ListField(child=serializers.IntegerField(), required=False)
    appraiser = serializers.ListField(child=serializers.IntegerField(), required=False)


class ProductOutputSerializer(serializers.ModelSerializer):
    institutions = serializers.SerializerMethodField()

    class Meta:
        model = LoanProduct
        fields = [
            "id",
            "name",
            "description",
            "insurer_share",
            "guarantor_share",
            "bank_share",
            "loan_to_value",
            "allowed_terms",
            "repayment_method",
            "min_rate",
            "max_rate",
            "min_amount",
            "max_amount",
            "is_active",
            "institutions",
            "updated_at",
        ]

    def get_institutions(self, product) -> dict[str, list[dict]]:
        out: dict[str, list] = {"bank": [], "insurer": [], "guarantor": [], "appraiser": []}
        for row in product.institutions.all():
            out[row.role].append({"id": row.organization_id, "name": row.organization.name})
        return out


class ProductInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    insurer_share = serializers.DecimalField(help_text="Fraction, e.g. 0.6 for 60%", **RATE)
    guarantor_share = serializers.DecimalField(**RATE)
    bank_share = serializers.DecimalField(**RATE)
    loan_to_value = serializers.DecimalField(default=Decimal("0.5"), **RATE)
    allowed_terms = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=120), allow_empty=False
    )
    repayment_method = serializers.ChoiceField(
        choices=RepaymentMethod.choices, default=RepaymentMethod.EQUAL_INSTALMENTS
    )
    min_rate = serializers.DecimalField(**RATE)
    max_rate = serializers.DecimalField(**RATE)
    min_amount = serializers.DecimalField(default=Decimal("100000"), **MONEY)
    max_amount = serializers.DecimalField(default=Decimal("10000000"), **MONEY)
    is_active = serializers.BooleanField(default=True)
    institutions = InstitutionsSerializer()


class ProductUpdateSerializer(ProductInputSerializer):
    institutions = InstitutionsSerializer(required=False)

    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


# --- loans ------------------------------------------------------------------------------


class AssetRefSerializer(serializers.ModelSerializer):
    display_number = serializers.CharField(read_only=True)

    class Meta:
        model = IPAsset
        fields = ["id", "kind", "display_number", "title", "legal_status"]


class LoanOutputSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    product = serializers.CharField(source="product.name")
    product_id = serializers.IntegerField()
    enterprise = OrganizationRefSerializer()
    bank = OrganizationRefSerializer()
    insurer = OrganizationRefSerializer()
    guarantor = OrganizationRefSerializer()
    appraiser = OrganizationRefSerializer(allow_null=True)
    outstanding = serializers.DecimalField(read_only=True, allow_null=True, default=None, **MONEY)
    overdue_amount = serializers.DecimalField(read_only=True, allow_null=True, default=None, **MONEY)

    class Meta:
        model = Loan
        fields = [
            "id",
            "reference",
            "state",
            "product",
            "product_id",
            "enterprise",
            "bank",
            "insurer",
            "guarantor",
            "appraiser",
            "amount",
            "term_months",
            "purpose",
            "repayment_method",
            "loan_to_value",
            "appraised_value",
            "valuation_report_ref",
            "valued_on",
            "insurer_share",
            "guarantor_share",
            "bank_share",
            "annual_rate",
            "contract_number",
            "contract_signed_on",
            "pledge_registration_number",
            "pledge_registered_on",
            "disbursed_on",
            "maturity_date",
            "default_on",
            "loss_principal",
            "loss_interest",
            "closed_on",
            "submitted_at",
            "decided_at",
            "created_at",
            "outstanding",
            "overdue_amount",
        ]


class DecisionSerializer(serializers.ModelSerializer):
    organization = OrganizationRefSerializer()
    decided_by = serializers.CharField(source="decided_by.username")

    class Meta:
        model = ApprovalDecision
        fields = ["party", "organization", "decision", "comment", "decided_by", "decided_at"]


class InstalmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Instalment
        fields = [
            "number",
            "due_date",
            "principal_due",
            "interest_due",
            "principal_paid",
            "interest_paid",
            "status",
            "overdue_since",
            "paid_on",
        ]


class RepaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Repayment
        fields = ["id", "paid_on", "amount", "principal", "interest", "reference", "created_at"]


class AllocationSerializer(serializers.ModelSerializer):
    organization = OrganizationRefSerializer()
    net_loss = serializers.DecimalField(read_only=True, **MONEY)

    class Meta:
        model = LossAllocation
        fields = [
            "party",
            "organization",
            "share",
            "loss",
            "reserve_claim",
            "reserve_paid",
            "recovered",
            "refunded_to_reserve",
            "net_loss",
        ]


class RecoverySerializer(serializers.ModelSerializer):
    class Meta:
        model = Recovery
        fields = ["id", "received_on", "amount", "source", "parts", "created_at"]


class TimelineEventSerializer(serializers.Serializer):
    at = serializers.CharField()
    kind = serializers.CharField()
    label = serializers.CharField()
    who = serializers.CharField()
    detail = serializers.CharField()
    amount = serializers.DecimalField(allow_null=True, **MONEY)


class LoanDetailSerializer(LoanOutputSerializer):
    assets = serializers.SerializerMethodField()
    decisions = DecisionSerializer(many=True, read_only=True)
    schedule = InstalmentSerializer(many=True, read_only=True, source="instalments")
    repayments = RepaymentSerializer(many=True, read_only=True)
    allocation = AllocationSerializer(many=True, read_only=True, source="allocations")
    recoveries = RecoverySerializer(many=True, read_only=True)
    timeline = serializers.SerializerMethodField()
    loss_total = serializers.DecimalField(read_only=True, allow_null=True, **MONEY)
    max_amount_by_value = serializers.DecimalField(read_only=True, allow_null=True, **MONEY)

    class Meta(LoanOutputSerializer.Meta):
        fields = [
            *LoanOutputSerializer.Meta.fields,
            "max_amount_by_value",
            "loss_total",
            "pledge_released_at",
            "assets",
            "decisions",
            "schedule",
            "repayments",
            "allocation",
            "recoveries",
            "timeline",
        ]

    def get_assets(self, loan) -> list[dict]:
        from pledge_finance.selectors import loan_assets

        return AssetRefSerializer(loan_assets(loan), many=True).data

    def get_timeline(self, loan) -> list[dict]:
        from pledge_finance.selectors import loan_timeline

        return [
            {
                "at": e.at.isoformat(),
                "kind": e.kind,
                "label": e.label,
                "who": e.who,
                "detail": e.detail,
                "amount": None if e.amount is None else str(e.amount),
            }
            for e in loan_timeline(loan)
        ]


class LoanCreateSerializer(serializers.Serializer):
    product = serializers.IntegerField()
    bank = serializers.IntegerField()
    insurer = serializers.IntegerField()
    guarantor = serializers.IntegerField()
    assets = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)
    amount = serializers.DecimalField(**MONEY)
    term_months = serializers.IntegerField(min_value=1, max_value=120)
    purpose = serializers.CharField(max_length=2000)


class LoanUpdateSerializer(LoanCreateSerializer):
    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ValuationSerializer(serializers.Serializer):
    appraised_value = serializers.DecimalField(required=False, **MONEY)
    report_ref = serializers.CharField(max_length=80)
    valued_on = serializers.DateField(required=False)
    asset_values = serializers.DictField(
        child=serializers.DecimalField(**MONEY),
        required=False,
        help_text="Optional value per asset id; the total is their sum",
    )

    def validate(self, attrs):
        if "appraised_value" not in attrs and not attrs.get("asset_values"):
            raise serializers.ValidationError(
                {"appraised_value": ["Give the appraised value."]}, code="required"
            )
        return attrs


class DecisionInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=ApprovalDecision.Decision.choices)
    comment = serializers.CharField(max_length=4000)


class DisburseSerializer(serializers.Serializer):
    contract_number = serializers.CharField(max_length=60)
    contract_signed_on = serializers.DateField()
    pledge_registration_number = serializers.CharField(max_length=60, help_text="CNIPA 质押登记号")
    pledge_registered_on = serializers.DateField()
    disbursed_on = serializers.DateField()
    annual_rate = serializers.DecimalField(help_text="Fraction, e.g. 0.0435", **RATE)


class RepaymentInputSerializer(serializers.Serializer):
    amount = serializers.DecimalField(**MONEY)
    paid_on = serializers.DateField()
    reference = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


class DefaultSerializer(serializers.Serializer):
    default_on = serializers.DateField()
    reason = serializers.CharField(max_length=2000)


class RecoveryInputSerializer(serializers.Serializer):
    amount = serializers.DecimalField(**MONEY)
    received_on = serializers.DateField()
    source = serializers.CharField(max_length=200)
    release_pledge = serializers.BooleanField(default=False)


class ReleaseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class LoanFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=LoanState.choices, required=False)
    product = serializers.IntegerField(required=False)
    q = serializers.CharField(required=False)
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)


# --- reserve ----------------------------------------------------------------------------


class ReserveEntrySerializer(serializers.ModelSerializer):
    loan = serializers.IntegerField(source="loan_id", allow_null=True)
    organization = OrganizationRefSerializer(allow_null=True)

    class Meta:
        model = ReserveEntry
        fields = [
            "id",
            "kind",
            "amount",
            "balance_after",
            "booked_on",
            "loan",
            "organization",
            "note",
            "created_at",
        ]


class ReserveSerializer(serializers.ModelSerializer):
    class Meta:
        model = RiskReserve
        fields = ["id", "name", "opening_balance", "balance", "payout_share", "opened_on"]


class ReserveOpenSerializer(serializers.Serializer):
    opening_balance = serializers.DecimalField(**MONEY)
    payout_share = serializers.DecimalField(default=Decimal("0.3"), **RATE)
    opened_on = serializers.DateField(required=False)
    name = serializers.CharField(required=False, allow_blank=True, default="")


class ReserveUpdateSerializer(serializers.Serializer):
    payout_share = serializers.DecimalField(**RATE)


class TopUpSerializer(serializers.Serializer):
    amount = serializers.DecimalField(**MONEY)
    note = serializers.CharField(max_length=200)
    booked_on = serializers.DateField(required=False)
