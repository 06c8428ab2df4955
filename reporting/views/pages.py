"""Reporting pages under /<city>/indicators/: the scoreboard (the officials' and the bureau's home), an
indicator's page with its periods and rule, the records behind a computed figure, the cross-city
comparison, the catalogue and the reported statistics, and "run now". Every table leaves as Excel.

Officials and the bureau read (`indicator.view`); the bureau edits, enters and runs. Other roles get the
403 page; another city's indicator is a 404."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Model
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from funds.models import Fund
from ipops import clock, excel, outbox
from ipops.models import IPAsset, JobRun
from ipops.views.pages import CityPageMixin, submit_form
from ipops.visibility import get_visible_or_404
from pledge_finance.models import Loan
from reporting import forms, pagedata, rules, selectors
from reporting.models import Indicator, Kind, StatisticCode, Status
from reporting.permissions import can, require
from reporting.services import catalogue, statistics
from reporting.tasks import ROLLUP_JOB
from subsidies.models import Claim
from trading.models import Transaction

STATUS_LABELS = dict(Status.choices)


def _status_labels() -> dict[str, str]:
    return {k: str(v) for k, v in STATUS_LABELS.items()} | {"": str(STATUS_LABELS[rules.NO_DATA])}


# --- the scoreboard -----------------------------------------------------------------------------------


def _value_line(indicator: Indicator, value, *, status_labels: dict[str, str]) -> dict:
    """One period (or the plan to date) as the tables show it."""
    status = value.status if value is not None else rules.NO_DATA
    out: dict[str, Any] = {
        "value": value,
        "status": status or rules.NO_DATA,
        "status_label": status_labels.get(status, ""),
        "colour": pagedata.STATUS_COLOURS.get(status, "secondary"),
        "actual": pagedata.figure(value.actual if value else None, indicator.unit),
        "target": pagedata.figure(value.target if value else None, indicator.unit),
        "target_end": pagedata.figure(value.target_end if value else None, indicator.unit),
        "progress": pagedata.percent(value.progress if value else None),
        "width": pagedata.progress_width(value.progress if value else None),
        "rate": pagedata.percent(value.rate if value else None, 2),
        "compound_rate": pagedata.percent(value.compound_rate if value else None, 2),
        "started": bool(value is not None and value.status),
    }
    return out


def _as_of(snapshot) -> Any:
    if snapshot is None:
        return None
    return max(t for t in (snapshot.built_at, snapshot.refreshed_at) if t is not None)


def _latest_run(city) -> JobRun | None:
    return JobRun.objects.filter(city=city, name=ROLLUP_JOB).order_by("-created_at", "-pk").first()


def board_lines(board: selectors.Scoreboard) -> list[dict]:
    labels = _status_labels()
    lines = []
    for row in board.rows:
        line = _value_line(row.indicator, row.plan, status_labels=labels)
        line.update(
            indicator=row.indicator,
            target_plan=pagedata.target_text(row.indicator),
            spark_id=f"spark-{row.indicator.pk}",
            spark=pagedata.sparkline(row.sparkline, row.status)
            if any(v is not None for v in row.sparkline)
            else None,
        )
        lines.append(line)
    return lines


class ScoreboardView(CityPageMixin, View):
    def get(self, request, city):
        require(self.actor, "indicator.view")
        run = _latest_run(request.city)
        if request.htmx and request.headers.get("HX-Target") == "job-progress" and run is not None:
            response = render(request, "ipops/_job_progress.html", {"run": run})
            if run.status in (JobRun.Status.SUCCEEDED, JobRun.Status.FAILED):
                response["HX-Refresh"] = "true"  # the new snapshot's figures
            return response
        board = selectors.scoreboard(self.actor)
        labels = _status_labels()
        filter_form = forms.StatusFilterForm(request.GET or None, statuses=Status.choices)
        status = request.GET.get("status", "") if request.GET.get("status") in STATUS_LABELS else ""
        lines = board_lines(board)
        if status:
            lines = [line for line in lines if line["status"] == status]
        counts = board.counts
        return render(
            request,
            "reporting/scoreboard.html",
            {
                "lines": lines,
                "snapshot": board.snapshot,
                "as_of": _as_of(board.snapshot),
                "counts": [
                    {
                        "status": s,
                        "label": labels[s],
                        "n": counts.get(s, 0),
                        "colour": pagedata.STATUS_COLOURS[s],
                    }
                    for s in (rules.AT_RISK, rules.LAGGING, rules.NO_DATA, rules.ON_TRACK, rules.MET)
                ],
                "counts_chart": pagedata.status_chart(counts, labels) if board.rows else None,
                "filter_form": filter_form,
                "status": status,
                "run": run,
                "can_run": can(self.actor, "rollup.run"),
                "can_manage": can(self.actor, "indicator.manage"),
                "can_compare": len(pagedata.comparable_cities(request.user)) > 1,
            },
        )


class ScoreboardExportView(CityPageMixin, View):
    def get(self, request, city):
        require(self.actor, "indicator.view")
        board = selectors.scoreboard(self.actor)
        labels = _status_labels()
        headers = [
            _("Code"),
            _("Indicator"),
            _("Status"),
            excel.Column(_("Progress"), "percent"),
            _("Actual"),
            _("Target at this point"),
            _("Target at plan end"),
            _("Plan reference"),
        ]
        rows = (
            [
                row.indicator.code,
                row.indicator.name,
                labels.get(row.status, ""),
                row.plan.progress if row.plan else None,
                pagedata.figure(row.plan.actual if row.plan else None, row.indicator.unit),
                pagedata.figure(row.plan.target if row.plan else None, row.indicator.unit),
                pagedata.target_text(row.indicator),
                row.indicator.plan_reference,
            ]
            for row in board.rows
        )
        return excel.response(
            f"indicators-{city}-{clock.today():%Y%m%d}.xlsx", _("Indicators"), headers, rows
        )


class RunView(CityPageMixin, View):
    """Bureau: rebuild the city's indicators now; the scoreboard shows the run's progress."""

    write_required = True

    def post(self, request, city):
        from reporting.tasks import rollup

        require(self.actor, "rollup.run")
        with transaction.atomic():  # the run and its task message, or neither
            run = JobRun.objects.create(name=ROLLUP_JOB, city=request.city)
            outbox.publish(rollup, request.city.pk, run.pk, job_run=run)
        messages.info(request, _("The indicators are being recalculated."))
        return redirect("reporting-scoreboard", city=city)


# --- one indicator --------------------------------------------------------------------------------------


def _period_lines(detail: selectors.IndicatorDetail, values) -> list[dict]:
    labels = _status_labels()
    return [_value_line(detail.indicator, v, status_labels=labels) for v in values]


class IndicatorView(CityPageMixin, View):
    def get(self, request, city, pk):
        require(self.actor, "indicator.view")
        detail = selectors.indicator_detail(self.actor, pk)
        indicator = detail.indicator
        labels = _status_labels()
        drill = detail.metric is not None and detail.metric.records is not None
        return render(
            request,
            "reporting/indicator.html",
            {
                "indicator": indicator,
                "detail": detail,
                "plan": _value_line(indicator, detail.plan, status_labels=labels),
                "projection": pagedata.figure(
                    detail.plan.projection if detail.plan else None, indicator.unit
                ),
                "target_plan": pagedata.target_text(indicator),
                "baseline": pagedata.figure(indicator.baseline_value, indicator.unit)
                if indicator.baseline_value is not None
                else "—",
                "source_label": pagedata.source_text(indicator),
                "rule": pagedata.rule_text(indicator),
                "tables": [
                    ("years", _("Years"), _period_lines(detail, detail.years)),
                    ("quarters", _("Quarters"), _period_lines(detail, detail.quarters)),
                    ("months", _("Months"), _period_lines(detail, detail.months)),
                ],
                "growth": indicator.kind == Kind.ANNUAL_GROWTH,
                "reduction": indicator.kind == Kind.REDUCTION,
                "drill": drill,
                "chart": pagedata.trajectory_chart(indicator, detail.months, detail.plan)
                if detail.months
                else None,
                "as_of": _as_of(detail.snapshot),
                "can_manage": can(self.actor, "indicator.manage"),
            },
        )


class IndicatorExportView(CityPageMixin, View):
    """The indicator's periods: years, quarters, months and the plan to date."""

    def get(self, request, city, pk):
        require(self.actor, "indicator.view")
        detail = selectors.indicator_detail(self.actor, pk)
        indicator = detail.indicator
        labels = _status_labels()
        headers = [
            _("Period"),
            _("Actual"),
            _("Target at this point"),
            _("Period target"),
            excel.Column(_("Progress"), "percent"),
            _("Status"),
            excel.Column(_("Year-over-year / reduction"), "percent"),
            excel.Column(_("Compound rate"), "percent"),
        ]
        values = [*detail.years, *detail.quarters, *detail.months, *([detail.plan] if detail.plan else [])]
        rows = (
            [
                v.period if v.period != rules.PLAN else _("Plan to date"),
                pagedata.figure(v.actual, indicator.unit),
                pagedata.figure(v.target, indicator.unit),
                pagedata.figure(v.target_end, indicator.unit),
                v.progress,
                labels.get(v.status, ""),
                v.rate,
                v.compound_rate,
            ]
            for v in values
        )
        return excel.response(
            f"indicator-{indicator.code}-{clock.today():%Y%m%d}.xlsx", indicator.code, headers, rows
        )


