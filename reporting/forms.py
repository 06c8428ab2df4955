"""Reporting's page forms: they parse what people type (amounts in 万元, rates in %), the services decide.

Field names are the services' argument names, so a service's field error lands beside its field."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from ipops.forms import BootstrapWidgets, RateField, ServiceForm
from ipops.forms import _decimal as typed_decimal
from ipops.money import WAN
from reporting.models import Direction, Kind, SourceKind, StatisticCode, Unit
from reporting.sources import METRIC_CHOICES

RATE_KINDS = (Kind.ANNUAL_GROWTH, Kind.REDUCTION)
YEARLY = re.compile(r"^\s*(\d{4})\s*[:：=]\s*(\S+)\s*$")


def _blank(choices, label=None) -> list:
    return [("", label or "—"), *choices]


class IndicatorForm(BootstrapWidgets, ServiceForm):
    """An indicator of the catalogue. Targets are typed as people read them: a growth or reduction target
    in %, an amount in 万元, anything else in the indicator's unit; the service receives ratios and 元."""

    widget_size = ""

    code = forms.CharField(label=_("code"), max_length=40)
    name = forms.CharField(label=_("name"), max_length=120)
    kind = forms.ChoiceField(label=_("kind"), choices=Kind.choices)
    unit = forms.ChoiceField(label=_("unit"), choices=Unit.choices)
    direction = forms.ChoiceField(label=_("direction"), choices=Direction.choices, initial=Direction.HIGHER)
    source = forms.ChoiceField(label=_("source"), choices=SourceKind.choices)
    metric = forms.ChoiceField(label=_("metric"), choices=_blank(METRIC_CHOICES), required=False)
    statistic = forms.ChoiceField(
        label=_("reported statistic"), choices=_blank(StatisticCode.choices), required=False
    )
    denominator = forms.ChoiceField(
        label=_("denominator (stock ratio)"), choices=_blank(StatisticCode.choices), required=False
    )
    scale = forms.DecimalField(label=_("scale"), required=False, initial=1, min_value=0)
    target = forms.CharField(
        label=_("target at plan end"),
        help_text=_("Growth and reduction in %; amounts in 10k CNY; otherwise in the indicator's unit."),
    )
    yearly_targets = forms.CharField(
        label=_("targets per plan year"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, e.g. 2025: 120 (same unit as the target)."),
    )
    baseline_year = forms.IntegerField(label=_("baseline year"), required=False)
    baseline_value = forms.CharField(
        label=_("baseline value"), required=False, help_text=_("Amounts in 10k CNY; otherwise in the unit.")
    )
    lagging_below = RateField(label=_("lagging below"), initial=Decimal("0.95"), high=Decimal(200))
    at_risk_below = RateField(label=_("at risk below"), initial=Decimal("0.80"), high=Decimal(200))
    plan_reference = forms.CharField(label=_("plan reference"), max_length=200, required=False)
    order = forms.IntegerField(label=_("order"), required=False, initial=100)
    active = forms.BooleanField(label=_("active"), required=False, initial=True)

    @classmethod
    def initial_for(cls, indicator) -> dict:
        """A stored indicator in the units the form is typed in."""

        def shown(value, *, rate: bool) -> str:
            if value is None:
                return ""
            value = Decimal(value)
            if rate:
                value *= 100
            elif indicator.unit == Unit.YUAN:
                value /= WAN
            return f"{value.normalize():f}"

        rate = indicator.kind in RATE_KINDS
        return {
            **{
                f: getattr(indicator, f)
                for f in (
                    "code",
                    "name",
                    "kind",
                    "unit",
                    "direction",
                    "source",
                    "metric",
                    "statistic",
                    "denominator",
                    "scale",
                    "baseline_year",
                    "lagging_below",
                    "at_risk_below",
                    "plan_reference",
                    "order",
                    "active",
                )  # fmt: skip
            },
            "target": shown(indicator.target, rate=rate),
            "baseline_value": shown(indicator.baseline_value, rate=False),
            "yearly_targets": "\n".join(
                f"{year}: {shown(value, rate=rate)}"
                for year, value in sorted(indicator.yearly_targets.items())
            ),
        }

    def _convert(self, name: str, text, *, rate: bool, unit: str) -> Decimal | str | None:
        if text in (None, ""):
            return None
        number = typed_decimal(str(text).rstrip("%％"))
        if number is None:
            self.add_error(name, _("Enter a number."))
            return None
        if rate:
            return number / 100
        if unit == Unit.YUAN:
            return number * WAN
        return number

    def clean(self):
        data = super().clean()
        kind, unit = data.get("kind"), data.get("unit", "")
        rate = kind in RATE_KINDS
        data["target"] = self._convert("target", data.get("target"), rate=rate, unit=unit)
        data["baseline_value"] = self._convert(
            "baseline_value", data.get("baseline_value"), rate=False, unit=unit
        )
        yearly: dict[str, Decimal] = {}
        for line in (data.get("yearly_targets") or "").splitlines():
            if not line.strip():
                continue
            match = YEARLY.match(line)
            value = self._convert("yearly_targets", match.group(2), rate=rate, unit=unit) if match else None
            if match is None:
                self.add_error("yearly_targets", _("Write each year's target as “2025: 120”."))
            elif value is not None:
                yearly[match.group(1)] = value
        data["yearly_targets"] = yearly
        if data.get("order") is None:
            data["order"] = 100
        if data.get("scale") is None:
            data["scale"] = 1
        return data


class StatisticForm(BootstrapWidgets, ServiceForm):
    code = forms.ChoiceField(label=_("statistic"), choices=StatisticCode.choices)
    year = forms.IntegerField(label=_("year"))
    month = forms.IntegerField(label=_("month"), required=False, help_text=_("Empty for a yearly figure."))
    value = forms.CharField(label=_("value"), max_length=40)
    note = forms.CharField(label=_("source / note"), max_length=200, required=False)


class StatusFilterForm(BootstrapWidgets, forms.Form):
    status = forms.ChoiceField(label=_("status"), required=False)

    def __init__(self, *args, statuses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = _blank(statuses, _("every status"))
