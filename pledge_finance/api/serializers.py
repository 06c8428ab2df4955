"""Pledge-finance API shapes. Validation of meaning lives in the services; these only parse and render."""

from __future__ import annotations

import datetime

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ipops.api.fields import MoneyField, RateField
from ipops.api.serializers import OrganizationRefSerializer
from ipops.errors import CoreErrorCode
from ipops.models import AssetKind, LegalStatus
from pledge_finance import rules
from pledge_finance.models import (
    ApprovalDecision,
    Instalment,
    InstitutionRole,
    Loan,
    LoanFee,
    LoanFeeKind,
    LoanProduct,
    LoanState,
    LossAllocation,
    Recovery,
    Repayment,
    RepaymentMethod,
    ReserveEntry,
    RiskReserve,
)
from pledge_finance.selectors import loan_assets, loan_timeline

# --- products ---------------------------------------------------------------------------


class InstitutionsSerializer(serializers.Serializer):
    """Organisation ids per institution role (`InstitutionRole`)."""

    def get_fields(self):
        return {
            role: serializers.ListField(child=serializers.IntegerField(), required=False)
            for role in InstitutionRole.values
        }


class ProductOutputSerializer(serializers.ModelSerializer):
    institutions = serializers.SerializerMethodField()

    class Meta:
        model = LoanProduct
        # What the bureau sets (the model's EDITABLE), the institutions taking part, and when it changed.
        fields = ["id", *LoanProduct.EDITABLE, "institutions", "updated_at"]

    def get_institutions(self, product) -> dict[str, list[dict]]:
        return {
            role: [{"id": org.pk, "name": org.name} for org in orgs]
            for role, orgs in product.institutions_by_role().items()
        }


class ProductInputSerializer(serializers.Serializer):
    """A new product; what is left out takes the product's default (`LoanProduct`)."""

    name = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True)
    insurer_share = RateField()
    guarantor_share = RateField()
    bank_share = RateField()
    loan_to_value = RateField(required=False)
    allowed_terms = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=rules.MAX_TERM_MONTHS), allow_empty=False
    )
    repayment_method = serializers.ChoiceField(choices=RepaymentMethod.choices, required=False)
    min_rate = RateField()
    max_rate = RateField()
    min_amount = MoneyField(required=False)
    max_amount = MoneyField(required=False)
    is_active = serializers.BooleanField(required=False)
    institutions = InstitutionsSerializer()


class ProductUpdateSerializer(ProductInputSerializer):
    institutions = InstitutionsSerializer(required=False)

    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


# --- loans ------------------------------------------------------------------------------


class PledgedAssetSerializer(serializers.Serializer):
    """A pledged asset and the value the loan's appraisal gave it (null before the valuation)."""

    id = serializers.IntegerField(source="asset_id")
    kind = serializers.ChoiceField(choices=AssetKind.choices, source="asset.kind")
    display_number = serializers.CharField(source="asset.display_number")
    title = serializers.CharField(source="asset.title")
    legal_status = serializers.ChoiceField(choices=LegalStatus.choices, source="asset.legal_status")
    appraised_value = MoneyField(allow_null=True)


class LoanOutputSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    product = serializers.CharField(source="product.name")
    product_id = serializers.IntegerField()
    enterprise = OrganizationRefSerializer()
    bank = OrganizationRefSerializer()
    insurer = OrganizationRefSerializer()
    guarantor = OrganizationRefSerializer()
    appraiser = OrganizationRefSerializer(allow_null=True)
    # The loan's figures as of today (`selectors.with_figures`), the same as every page shows.
    outstanding = MoneyField(read_only=True)
    overdue_amount = MoneyField(read_only=True)
    overdue_count = serializers.IntegerField(read_only=True)
    next_due_on = serializers.DateField(read_only=True, allow_null=True)

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
            "overdue_count",
            "next_due_on",
        ]


class DecisionSerializer(serializers.ModelSerializer):
    organization = OrganizationRefSerializer()
    decided_by = serializers.CharField(source="decided_by.username")

    class Meta:
        model = ApprovalDecision
        fields = ["party", "organization", "decision", "comment", "decided_by", "decided_at"]


class InstalmentSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(
        choices=Instalment.Status.choices,
        source="standing",
        read_only=True,
        help_text="As of today: paid, overdue (unpaid and due before today) or pending (not due yet)",
    )

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


class FeeSerializer(serializers.ModelSerializer):
    class Meta:
        model = LoanFee
        fields = ["id", "kind", "amount", "payee", "paid_on", "invoice_ref", "created_at"]


class FeeInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=LoanFeeKind.choices)
    amount = MoneyField(help_text="In 元, as the invoice shows it")
    payee = serializers.CharField(max_length=120, help_text="Who was paid, e.g. the insurer")
    paid_on = serializers.DateField()
    invoice_ref = serializers.CharField(max_length=60, help_text="The invoice number; once per loan")


class AllocationSerializer(serializers.ModelSerializer):
    organization = OrganizationRefSerializer()
    net_loss = MoneyField(read_only=True)

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
    label = serializers.CharField()  # type: ignore[assignment]  # the field named "label", not its label
    who = serializers.CharField()
    detail = serializers.CharField()
    amount = MoneyField(allow_null=True)


class LoanDetailSerializer(LoanOutputSerializer):
    assets = serializers.SerializerMethodField()
    decisions = DecisionSerializer(many=True, read_only=True)
    schedule = InstalmentSerializer(many=True, read_only=True, source="instalments")
    repayments = RepaymentSerializer(many=True, read_only=True)
    fees = FeeSerializer(many=True, read_only=True)
    allocation = AllocationSerializer(many=True, read_only=True, source="allocations")
    recoveries = RecoverySerializer(many=True, read_only=True)
    timeline = serializers.SerializerMethodField()
    loss_total = MoneyField(read_only=True, allow_null=True)
    max_amount_by_value = MoneyField(read_only=True, allow_null=True)
    actions = serializers.SerializerMethodField()

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
            "fees",
            "allocation",
            "recoveries",
            "timeline",
            "actions",
        ]

    @extend_schema_field(PledgedAssetSerializer(many=True))
    def get_assets(self, loan) -> list:
        return list(PledgedAssetSerializer(loan_assets(loan), many=True).data)

    def get_actions(self, loan) -> list[str]:
        """The steps the caller may take on the loan now (e.g. `decide`, `repay`): what its page offers."""
        return self.context["actions"]

    @extend_schema_field(TimelineEventSerializer(many=True))
    def get_timeline(self, loan) -> list[dict]:
        return [
            {
                # Beijing time (+08:00) for a moment; a booked day as the day.
                "at": (timezone.localtime(e.at) if isinstance(e.at, datetime.datetime) else e.at).isoformat(),
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
    amount = MoneyField()
    term_months = serializers.IntegerField(min_value=1, max_value=rules.MAX_TERM_MONTHS)
    purpose = serializers.CharField(max_length=2000)


class LoanUpdateSerializer(LoanCreateSerializer):
    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ValuationSerializer(serializers.Serializer):
    appraised_value = MoneyField(required=False)
    report_ref = serializers.CharField(max_length=80)
    valued_on = serializers.DateField(required=False)
    asset_values = serializers.DictField(
        child=MoneyField(),
        required=False,
        help_text="The value of each pledged asset, by asset id (required when the loan pledges several); "
        "the loan's appraised value is their total",
    )

    def validate(self, attrs):
        if "appraised_value" not in attrs and not attrs.get("asset_values"):
            raise serializers.ValidationError(
                {"appraised_value": ["Give the appraised value."]}, code=CoreErrorCode.REQUIRED
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
    annual_rate = RateField(help_text="A ratio, e.g. 0.0435 for 4.35%")


class RepaymentInputSerializer(serializers.Serializer):
    amount = MoneyField()
    paid_on = serializers.DateField()
    reference = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


class DefaultSerializer(serializers.Serializer):
    default_on = serializers.DateField()
    reason = serializers.CharField(max_length=2000)


class RecoveryInputSerializer(serializers.Serializer):
    amount = MoneyField()
    received_on = serializers.DateField()
    source = serializers.CharField(max_length=200)  # type: ignore[assignment]  # the input named "source"
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
    balance_after = MoneyField(
        source="balance",
        read_only=True,
        help_text="The running balance in the ledger's order (by date, then booking): the previous "
        "movement's plus this amount",
    )

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
    opening_balance = MoneyField()
    payout_share = RateField(required=False, help_text="A ratio; the reserve's default when left out")
    opened_on = serializers.DateField(required=False)
    name = serializers.CharField(required=False, allow_blank=True, default="")


class ReserveUpdateSerializer(serializers.Serializer):
    payout_share = RateField()


class TopUpSerializer(serializers.Serializer):
    amount = MoneyField()
    note = serializers.CharField(max_length=200)
    booked_on = serializers.DateField(required=False)
