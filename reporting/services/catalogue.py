"""The city's indicator catalogue, edited by bureau staff: every field checked at once, nothing written on
an error, every change audited (and kept by pghistory)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ipops import audit, validators
from ipops.access import Actor
from ipops.errors import CoreErrorCode, FieldErrors
from reporting.errors import IndicatorCodeTaken, ReportingErrorCode
from reporting.models import Direction, Indicator, Kind, SourceKind, StatisticCode, Unit
from reporting.permissions import require
from reporting.sources import METRICS

FIELDS = (
    "code", "name", "unit", "kind", "direction", "target", "yearly_targets", "baseline_year", "baseline_value",
    "source", "metric", "statistic", "denominator", "scale", "lagging_below", "at_risk_below", "plan_reference",
    "order", "active",
)  # fmt: skip


def _decimal(value, field: str, errors: FieldErrors, *, required: bool) -> Decimal | None:
    if value is None or value == "":
        if required:
            errors.add(field, CoreErrorCode.REQUIRED, _("A value is required."))
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        errors.add(field, ReportingErrorCode.INVALID_TARGET, _("Enter a number."))
        return None
    if not number.is_finite() or abs(number) >= Decimal("1e17"):
        errors.add(field, ReportingErrorCode.INVALID_TARGET, _("Enter a number."))
        return None
    if number < 0:
        errors.add(field, ReportingErrorCode.NEGATIVE_VALUE, _("The value cannot be negative."))
        return None
    return number


def clean(data: dict[str, Any], *, city, current: Indicator | None = None) -> dict[str, Any]:
    """Every field of an indicator checked together; the first missing source, target or threshold named."""
    errors = FieldErrors()
    get = (lambda k, d=None: data.get(k, getattr(current, k) if current else d)) if current else data.get
    out: dict[str, Any] = {}
    out["code"] = validators.text(get("code"), "code", errors, max_length=40)
    out["name"] = validators.text(get("name"), "name", errors, max_length=120)
    out["unit"] = validators.choice(get("unit"), Unit.values, "unit", errors)
    out["kind"] = validators.choice(get("kind"), Kind.values, "kind", errors)
    out["direction"] = validators.choice(
        get("direction") or Direction.HIGHER, Direction.values, "direction", errors
    )
    out["source"] = validators.choice(get("source"), SourceKind.values, "source", errors)
    out["target"] = _decimal(get("target"), "target", errors, required=True)
    out["baseline_year"] = validators.whole_number(
        get("baseline_year"), "baseline_year", errors, low=1985, high=city.plan_end_year, required=False
    )
    out["baseline_value"] = _decimal(get("baseline_value"), "baseline_value", errors, required=False)
    out["scale"] = _decimal(get("scale") or 1, "scale", errors, required=True)
    out["lagging_below"] = validators.rate(
        get("lagging_below") or "0.95", "lagging_below", errors, high=Decimal(2)
    )
    out["at_risk_below"] = validators.rate(
        get("at_risk_below") or "0.80", "at_risk_below", errors, high=Decimal(2)
    )
    out["plan_reference"] = validators.text(
        get("plan_reference"), "plan_reference", errors, required=False, max_length=200
    )
    out["order"] = validators.whole_number(get("order") or 100, "order", errors, low=0, high=32000)
    out["active"] = bool(get("active", True))
    metric = (get("metric") or "").strip()
    statistic = (get("statistic") or "").strip()
    denominator = (get("denominator") or "").strip()
    if out["source"] == SourceKind.COMPUTED:
        if metric not in METRICS:
            errors.add(
                "metric", ReportingErrorCode.UNKNOWN_METRIC, _("Choose the metric the platform computes.")
            )
        statistic = ""
    elif out["source"] == SourceKind.REPORTED:
        if statistic not in StatisticCode.values:
            errors.add("statistic", ReportingErrorCode.SOURCE_REQUIRED, _("Choose the reported statistic."))
        metric = ""
    if denominator and denominator not in StatisticCode.values:
        errors.add("denominator", CoreErrorCode.INVALID_CHOICE, _("Not a valid choice."))
    if out["kind"] == Kind.STOCK_RATIO and not denominator:
        errors.add(
            "denominator",
            ReportingErrorCode.DENOMINATOR_REQUIRED,
            _("A stock ratio needs its denominator (the population)."),
        )
    if out["kind"] == Kind.REDUCTION and not out["baseline_value"]:
        errors.add(
            "baseline_value",
            ReportingErrorCode.BASELINE_REQUIRED,
            _("A reduction is measured against a baseline value."),
        )
    if (
        out["kind"] in (Kind.REDUCTION, Kind.ANNUAL_GROWTH)
        and out["target"] is not None
        and out["target"] > 10
    ):
        errors.add(
            "target", ReportingErrorCode.INVALID_TARGET, _("A growth or reduction target is a percentage.")
        )
    if (
        out["lagging_below"] is not None
        and out["at_risk_below"] is not None
        and out["at_risk_below"] > out["lagging_below"]
    ):
        errors.add(
            "at_risk_below", ReportingErrorCode.INVALID_THRESHOLDS, _("“At risk” must start below “lagging”.")
        )
    yearly: dict[str, str] = {}
    for year, value in (get("yearly_targets") or {}).items():
        if not str(year).isdigit() or not city.plan_start_year <= int(year) <= city.plan_end_year:
            errors.add(
                "yearly_targets",
                ReportingErrorCode.INVALID_PERIOD,
                _("Targets per year must fall within the plan's years."),
            )
            continue
        number = _decimal(value, "yearly_targets", errors, required=True)
        if number is not None:
            yearly[str(int(year))] = str(number)
    errors.raise_if_any()
    out.update(metric=metric, statistic=statistic, denominator=denominator, yearly_targets=yearly)
    return out


@transaction.atomic
def indicator_create(*, actor: Actor, **data) -> Indicator:
    require(actor, "indicator.manage")
    fields = clean(data, city=actor.city)
    try:
        with transaction.atomic():
            indicator = Indicator.objects.create(city=actor.city, **fields)
    except IntegrityError as exc:
        raise IndicatorCodeTaken() from exc
    audit.record(
        actor=actor.user,
        city=actor.city,
        action="indicator_create",
        obj=indicator,
        data={"code": indicator.code},
    )
    return indicator


@transaction.atomic
def indicator_update(*, actor: Actor, indicator: Indicator, **data) -> Indicator:
    require(actor, "indicator.manage")
    indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
    fields = clean(data, city=actor.city, current=indicator)
    changed = {k: str(v) for k, v in fields.items() if getattr(indicator, k) != v}
    for name, value in fields.items():
        setattr(indicator, name, value)
    try:
        with transaction.atomic():
            indicator.save()
    except IntegrityError as exc:
        raise IndicatorCodeTaken() from exc
    audit.record(actor=actor.user, city=actor.city, action="indicator_update", obj=indicator, data=changed)
    return indicator
