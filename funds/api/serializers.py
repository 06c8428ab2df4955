"""Special-budget API shapes. Validation of meaning lives in the services; these only parse and render."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from funds.models import (
    BudgetSource,
    CapitalCall,
    Commitment,
    Distribution,
    DistributionKind,
    Expenditure,
    Fund,
    FundKind,
    FundStatus,
    Investment,
    InvestorSource,
    SourceKind,
)
from ipops.api.fields import MoneyField, RateField
from ipops.api.serializers import OrganizationRefSerializer

#: Digits of a derived figure: leverage and multiples run past 1 (and an IRR past 100%).
FIGURE_DIGITS = 18


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


# --- the fund register ---------------------------------------------------------------------------------


class FigureField(RateField):
    """A derived ratio (leverage, DPI, IRR…) as a string with six places; null when it is undefined (no
    fiscal money in, nothing paid in yet, no IRR from the cash flows). Leverage and multiples may pass 1."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", FIGURE_DIGITS)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)


class FundRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Fund
        fields = ["id", "name", "kind"]


def _figures(prefix: str) -> dict[str, serializers.Field]:
    """The derived figures of a `FundRow` (`funds.rules.FundFigures`), read from `prefix` (its figures)."""
    totals = f"{prefix}.totals"
    return {
        "committed": MoneyField(source=f"{totals}.committed", read_only=True),
        "fiscal": MoneyField(
            source=f"{totals}.fiscal",
            read_only=True,
            help_text="Committed by governments (central, provincial, municipal, district)",
        ),
        "called": MoneyField(source=f"{totals}.called", read_only=True),
        "paid_in": MoneyField(source=f"{totals}.paid_in", read_only=True),
        "unfunded": MoneyField(
            source=f"{prefix}.unfunded", read_only=True, help_text="Committed less paid in"
        ),
        "invested": MoneyField(source=f"{totals}.invested", read_only=True),
        "ip_invested": MoneyField(
            source=f"{totals}.ip_invested",
            read_only=True,
            help_text="Invested in companies that held in-force patents or whose investment bought patents",
        ),
        "distributed": MoneyField(source=f"{totals}.distributed", read_only=True),
        "nav": MoneyField(
            source=f"{totals}.nav",
            read_only=True,
            help_text="Net asset value: the holdings' latest fair values",
        ),
        "leverage": FigureField(
            source=f"{prefix}.leverage",
            help_text="Fiscal leverage: committed ÷ fiscal (the target for a market fund is 5)",
        ),
        "paid_in_ratio": FigureField(source=f"{prefix}.paid_in_ratio", help_text="Paid in ÷ committed"),
        "invested_ratio": FigureField(source=f"{prefix}.invested_ratio", help_text="Invested ÷ paid in"),
        "ip_share": FigureField(source=f"{prefix}.ip_share", help_text="Invested in IP holders ÷ invested"),
        "dpi": FigureField(source=f"{prefix}.dpi", help_text="Distributed ÷ paid in"),
        "rvpi": FigureField(source=f"{prefix}.rvpi", help_text="Net asset value ÷ paid in"),
        "tvpi": FigureField(source=f"{prefix}.tvpi", help_text="DPI + RVPI"),
        "irr": FigureField(
            source=f"{prefix}.irr",
            help_text="Annual IRR (XIRR) of the investors' dated flows: paid-in calls, distributions, and "
            "the net asset value today",
        ),
    }


class FundSerializer(serializers.Serializer):
    """A fund (`funds.selectors.FundRow`) with its derived figures as of today."""

    id = serializers.IntegerField(source="fund.pk")
    kind = serializers.ChoiceField(source="fund.kind", choices=FundKind.choices)
    name = serializers.CharField(source="fund.name")
    target_size = MoneyField(source="fund.target_size")
    manager = OrganizationRefSerializer(source="fund.manager")
    vintage_year = serializers.IntegerField(source="fund.vintage_year")
    term_years = serializers.IntegerField(source="fund.term_years")
    parent = FundRefSerializer(
        source="fund.parent", allow_null=True, help_text="The guide fund of a sub-fund"
    )
    status = serializers.ChoiceField(source="fund.status", choices=FundStatus.choices)
    meets_leverage = serializers.BooleanField(
        allow_null=True, help_text="Leverage at or above the target; null but for a market fund"
    )

    def get_fields(self):
        return {**super().get_fields(), **_figures("figures")}


class SourceAmountSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=InvestorSource.choices)  # type: ignore[assignment]  # the field named "source"
    amount = MoneyField()


class GuideSerializer(serializers.Serializer):
    """A guide fund's sub-funds: how many market funds it has guided, against the target, and the leverage
    of all their commitments together."""

    guided_market_funds = serializers.IntegerField()
    target = serializers.IntegerField(help_text="Market funds a guide fund should guide")
    meets_target = serializers.BooleanField()
    committed = MoneyField(help_text="Committed to the sub-funds")
    fiscal = MoneyField(help_text="Of which by governments")
    leverage = FigureField(help_text="The sub-funds' committed ÷ fiscal")
    sub_funds = FundSerializer(many=True)


