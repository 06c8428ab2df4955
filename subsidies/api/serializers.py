"""Subsidies API shapes. Validation of meaning lives in the services; these only parse and render.

A claim's bank account leaves whole only to the claimant itself (its own detail) and to bureau staff in a
payment batch (the list the bank pays from); everyone else sees its last four digits."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ipops.api.fields import MoneyField, RateField
from ipops.api.serializers import OrganizationRefSerializer
from ipops.models import OrgKind
from subsidies.models import (
    Basis,
    Claim,
    ClaimState,
    Frequency,
    Mode,
    Objection,
    PaymentBatch,
    Policy,
    RuleKind,
)
from subsidies.services.catalogue import EDITABLE

# --- the catalogue -------------------------------------------------------------------------------------


class PolicyRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Policy
        fields = ["id", "code", "name"]


class PolicySerializer(serializers.ModelSerializer):
    claimant_kinds = serializers.ListField(child=serializers.ChoiceField(choices=OrgKind.choices))
    evidence = serializers.ListField(child=serializers.CharField())
    params = serializers.JSONField(
        help_text="The rule's parameters: fixed and per_item {amount}, tiered {tiers: {level: amount}}, "
        "percent {rate} (amounts in 元 as strings, the rate a ratio)"
    )

    class Meta:
        model = Policy
        # What the bureau sets (`services.catalogue.EDITABLE`) and when it last changed.
        fields = ["id", *EDITABLE, "updated_at"]


class PolicyInputSerializer(serializers.Serializer):
    """A new policy; what is left out takes the policy's default."""

    code = serializers.CharField(max_length=30)
    name = serializers.CharField(max_length=120)
    family = serializers.CharField(max_length=40, required=False, allow_blank=True)
    claimant_kinds = serializers.ListField(child=serializers.ChoiceField(choices=OrgKind.choices))
    tech_sme_only = serializers.BooleanField(required=False)
    rule_kind = serializers.ChoiceField(choices=RuleKind.choices)
    params = serializers.DictField(
        help_text="The rule's parameters: fixed and per_item {amount}, tiered {tiers: {level: amount}}, "
        "percent {rate}"
    )
    basis = serializers.ChoiceField(choices=Basis.choices, required=False)
    frequency = serializers.ChoiceField(choices=Frequency.choices)
    claim_cap = MoneyField(required=False, allow_null=True)
    year_cap = MoneyField(required=False, allow_null=True)
    annual_quota = serializers.IntegerField(required=False, allow_null=True)
    annual_budget = MoneyField(required=False, allow_null=True)
    evidence = serializers.ListField(child=serializers.CharField(max_length=120), required=False)
    opens_on = serializers.DateField()
    closes_on = serializers.DateField(required=False, allow_null=True)
    mode = serializers.ChoiceField(choices=Mode.choices, required=False)
    notice_days = serializers.IntegerField(required=False, help_text="Working days of public notice")
    budget_source = serializers.CharField(
        max_length=12, required=False, help_text="The special budget's source that pays it (municipal…)"
    )
    active = serializers.BooleanField(required=False)


class PolicyUpdateSerializer(PolicyInputSerializer):
    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


# --- the calculator, the sandbox, budget use ----------------------------------------------------------


class ComputationStepSerializer(serializers.Serializer):
    """One line of a computation: what the rule did (`code`: fixed, tier, family_difference, percent,
    claim_cap, year_cap, records…), on what (`facts`), giving `amount`."""

    code = serializers.CharField()
    amount = MoneyField()
    facts = serializers.DictField(child=serializers.CharField())


class RecordCaseSerializer(serializers.Serializer):
    """A case the platform's records give (a repaid loan, a year's deals) and what it would pay."""

    case = serializers.CharField(help_text="The claim's `inputs.case` to claim it")
    year = serializers.IntegerField()
    amount = MoneyField()
    steps = ComputationStepSerializer(many=True)


class LevelSerializer(serializers.Serializer):
    level = serializers.CharField()
    amount = MoneyField()


class PolicyOfferSerializer(serializers.Serializer):
    """What one open policy would pay the caller today."""

    policy = PolicyRefSerializer()
    rule_kind = serializers.ChoiceField(source="policy.rule_kind", choices=RuleKind.choices)
    basis = serializers.ChoiceField(source="policy.basis", choices=Basis.choices)
    mode = serializers.ChoiceField(source="policy.mode", choices=Mode.choices)
    frequency = serializers.ChoiceField(source="policy.frequency", choices=Frequency.choices)
    amount = MoneyField(
        allow_null=True,
        help_text="Today, by the same rules claims use (for a tiered policy the highest level); null when "
        "it pays the caller nothing now or depends on a declared base",
    )
    why_not = serializers.CharField(help_text="Why the caller may not claim it, or why nothing is on record")
    claimed = serializers.BooleanField(help_text="Already claimed for the current period")
    cases = serializers.SerializerMethodField()
    levels = serializers.SerializerMethodField()

    @extend_schema_field(RecordCaseSerializer(many=True))
    def get_cases(self, offer) -> list[dict]:
        return [
            {
                "case": case.key,
                "year": case.year,
                "amount": str(computation.amount),
                "steps": computation.as_json(),
            }
            for case, computation in offer.cases
        ]

    @extend_schema_field(LevelSerializer(many=True))
    def get_levels(self, offer) -> list[dict]:
        return [{"level": level, "amount": str(amount)} for level, amount in offer.levels]