# --- the records behind a figure ------------------------------------------------------------------------


@dataclass(frozen=True)
class Col:
    header: Any
    kind: str  # text, money, date, integer
    read: Callable[[Any], Any]


@dataclass(frozen=True)
class RecordSpec:
    url_name: str
    columns: tuple[Col, ...]


def _local_date(value):
    return timezone.localdate(value) if value is not None else None


RECORD_SPECS: dict[type[Model], RecordSpec] = {
    Transaction: RecordSpec(
        "trading-deal",
        (
            Col(gettext_lazy("Completed on"), "date", lambda t: _local_date(t.completed_at)),
            Col(gettext_lazy("Listing"), "text", lambda t: t.listing.title),
            Col(gettext_lazy("Deal type"), "text", lambda t: t.get_deal_type_display()),
            Col(gettext_lazy("Seller"), "text", lambda t: t.seller.name),
            Col(gettext_lazy("Buyer"), "text", lambda t: t.buyer.name),
            Col(gettext_lazy("Agreed price"), "money", lambda t: t.agreed_price),
        ),
    ),
    Loan: RecordSpec(
        "pledge-loan-detail",
        (
            Col(gettext_lazy("Disbursed on"), "date", lambda loan: loan.disbursed_on),
            Col(gettext_lazy("Enterprise"), "text", lambda loan: loan.enterprise.name),
            Col(gettext_lazy("Bank"), "text", lambda loan: loan.bank.name if loan.bank_id else ""),
            Col(gettext_lazy("Term (months)"), "integer", lambda loan: loan.term_months),
            Col(gettext_lazy("Amount"), "money", lambda loan: loan.amount),
        ),
    ),
    Claim: RecordSpec(
        "subsidies-claim-detail",
        (
            Col(gettext_lazy("Paid on"), "date", lambda c: c.batch.paid_on if c.batch_id else None),
            Col(gettext_lazy("Policy"), "text", lambda c: c.policy.name),
            Col(gettext_lazy("Claimant"), "text", lambda c: c.organization.name),
            Col(gettext_lazy("Amount paid"), "money", lambda c: c.approved_amount),
        ),
    ),
    IPAsset: RecordSpec(
        "asset-detail",
        (
            Col(gettext_lazy("Number"), "text", lambda a: a.number),
            Col(gettext_lazy("Title"), "text", lambda a: a.title),
            Col(gettext_lazy("Owner"), "text", lambda a: a.owner.name),
            Col(gettext_lazy("Filed on"), "date", lambda a: a.filing_date),
            Col(gettext_lazy("Granted on"), "date", lambda a: a.grant_date),
        ),
    ),
    Fund: RecordSpec(
        "funds-detail",
        (
            Col(gettext_lazy("Fund"), "text", lambda f: f.name),
            Col(gettext_lazy("Guide fund"), "text", lambda f: f.parent.name if f.parent_id else ""),
            Col(gettext_lazy("Manager"), "text", lambda f: f.manager.name),
            Col(gettext_lazy("Vintage year"), "integer", lambda f: f.vintage_year),
        ),
    ),
}


