"""Reporting API shapes. Validation of meaning lives in the services; these only parse and render.

Figures travel as decimal strings in the indicator's unit (amounts in 元, counts, levels); progress, growth
and reduction rates as ratio strings ("0.950000" is 95%)."""

from __future__ import annotations

import datetime

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ipops.api.fields import RateField
from ipops.models import JobRun
from reporting.models import (
    Direction,
    Indicator,
    IndicatorValue,
    Kind,
    PeriodKind,
    SourceKind,
    Statistic,
    StatisticCode,
    Status,
    Unit,
)

#: A figure's digits and places, as the models keep them.
FIGURE_DIGITS, FIGURE_PLACES = 24, 6


class FigureField(serializers.DecimalField):
    """A count, an amount in 元, a level or a target, as a string with six places."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", FIGURE_DIGITS)
        kwargs.setdefault("decimal_places", FIGURE_PLACES)
        super().__init__(**kwargs)


class RatioField(RateField):
    """Progress or a rate as a ratio string; may pass 1 (progress beyond the trajectory)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 14)
        super().__init__(**kwargs)


def _value_fields(source: str = "") -> dict[str, serializers.Field]:
    """An `IndicatorValue`'s figures, read from `source` (the plan row of a scoreboard line, or the row)."""
    prefix = f"{source}." if source else ""

    def kw(name: str) -> dict:
        return {"read_only": True, "allow_null": True, **({"source": f"{prefix}{name}"} if prefix else {})}

    return {
        "actual": FigureField(help_text="Null before any data", **kw("actual")),
        "target": FigureField(help_text="The trajectory at this point", **kw("target")),
        "target_end": FigureField(help_text="Where the period's horizon wants it", **kw("target_end")),
        "progress": RatioField(help_text="Actual against the trajectory (1 = on it)", **kw("progress")),
        "status": serializers.ChoiceField(
            choices=Status.choices, **{k: v for k, v in kw("status").items() if k != "allow_null"}
        ),
        "rate": RatioField(
            help_text="Growth year over year, or the reduction against the baseline",
            **kw("rate"),
        ),
        "compound_rate": RatioField(
            help_text="Growth: compound per year since the baseline", **kw("compound_rate")
        ),
    }


class IndicatorSerializer(serializers.ModelSerializer):
    """An indicator's definition; ratios (growth and reduction targets, thresholds) as ratio strings."""

    target = FigureField(help_text="At plan end: a count, an amount in 元, a level, or a ratio for growth")
    baseline_value = FigureField(allow_null=True)
    lagging_below = RatioField()
    at_risk_below = RatioField()
    scale = serializers.DecimalField(max_digits=12, decimal_places=2)
    yearly_targets = serializers.DictField(
        child=serializers.CharField(), help_text='Per plan year where the plan gives one: {"2025": "100"}'
    )

    class Meta:
        model = Indicator
        fields = [
            "id",
            "code",
            "name",
            "unit",
            "kind",
            "direction",
            "target",
            "yearly_targets",
            "baseline_year",
            "baseline_value",
            "source",
            "metric",
            "statistic",
            "denominator",
            "scale",
            "lagging_below",
            "at_risk_below",
            "plan_reference",
            "order",
            "active",
        ]


class IndicatorRowSerializer(serializers.Serializer):
    """A scoreboard line (`reporting.selectors.ScoreRow`): the indicator and its plan-to-date figures."""

    id = serializers.IntegerField(source="indicator.pk")
    code = serializers.CharField(source="indicator.code")
    name = serializers.CharField(source="indicator.name")
    unit = serializers.ChoiceField(source="indicator.unit", choices=Unit.choices)
    kind = serializers.ChoiceField(source="indicator.kind", choices=Kind.choices)
    source = serializers.ChoiceField(source="indicator.source", choices=SourceKind.choices)  # type: ignore[assignment]  # the field named "source"
    projection = FigureField(
        source="plan.projection", read_only=True, allow_null=True, help_text="Projected to plan end"
    )
    as_of = serializers.DateTimeField(source="plan.as_of", read_only=True, allow_null=True)

    def get_fields(self):
        fields = super().get_fields()
        tail = {k: fields.pop(k) for k in ("projection", "as_of")}
        return {**fields, **_value_fields("plan"), **tail}


class IndicatorPlanSerializer(serializers.Serializer):
    """An indicator's plan-to-date row: the figures, the projection and when they were computed."""

    projection = FigureField(read_only=True, allow_null=True, help_text="Projected to plan end")
    as_of = serializers.DateTimeField(read_only=True)

    def get_fields(self):
        fields = super().get_fields()
        return {**_value_fields(), **fields}


class IndicatorDetailSerializer(IndicatorSerializer):
    """The definition with its plan-to-date figures (`plan`: null before the first roll-up)."""

    plan = serializers.SerializerMethodField()

    class Meta(IndicatorSerializer.Meta):
        fields = [*IndicatorSerializer.Meta.fields, "plan"]

    @extend_schema_field(IndicatorPlanSerializer(allow_null=True))
    def get_plan(self, indicator) -> dict | None:
        plan = self.context.get("plan")
        return None if plan is None else dict(IndicatorPlanSerializer(plan).data)