class CalculatorSerializer(serializers.Serializer):
    organization = OrganizationRefSerializer()
    as_of = serializers.DateField()
    offers = PolicyOfferSerializer(many=True)


class SandboxInputSerializer(serializers.Serializer):
    params = serializers.DictField(help_text="The rule's parameters to try (the policy's own shape)")
    claim_cap = MoneyField(required=False, allow_null=True, help_text="A cap per claim to try; null: none")
    year_cap = MoneyField(
        required=False, allow_null=True, help_text="A cap per organisation per year to try; null: none"
    )


class SandboxLineSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]  # the field named "label", not its label
    organization = serializers.CharField()
    now = MoneyField(help_text="Under the policy's current parameters")
    then = MoneyField(help_text="Under the parameters tried")


class SandboxSerializer(serializers.Serializer):
    """What last year's approved claims and this year's organisations entitled by the records would cost
    under the tried parameters, beside the current ones. Nothing is written."""

    policy = PolicyRefSerializer()
    budget = MoneyField(allow_null=True, help_text="The policy's annual budget")
    last_year = serializers.IntegerField()
    last_year_now = MoneyField(help_text="Last year's approved claims as approved")
    last_year_then = MoneyField(help_text="The same claims under the tried parameters")
    entitled_now = MoneyField()
    entitled_then = MoneyField()
    last_year_lines = SandboxLineSerializer(many=True)
    entitled_lines = SandboxLineSerializer(many=True)


class PolicyUseSerializer(serializers.Serializer):
    policy = PolicyRefSerializer()
    annual_budget = MoneyField(source="policy.annual_budget", allow_null=True)
    annual_quota = serializers.IntegerField(source="policy.annual_quota", allow_null=True)
    approved = MoneyField(help_text="Committed: approved awards in notice, held, payable or paid")
    approved_count = serializers.IntegerField()
    paid = MoneyField()
    left = MoneyField(allow_null=True, help_text="Budget less approved; null without a budget")
    share = RateField(allow_null=True, help_text="Approved ÷ budget, a ratio")


class BudgetUseSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    policies = PolicyUseSerializer(many=True)


class BudgetUseParams(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)


# --- claims --------------------------------------------------------------------------------------------


class ClaimInputsSerializer(serializers.Serializer):
    """The claimant's declaration; what a policy needs depends on its rule (the service says what is
    missing). A record-based policy takes the `case` the calculator names."""

    level = serializers.CharField(required=False, max_length=60, help_text="A tiered policy's level")
    base = MoneyField(required=False, help_text="The amount a percentage applies to, in 元")
    items = serializers.IntegerField(required=False, help_text="How many items a per-item rule pays for")
    case = serializers.CharField(required=False, max_length=60, help_text="What this claim is for")
    description = serializers.CharField(required=False, max_length=500)


class ClaimStartSerializer(serializers.Serializer):
    policy = serializers.IntegerField()
    inputs = ClaimInputsSerializer(required=False)


class ClaimUpdateSerializer(serializers.Serializer):
    inputs = ClaimInputsSerializer()


class ClaimFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=ClaimState.choices, required=False)
    policy = serializers.IntegerField(required=False)
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)


class ClaimSerializer(serializers.ModelSerializer):
    policy = PolicyRefSerializer()
    organization = OrganizationRefSerializer()
    bank_account_masked = serializers.CharField(source="masked_account", help_text="The last four digits")

    class Meta:
        model = Claim
        fields = [
            "id",
            "policy",
            "organization",
            "year",
            "period",
            "case",
            "state",
            "automatic",
            "rule_amount",
            "approved_amount",
            "bank_name",
            "bank_account_masked",
            "submitted_at",
            "decided_at",
            "notice_starts_on",
            "notice_ends_on",
            "created_at",
        ]


class ClaimDetailSerializer(ClaimSerializer):
    inputs = serializers.DictField(
        child=serializers.CharField(), help_text="The claimant's declaration as entered (level, base, items…)"
    )
    computation = ComputationStepSerializer(many=True, help_text="Frozen at approval; recomputed until then")
    bank_account = serializers.SerializerMethodField()
    batch = serializers.IntegerField(source="batch_id", allow_null=True)
    open_objections = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta(ClaimSerializer.Meta):
        fields = [
            *ClaimSerializer.Meta.fields,
            "inputs",
            "computation",
            "reduction_reason",
            "decision_reason",
            "bank_account",
            "batch",
            "open_objections",
            "actions",
        ]

    def get_bank_account(self, claim) -> str | None:
        """The whole number, to the claimant itself only; null for everyone else."""
        return self.context["bank_account"]

    def get_open_objections(self, claim) -> int:
        """Objections lodged during the notice that staff have not resolved (each holds the award)."""
        return self.context["open_objections"]

    def get_actions(self, claim) -> list[str]:
        """The steps the caller may take on the claim now (e.g. `submit`, `approve`): what its page offers."""
        return self.context["actions"]