def _records(actor, pk, request) -> tuple[selectors.Records, RecordSpec]:
    require(actor, "indicator.view")
    period = request.GET.get("period") or rules.PLAN
    found = selectors.records(actor, pk, period)
    spec = RECORD_SPECS[found.queryset.model]
    return found, spec


class RecordsView(CityPageMixin, View):
    def get(self, request, city, pk):
        found, spec = _records(self.actor, pk, request)
        page = Paginator(found.queryset, 50).get_page(request.GET.get("page"))
        rows = [
            {
                "url": reverse(spec.url_name, kwargs={"city": city, "pk": record.pk}),
                "cells": [(col.kind, col.read(record)) for col in spec.columns],
            }
            for record in page
        ]
        return render(
            request,
            "reporting/records.html",
            {
                "indicator": found.indicator,
                "found": found,
                "metric_label": found.metric.label,
                "period_label": _("Plan to date") if found.period == rules.PLAN else found.period,
                "columns": spec.columns,
                "rows": rows,
                "page": page,
                "query": urlencode({"period": found.period}),
            },
        )


class RecordsExportView(CityPageMixin, View):
    def get(self, request, city, pk):
        found, spec = _records(self.actor, pk, request)
        kinds = {"money": "money", "date": "date", "integer": "integer"}
        headers = [excel.Column(col.header, kinds.get(col.kind, "text")) for col in spec.columns]
        rows = ([col.read(r) for col in spec.columns] for r in found.queryset.iterator(chunk_size=500))
        name = f"records-{found.indicator.code}-{found.period}.xlsx"
        return excel.response(name, found.indicator.code, headers, rows)