class IndicatorInputSerializer(serializers.Serializer):
    """Creating or changing an indicator; every field checked by the service together (400 with each)."""

    code = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=120)
    unit = serializers.ChoiceField(choices=Unit.choices)
    kind = serializers.ChoiceField(choices=Kind.choices)
    direction = serializers.ChoiceField(choices=Direction.choices, required=False)
    target = FigureField(help_text="A ratio for growth and reduction (0.2 for 20%); amounts in 元")
    yearly_targets = serializers.DictField(child=serializers.CharField(), required=False)
    baseline_year = serializers.IntegerField(required=False, allow_null=True)
    baseline_value = FigureField(required=False, allow_null=True)
    source = serializers.ChoiceField(choices=SourceKind.choices)  # type: ignore[assignment]  # the input named "source"
    metric = serializers.CharField(
        required=False, allow_blank=True, help_text="A computed indicator's metric"
    )
    statistic = serializers.ChoiceField(choices=StatisticCode.choices, required=False, allow_blank=True)
    denominator = serializers.ChoiceField(choices=StatisticCode.choices, required=False, allow_blank=True)
    scale = serializers.DecimalField(max_digits=12, decimal_places=2, required=False)
    lagging_below = RatioField(required=False)
    at_risk_below = RatioField(required=False)
    plan_reference = serializers.CharField(required=False, allow_blank=True, max_length=200)
    order = serializers.IntegerField(required=False)
    active = serializers.BooleanField(required=False)


class SeriesRowSerializer(serializers.ModelSerializer):
    """One period of an indicator in the current snapshot."""

    period_kind = serializers.ChoiceField(choices=PeriodKind.choices)
    projection = FigureField(read_only=True, allow_null=True, help_text="The plan row only")

    class Meta:
        model = IndicatorValue
        fields = ["period", "period_kind", "period_end", "as_of", "projection"]

    def get_fields(self):
        fields = super().get_fields()
        head = {k: fields.pop(k) for k in ("period", "period_kind", "period_end")}
        return {**head, **_value_fields(), **fields}


class RecordSerializer(serializers.Serializer):
    """A record behind a computed figure, whatever its app: a deal, a loan, a paid claim, a patent, a fund."""

    type = serializers.CharField(help_text="deal, loan, claim, asset or fund")
    id = serializers.IntegerField()
    reference = serializers.CharField(help_text="A contract number, a patent number, a policy")
    title = serializers.CharField()
    date = serializers.DateField(allow_null=True)
    amount = FigureField(allow_null=True, help_text="In 元; null for a record without one (a patent)")
    party = serializers.CharField(help_text="Who it is about: the parties, the enterprise, the owner")


def _day(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    return value


def _name(org) -> str:
    return getattr(org, "name", "") or ""


def record_summary(obj) -> dict:
    """One generic line for a record behind a figure: the metrics' querysets hold deals, loans, paid claims,
    patents or funds (each loaded with what this reads, so a page costs no query per row)."""
    label = obj._meta.label_lower
    if label == "trading.transaction":
        return {
            "type": "deal",
            "id": obj.pk,
            "reference": obj.contract_ref or obj.recordal_number,
            "title": obj.listing.title,
            "date": _day(obj.completed_at),
            "amount": obj.agreed_price,
            "party": f"{_name(obj.seller)} → {_name(obj.buyer)}",
        }
    if label == "pledge_finance.loan":
        return {
            "type": "loan",
            "id": obj.pk,
            "reference": obj.contract_number,
            "title": _name(obj.bank),
            "date": obj.disbursed_on,
            "amount": obj.amount,
            "party": _name(obj.enterprise),
        }
    if label == "subsidies.claim":
        return {
            "type": "claim",
            "id": obj.pk,
            "reference": obj.case or obj.period,
            "title": obj.policy.name,
            "date": obj.batch.paid_on if obj.batch_id else None,
            "amount": obj.approved_amount,
            "party": _name(obj.organization),
        }
    if label == "ipops.ipasset":
        return {
            "type": "asset",
            "id": obj.pk,
            "reference": obj.display_number,
            "title": obj.title,
            "date": obj.grant_date or obj.filing_date,
            "amount": None,
            "party": _name(obj.owner),
        }
    if label == "funds.fund":
        return {
            "type": "fund",
            "id": obj.pk,
            "reference": _name(obj.parent),
            "title": obj.name,
            "date": getattr(obj, "first", None),
            "amount": obj.target_size,
            "party": _name(obj.manager),
        }
    return {
        "type": obj._meta.model_name,
        "id": obj.pk,
        "reference": "",
        "title": str(obj),
        "date": None,
        "amount": None,
        "party": "",
    }


class StatisticSerializer(serializers.ModelSerializer):
    value = FigureField()
    entered_by = serializers.CharField(source="entered_by.username", read_only=True)
    batch = serializers.IntegerField(source="batch_id", read_only=True, allow_null=True)

    class Meta:
        model = Statistic
        fields = [
            "id",
            "code",
            "year",
            "month",
            "value",
            "version",
            "is_current",
            "note",
            "batch",
            "entered_by",
            "entered_at",
        ]


class StatisticInputSerializer(serializers.Serializer):
    """A figure for a year (no month) or a month; the same period again is a correction (a new version)."""

    code = serializers.ChoiceField(choices=StatisticCode.choices)
    year = serializers.IntegerField()
    month = serializers.IntegerField(required=False, allow_null=True)
    value = FigureField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class JobRunSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    waiting_for_queue = serializers.BooleanField(
        read_only=True,
        help_text="Queued, and the task queue was unreachable: the run starts when it is back.",
    )

    class Meta:
        model = JobRun
        fields = [
            "id",
            "name",
            "status",
            "progress_done",
            "progress_total",
            "percent",
            "waiting_for_queue",
            "rows",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]


class SnapshotSerializer(serializers.Serializer):
    """The city's current snapshot (null fields before the first roll-up) and its latest roll-up run."""

    built_at = serializers.DateTimeField(allow_null=True)
    as_of = serializers.DateField(allow_null=True)
    refreshed_at = serializers.DateTimeField(
        allow_null=True, help_text="The last near-real-time refresh of the current periods"
    )
    run = JobRunSerializer(allow_null=True, help_text='The latest "indicator_rollup" run')
