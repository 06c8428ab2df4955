"""Indicators against the city's three-year plan: the catalogue (targets are first-class: baseline,
trajectory, plan-end target), the statistics the bureau reports, and the roll-up's snapshot.

An indicator's actual comes from one *source*: a metric computed from the platform's records
(`reporting.sources.METRICS`) or a reported statistic (`Statistic`). `reporting.rules` turns a source's
monthly series into the figure, the target at that point of the plan, progress, status and projection;
`reporting.services.rollup` writes them as the city's snapshot, swapped in one transaction.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ipops import clock
from ipops.tenancy import CityOwned
from reporting import rules


def Figure(verbose_name, **kwargs) -> models.DecimalField:  # noqa: N802 — reads as a field class
    """A measured or target figure: counts, amounts in 元, ratios and levels, to six places."""
    return models.DecimalField(verbose_name, max_digits=24, decimal_places=6, **kwargs)


class Kind(models.TextChoices):
    CUMULATIVE = rules.CUMULATIVE, _("Cumulative count since the plan started")
    STOCK_RATIO = rules.STOCK_RATIO, _("Stock ratio (per 10,000 residents)")
    ANNUAL_AMOUNT = rules.ANNUAL_AMOUNT, _("Amount in the year")
    ANNUAL_GROWTH = rules.ANNUAL_GROWTH, _("Growth per year")
    REDUCTION = rules.REDUCTION, _("Reduction against the baseline")
    SCORE = rules.SCORE, _("Score")
    COUNT_AT_LEAST = rules.COUNT_AT_LEAST, _("Count of at least N")
    PEOPLE = rules.PEOPLE, _("People")


class Direction(models.TextChoices):
    HIGHER = rules.HIGHER, _("Higher is better")
    LOWER = rules.LOWER, _("Lower is better")


class SourceKind(models.TextChoices):
    COMPUTED = "computed", _("Computed from the platform's records")
    REPORTED = "reported", _("Reported statistic")


class Unit(models.TextChoices):
    ITEMS = "items", _("items")
    ENTITIES = "entities", _("organisations")
    PROJECTS = "projects", _("projects")
    YUAN = "yuan", _("yuan")
    PER_10K = "per_10k", _("per 10,000 residents")
    POINTS = "points", _("points")
    PEOPLE = "people", _("people")
    DAYS = "days", _("days")
    PERSONS = "persons", _("residents")


class StatisticCode(models.TextChoices):
    """What the bureau reports: figures the platform cannot compute from its own records. Each is a flow
    (an amount in its period: summed) or a stock (a level at its period's end: carried forward) — see
    `reporting.sources.STATISTIC_NATURE`."""

    POPULATION = "population", _("Resident population")
    INVENTION_PATENTS_VALID = "invention_patents_valid", _("Valid invention patents (CNIPA)")
    PCT_APPLICATIONS = "pct_applications", _("PCT international applications")
    ENFORCEMENT_CASES = "enforcement_cases", _("Administrative enforcement cases handled")
    CASE_CLOSING_DAYS = "case_closing_days", _("Average case closing time")
    SATISFACTION = "satisfaction", _("IP protection satisfaction score")
    MANAGEMENT_TALENT = "management_talent", _("IP management talent trained")
    SERVICE_TALENT = "service_talent", _("IP service professionals")
    PRACTITIONERS_TRAINED = "practitioners_trained", _("Operations practitioners trained")
    CERTIFIED_ENTITIES = "certified_entities", _("Entities certified to GB/T 29490")
    HIGH_VALUE_PORTFOLIOS = "high_value_portfolios", _("High-value patent portfolios")
    OPERATIONS_INSTITUTIONS = "operations_institutions", _("Specialised IP operations institutions")
    SECURITISATION_PRODUCTS = "securitisation_products", _("IP securitisation products issued")
    NAVIGATION_PROJECTS = "navigation_projects", _("Patent navigation demonstration projects")
    SERVICE_INSTITUTIONS = "service_institutions", _("IP service institutions fostered")


class Status(models.TextChoices):
    MET = rules.MET, _("Met")
    ON_TRACK = rules.ON_TRACK, _("On track")
    LAGGING = rules.LAGGING, _("Lagging")
    AT_RISK = rules.AT_RISK, _("At risk")
    NO_DATA = rules.NO_DATA, _("No data yet")


class PeriodKind(models.TextChoices):
    MONTH = rules.MONTH, _("Month")
    QUARTER = rules.QUARTER, _("Quarter")
    YEAR = rules.YEAR, _("Year")
    PLAN = rules.PLAN, _("Plan to date")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Indicator(CityOwned):
    """One line of the city's plan: what is measured, from where, and what the plan wants by its end."""

    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    #: At plan end: a count, an amount (元), a ratio, a score; a growth or reduction rate as a ratio (0.2).
    target = Figure(_("target"))
    #: Per plan year where the plan gives one: {"2025": "100"} (a growth indicator's rate, or the level).
    yearly_targets = models.JSONField(_("targets per plan year"), default=dict, blank=True)
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), null=True, blank=True)
    baseline_value = Figure(_("baseline value"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=SourceKind.choices)
    #: A computed indicator's metric (`reporting.sources.METRICS`), or a reported one's statistic.
    metric = models.CharField(_("metric"), max_length=40, blank=True)
    statistic = models.CharField(_("statistic"), max_length=40, choices=StatisticCode.choices, blank=True)
    #: A stock ratio's denominator (population) and scale (10,000).
    denominator = models.CharField(_("denominator"), max_length=40, choices=StatisticCode.choices, blank=True)
    scale = models.DecimalField(_("scale"), max_digits=12, decimal_places=2, default=1)
    #: Progress against the trajectory below which the indicator is lagging, and at risk.
    lagging_below = models.DecimalField(_("lagging below"), max_digits=6, decimal_places=4, default="0.95")
    at_risk_below = models.DecimalField(_("at risk below"), max_digits=6, decimal_places=4, default="0.80")
    plan_reference = models.CharField(_("plan reference"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(fields=["city", "code"], name="reporting_indicator_code"),
            models.CheckConstraint(
                condition=Q(source="computed", metric__gt="") | Q(source="reported", statistic__gt=""),
                name="reporting_indicator_has_source",
            ),
            models.CheckConstraint(
                condition=Q(at_risk_below__lte=models.F("lagging_below")), name="reporting_thresholds_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def source_code(self) -> str:
        return self.metric if self.source == SourceKind.COMPUTED else self.statistic


class Statistic(CityOwned):
    """One reported figure for a year (month empty) or a month. Never overwritten: a correction is a new
    version, and only the newest is current — who entered each and when stays readable."""

    code = models.CharField(_("statistic"), max_length=40, choices=StatisticCode.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"), null=True, blank=True)
    value = Figure(_("value"))
    version = models.PositiveIntegerField(_("version"), default=1)
    is_current = models.BooleanField(default=True)
    note = models.CharField(_("source / note"), max_length=200, blank=True)
    batch = models.ForeignKey(
        "ipops.ImportBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("entered by")
    )
    entered_at = models.DateTimeField(_("entered at"), default=clock.now)

    class Meta:
        ordering = ["code", "year", "month", "-version"]
        verbose_name = _("reported statistic")
        indexes = [models.Index(fields=["city", "code", "is_current"], name="reporting_stat_current")]
        constraints = [
            models.UniqueConstraint(
                fields=["city", "code", "year", "month"],
                condition=Q(is_current=True),
                nulls_distinct=False,
                name="reporting_stat_one_current",
            ),
            models.UniqueConstraint(
                fields=["city", "code", "year", "month", "version"],
                nulls_distinct=False,
                name="reporting_stat_version",
            ),
            models.CheckConstraint(
                condition=Q(month__isnull=True) | Q(month__gte=1, month__lte=12), name="reporting_stat_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.year}{f'-{self.month:02d}' if self.month else ''} v{self.version}"


class Snapshot(CityOwned):
    """One roll-up's result for a city. Exactly one is current; a new one replaces it in one transaction,
    so a crashed or killed run leaves the previous snapshot whole."""

    built_at = models.DateTimeField(_("built at"))
    as_of = models.DateField(_("figures as of"))
    is_current = models.BooleanField(default=False)
    job = models.ForeignKey(
        "ipops.JobRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    #: The last near-real-time refresh of the current periods (None until one happens).
    refreshed_at = models.DateTimeField(_("refreshed at"), null=True, blank=True)

    class Meta:
        ordering = ["-built_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["city"], condition=Q(is_current=True), name="reporting_one_current_snapshot"
            )
        ]


class IndicatorValue(CityOwned):
    """An indicator at one period of the plan, as the roll-up computed it."""

    # No foreign-key constraints in the database on this table: the roll-up writes ~1,250 rows a city with
    # one statement, from a snapshot it created in the same transaction and the catalogue it just read, and
    # PostgreSQL's three checks a row cost more than writing the rows (a national run: seconds). Deletes
    # still cascade (Django's collector, which needs no constraint); a value of an indicator deleted while
    # a run was computing is hidden by the join to its indicator, and gone with the next snapshot.
    city = models.ForeignKey(
        "ipops.City", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    # Nor an index of their own: every read goes through a snapshot (the current one), which the unique
    # (snapshot, indicator, period) leads with, and an indicator's values are only looked up without their
    # snapshot when it is deleted. One index to write ~1,250 rows into, every city, every run, not four.
    snapshot = models.ForeignKey(
        Snapshot, on_delete=models.CASCADE, related_name="values", db_constraint=False, db_index=False
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="values", db_constraint=False, db_index=False
    )
    period = models.CharField(_("period"), max_length=10)  # "2025-03", "2025-Q1", "2025", "plan"
    period_kind = models.CharField(_("period kind"), max_length=8, choices=PeriodKind.choices)
    period_end = models.DateField(_("period end"))
    #: The figure the target is about (a count, an amount, a ratio, a level); None before any data.
    actual = Figure(_("actual"), null=True, blank=True)
    target = Figure(_("target at this point"), null=True, blank=True)
    #: Where the period's horizon wants it (a year's full target for annual kinds, else the plan-end one).
    target_end = Figure(_("target"), null=True, blank=True)
    progress = models.DecimalField(_("progress"), null=True, blank=True, max_digits=14, decimal_places=6)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, blank=True)
    projection = Figure(_("projection to plan end"), null=True, blank=True)
    #: Growth: year over year; reduction: the reduction against the baseline.
    rate = models.DecimalField(_("rate"), null=True, blank=True, max_digits=14, decimal_places=6)
    #: Growth: compound per year since the baseline.
    compound_rate = models.DecimalField(
        _("compound rate"), null=True, blank=True, max_digits=14, decimal_places=6
    )
    as_of = models.DateTimeField(_("as of"))

    class Meta:
        ordering = ["indicator", "period_end", "period_kind"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "indicator", "period"], name="reporting_value_period")
        ]


class PendingRefresh(CityOwned):
    """A city's near-real-time refresh waiting to run: a burst of events upserts this one row and publishes
    one task; the task deletes it as it starts, so an event after that publishes the next refresh."""

    topics = models.JSONField(default=list)
    requested_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["city"], name="reporting_one_pending_refresh")]