# --- the comparison across cities -------------------------------------------------------------------------


def _comparison(request, actor):
    require(actor, "indicator.view")
    cities = pagedata.comparable_cities(request.user)
    if len(cities) < 2:
        return None
    return selectors.comparison(cities)


def _compare_lines(comparison: selectors.Comparison) -> list[dict]:
    labels = _status_labels()
    lines = []
    for line in comparison.lines:
        indicator = line["indicator"]
        cells = []
        for city in comparison.cities:
            value = line["cities"].get(city.slug)
            cells.append(
                {
                    "city": city,
                    "value": value,
                    "progress": pagedata.percent(value.progress if value else None),
                    "width": pagedata.progress_width(value.progress if value else None),
                    "actual": pagedata.figure(value.actual if value else None, indicator.unit),
                    "status": (value.status or rules.NO_DATA) if value else rules.NO_DATA,
                    "status_label": labels.get(value.status if value else rules.NO_DATA, ""),
                    "colour": pagedata.STATUS_COLOURS.get(value.status if value else "", "secondary"),
                    "rank": line["rank"].get(city.pk) if value else None,
                }
            )
        lines.append({**line, "cells": cells, "target_plan": pagedata.target_text(indicator)})
    return lines


class CompareView(CityPageMixin, View):
    def get(self, request, city):
        comparison = _comparison(request, self.actor)
        if comparison is None:
            messages.info(request, _("The comparison is for those who read several cities."))
            return redirect("reporting-scoreboard", city=city)
        lines = _compare_lines(comparison)
        return render(
            request,
            "reporting/compare.html",
            {
                "cities": comparison.cities,
                "lines": lines,
                "chart": pagedata.comparison_chart(comparison.lines, comparison.cities) if lines else None,
            },
        )