class FundDetailSerializer(FundSerializer):
    """A fund with its figures, its commitments by source of money and, for a guide fund, its sub-funds."""

    by_source = serializers.SerializerMethodField()
    guide = serializers.SerializerMethodField()

    def get_fields(self):
        # The fund's own fields and figures first, then what only the detail shows.
        fields = super().get_fields()
        return {**fields, "by_source": fields.pop("by_source"), "guide": fields.pop("guide")}

    @extend_schema_field(SourceAmountSerializer(many=True))
    def get_by_source(self, row) -> list[dict]:
        by_source = self.context["by_source"]
        return list(
            SourceAmountSerializer([{"source": s, "amount": a} for s, a in by_source], many=True).data
        )

    @extend_schema_field(GuideSerializer(allow_null=True))
    def get_guide(self, row) -> dict | None:
        summary = self.context.get("guide")
        return None if summary is None else dict(GuideSerializer(summary).data)


class FundRegisterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FundKind.choices)
    name = serializers.CharField(allow_blank=True)
    target_size = MoneyField()
    vintage_year = serializers.IntegerField()
    term_years = serializers.IntegerField()
    manager = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The fund-manager organisation (the bureau names it; a fund manager registers for itself)",
    )
    parent = serializers.IntegerField(  # type: ignore[assignment]  # the input named "parent"
        required=False, allow_null=True, help_text="The guide fund of a sub-fund"
    )
    status = serializers.ChoiceField(choices=FundStatus.choices, required=False)


class FundStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=FundStatus.choices)


class CommitmentSerializer(serializers.ModelSerializer):
    fund = serializers.IntegerField(source="fund_id", read_only=True)
    unfunded = MoneyField(read_only=True, help_text="Committed less paid in")

    class Meta:
        model = Commitment
        fields = [
            "id",
            "fund",
            "investor",
            "source",
            "amount",
            "committed_on",
            "called",
            "paid_in",
            "unfunded",
        ]


class CommitmentInputSerializer(serializers.Serializer):
    investor = serializers.CharField(allow_blank=True)
    source = serializers.ChoiceField(choices=InvestorSource.choices)  # type: ignore[assignment]  # the input named "source"
    amount = MoneyField()
    committed_on = serializers.DateField()


class CallSerializer(serializers.ModelSerializer):
    commitment = serializers.IntegerField(source="commitment_id", read_only=True)

    class Meta:
        model = CapitalCall
        fields = ["id", "commitment", "amount", "called_on", "paid_on"]


class CallInputSerializer(serializers.Serializer):
    amount = MoneyField()
    called_on = serializers.DateField()
    paid_on = serializers.DateField(
        required=False, allow_null=True, help_text="When the money has already arrived"
    )


class CallPaidSerializer(serializers.Serializer):
    paid_on = serializers.DateField()


class InvestmentSerializer(serializers.ModelSerializer):
    fund = serializers.IntegerField(source="fund_id", read_only=True)
    investee = OrganizationRefSerializer(allow_null=True, help_text="Null for a company not on the platform")
    holds_ip = serializers.BooleanField(read_only=True)

    class Meta:
        model = Investment
        fields = [
            "id",
            "fund",
            "investee",
            "investee_name",
            "amount",
            "invested_on",
            "stake",
            "patents_in_force",
            "patents_acquired",
            "holds_ip",
            "fair_value",
            "valued_on",
            "exited_on",
        ]


class InvestmentInputSerializer(serializers.Serializer):
    investee = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="An enterprise, university or institute of the city: its in-force patents on the day "
        "are read from the registry",
    )
    investee_name = serializers.CharField(
        required=False, allow_blank=True, help_text="A company not on the platform"
    )
    amount = MoneyField()
    invested_on = serializers.DateField()
    stake = RateField()
    patents_in_force = serializers.IntegerField(
        required=False, allow_null=True, help_text="For a company not on the platform"
    )
    patents_acquired = serializers.IntegerField(required=False)
    fair_value = MoneyField(required=False, allow_null=True, help_text="The amount invested when not given")


class InvestmentValuationSerializer(serializers.Serializer):
    fair_value = MoneyField()
    valued_on = serializers.DateField()


class DistributionSerializer(serializers.ModelSerializer):
    fund = serializers.IntegerField(source="fund_id", read_only=True)
    investment = serializers.IntegerField(source="investment_id", allow_null=True, read_only=True)

    class Meta:
        model = Distribution
        fields = ["id", "fund", "investment", "kind", "amount", "distributed_on", "note"]


class DistributionInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DistributionKind.choices)
    amount = MoneyField()
    distributed_on = serializers.DateField()
    investment = serializers.IntegerField(
        required=False, allow_null=True, help_text="The investment exited (an exit names one)"
    )
    remaining_value = MoneyField(
        required=False, allow_null=True, help_text="After a partial exit: what the rest is worth now"
    )
    note = serializers.CharField(required=False, allow_blank=True)