class BankSerializer(serializers.Serializer):
    bank_name = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    bank_account = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default="", help_text="8 to 30 digits"
    )


class ConfirmSerializer(serializers.Serializer):
    bank_name = serializers.CharField(max_length=80, allow_blank=True)
    bank_account = serializers.CharField(max_length=40, allow_blank=True, help_text="8 to 30 digits")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, allow_blank=True)


class ApproveSerializer(serializers.Serializer):
    amount = MoneyField(
        required=False, allow_null=True, help_text="Lower than the rule's amount, with a reason; never above"
    )
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class QueueCountsSerializer(serializers.Serializer):
    """How many of the city's claims are in each state."""

    def get_fields(self):
        return {state: serializers.IntegerField() for state in ClaimState.values}


# --- objections ----------------------------------------------------------------------------------------


class ClaimRefSerializer(serializers.ModelSerializer):
    policy = PolicyRefSerializer()
    organization = OrganizationRefSerializer()

    class Meta:
        model = Claim
        fields = ["id", "policy", "organization", "state", "approved_amount", "notice_ends_on"]


class ObjectionSerializer(serializers.ModelSerializer):
    claim = ClaimRefSerializer()
    resolved_by = serializers.CharField(source="resolved_by.username", allow_null=True, default=None)

    class Meta:
        model = Objection
        fields = [
            "id",
            "claim",
            "lodged_by",
            "contact",
            "reason",
            "lodged_at",
            "upheld",
            "resolution",
            "resolved_at",
            "resolved_by",
        ]


class ObjectionFilterSerializer(serializers.Serializer):
    open = serializers.BooleanField(required=False, default=False, help_text="Only the unresolved")
    claim = serializers.IntegerField(required=False)


class ResolveSerializer(serializers.Serializer):
    upheld = serializers.BooleanField(help_text="Upheld: the award is rejected; else it goes back to notice")
    resolution = serializers.CharField(max_length=200, allow_blank=True)


class ObjectionLodgeSerializer(serializers.Serializer):
    lodged_by = serializers.CharField(max_length=60, allow_blank=True, help_text="Your name")
    contact = serializers.CharField(max_length=60, allow_blank=True, help_text="A phone number or an email")
    reason = serializers.CharField(max_length=1000, allow_blank=True)


class ObjectionReceiptSerializer(serializers.ModelSerializer):
    """What the person who objected learns: that it was received (never the award's other data)."""

    claim = serializers.IntegerField(source="claim_id")

    class Meta:
        model = Objection
        fields = ["id", "claim", "lodged_at"]


class PublicNoticeSerializer(serializers.ModelSerializer):
    """An award in public notice: who, under which policy, how much, until when. Nothing else."""

    organization = serializers.CharField(source="organization.name")
    policy = serializers.CharField(source="policy.name")
    policy_code = serializers.CharField(source="policy.code")
    amount = MoneyField(source="approved_amount")

    class Meta:
        model = Claim
        fields = [
            "id",
            "organization",
            "policy_code",
            "policy",
            "amount",
            "notice_starts_on",
            "notice_ends_on",
        ]


# --- payment batches -----------------------------------------------------------------------------------


class PaymentBatchSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username")
    reference = serializers.SerializerMethodField()

    class Meta:
        model = PaymentBatch
        fields = ["id", "reference", "paid_on", "total", "count", "created_by", "created_at"]

    def get_reference(self, batch) -> str:
        """The special budget's expenditure names the batch by this reference."""
        return f"subsidies.paymentbatch:{batch.pk}"


class PaymentLineSerializer(serializers.ModelSerializer):
    """A line of the bank's payment list: the whole account number (bureau staff only)."""

    claim = serializers.IntegerField(source="pk")
    organization = OrganizationRefSerializer()
    policy = PolicyRefSerializer()
    amount = MoneyField(source="approved_amount")

    class Meta:
        model = Claim
        fields = ["claim", "organization", "policy", "amount", "bank_name", "bank_account"]


class PaymentBatchDetailSerializer(PaymentBatchSerializer):
    claims = serializers.SerializerMethodField()

    class Meta(PaymentBatchSerializer.Meta):
        fields = [*PaymentBatchSerializer.Meta.fields, "claims"]

    @extend_schema_field(PaymentLineSerializer(many=True))
    def get_claims(self, batch) -> list[dict]:
        return list(PaymentLineSerializer(self.context["claims"], many=True).data)


class BatchInputSerializer(serializers.Serializer):
    claims = serializers.ListField(
        child=serializers.IntegerField(), allow_empty=False, help_text="Payable claims (others are left out)"
    )
    paid_on = serializers.DateField(required=False, help_text="Today when left out")


class AutomaticRunSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Claims the records entitled organisations to, created now")