class CompareExportView(CityPageMixin, View):
    def get(self, request, city):
        comparison = _comparison(request, self.actor)
        if comparison is None:
            return redirect("reporting-scoreboard", city=city)
        headers: list = [_("Code"), _("Indicator")]
        # Outside the f-strings, where makemessages can find them.
        progress, status, rank = _("Progress"), _("Status"), _("Rank")
        for c in comparison.cities:
            headers += [
                excel.Column(f"{c.name} · {progress}", "percent"),
                f"{c.name} · {status}",
                excel.Column(f"{c.name} · {rank}", "integer"),
            ]
        rows = []
        for line in _compare_lines(comparison):
            row: list = [line["code"], line["name"]]
            for cell in line["cells"]:
                row += [cell["value"].progress if cell["value"] else None, cell["status_label"], cell["rank"]]
            rows.append(row)
        return excel.response(
            f"indicators-compare-{clock.today():%Y%m%d}.xlsx", _("Comparison"), headers, rows
        )


# --- the catalogue --------------------------------------------------------------------------------------


class CatalogueView(CityPageMixin, View):
    """The city's indicators as defined (bureau: with the form to add one)."""

    def _render(self, request, form=None, status=200):
        require(self.actor, "indicator.view")
        manage = can(self.actor, "indicator.manage")
        indicators = list(Indicator.objects.restrict(self.actor).order_by("order", "code"))
        return render(
            request,
            "reporting/catalogue.html",
            {
                "rows": [
                    {
                        "indicator": i,
                        "target": pagedata.target_text(i),
                        "baseline": pagedata.figure(i.baseline_value, i.unit)
                        if i.baseline_value is not None
                        else "—",
                        "source": pagedata.source_text(i),
                    }
                    for i in indicators
                ],
                "form": (form or forms.IndicatorForm()) if manage else None,
                "can_manage": manage,
            },
            status=status,
        )

    def get(self, request, city):
        return self._render(request)

    def post(self, request, city):
        require(self.actor, "indicator.manage")
        form = forms.IndicatorForm(request.POST)
        done, indicator = submit_form(form, catalogue.indicator_create, actor=self.actor)
        if done:
            messages.success(request, _("Added %(name)s to the catalogue.") % {"name": indicator.name})
            return redirect("reporting-indicator", city=city, pk=indicator.pk)
        return self._render(request, form, status=400)


class IndicatorEditView(CityPageMixin, View):
    write_required = True

    def _load(self, pk) -> Indicator:
        require(self.actor, "indicator.manage")
        return get_visible_or_404(Indicator.objects.all(), self.actor, pk)

    def _render(self, request, indicator, form, status=200):
        return render(
            request, "reporting/indicator_form.html", {"indicator": indicator, "form": form}, status=status
        )

    def get(self, request, city, pk):
        indicator = self._load(pk)
        return self._render(
            request, indicator, forms.IndicatorForm(initial=forms.IndicatorForm.initial_for(indicator))
        )

    def post(self, request, city, pk):
        indicator = self._load(pk)
        form = forms.IndicatorForm(request.POST)
        done, _updated = submit_form(form, catalogue.indicator_update, actor=self.actor, indicator=indicator)
        if done:
            messages.success(request, _("Saved %(name)s.") % {"name": indicator.name})
            return redirect("reporting-indicator", city=city, pk=indicator.pk)
        return self._render(request, indicator, form, status=400)


# --- reported statistics --------------------------------------------------------------------------------


class StatisticsView(CityPageMixin, View):
    """Every reported figure with its versions (who entered each and when); the bureau enters more."""

    def _render(self, request, form=None, status=200):
        require(self.actor, "indicator.view")
        code = request.GET.get("code", "")
        code = code if code in StatisticCode.values else ""
        history = list(selectors.statistics(self.actor, code=code, history=True))
        versions: dict[tuple, list] = {}
        for s in history:
            versions.setdefault((s.code, s.year, s.month), []).append(s)
        current = [
            {"statistic": s, "versions": versions.get((s.code, s.year, s.month), [])}
            for s in history
            if s.is_current
        ]
        enter = can(self.actor, "statistic.enter")
        return render(
            request,
            "reporting/statistics.html",
            {
                "rows": current,
                "codes": StatisticCode.choices,
                "code": code,
                "form": (form or forms.StatisticForm(initial={"year": clock.today().year}))
                if enter
                else None,
                "can_enter": enter,
            },
            status=status,
        )

    def get(self, request, city):
        return self._render(request)

    def post(self, request, city):
        require(self.actor, "statistic.enter")
        form = forms.StatisticForm(request.POST)
        done, statistic = submit_form(form, statistics.statistic_record, actor=self.actor)
        if done:
            messages.success(
                request,
                _("Recorded %(statistic)s (version %(version)s).")
                % {"statistic": statistic.get_code_display(), "version": statistic.version},
            )
            return redirect("reporting-statistics", city=city)
        return self._render(request, form, status=400)


class StatisticsExportView(CityPageMixin, View):
    def get(self, request, city) -> HttpResponse:
        require(self.actor, "indicator.view")
        headers = [
            _("Statistic"),
            excel.Column(_("Year"), "integer"),
            excel.Column(_("Month"), "integer"),
            excel.Column(_("Value"), "number"),
            excel.Column(_("Version"), "integer"),
            _("Current"),
            _("Entered by"),
            excel.Column(_("Entered at"), "datetime"),
            _("Source / note"),
        ]
        rows = (
            [
                s.get_code_display(),
                s.year,
                s.month,
                s.value,
                s.version,
                _("yes") if s.is_current else _("no"),
                str(s.entered_by),
                s.entered_at,
                s.note,
            ]
            for s in selectors.statistics(self.actor, history=True)
        )
        return excel.response(
            f"statistics-{city}-{clock.today():%Y%m%d}.xlsx", _("Statistics"), headers, rows
        )


urlpatterns = [
    path("indicators/", ScoreboardView.as_view(), name="reporting-scoreboard"),
    path("indicators/export.xlsx", ScoreboardExportView.as_view(), name="reporting-scoreboard-export"),
    path("indicators/run/", RunView.as_view(), name="reporting-run"),
    path("indicators/compare/", CompareView.as_view(), name="reporting-compare"),
    path("indicators/compare/export.xlsx", CompareExportView.as_view(), name="reporting-compare-export"),
    path("indicators/catalogue/", CatalogueView.as_view(), name="reporting-catalogue"),
    path("indicators/statistics/", StatisticsView.as_view(), name="reporting-statistics"),
    path(
        "indicators/statistics/export.xlsx",
        StatisticsExportView.as_view(),
        name="reporting-statistics-export",
    ),
    path("indicators/<int:pk>/", IndicatorView.as_view(), name="reporting-indicator"),
    path("indicators/<int:pk>/export.xlsx", IndicatorExportView.as_view(), name="reporting-indicator-export"),
    path("indicators/<int:pk>/edit/", IndicatorEditView.as_view(), name="reporting-indicator-edit"),
    path("indicators/<int:pk>/records/", RecordsView.as_view(), name="reporting-records"),
    path(
        "indicators/<int:pk>/records/export.xlsx",
        RecordsExportView.as_view(),
        name="reporting-records-export",
    ),
]
