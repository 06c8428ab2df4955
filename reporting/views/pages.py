"""Reporting pages under /<city>/indicators/: the scoreboard (the officials' and the bureau's home), an
indicator's page with its periods and rule, the cross-city comparison, and "run now". Every table leaves
as Excel. (The records behind a figure: `views.records`; the catalogue and statistics: `views.catalogue`.)

Officials and the bureau read (`indicator.view`); the bureau edits, enters and runs. Other roles get the
403 page; another city's indicator is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View

from ipops import clock, excel, outbox
from ipops.models import JobRun
from ipops.views.pages import CityPageMixin
from reporting import forms, pagedata, rules, selectors
from reporting.models import Indicator, Kind, Status
from reporting.permissions import can, require
from reporting.tasks import ROLLUP_JOB

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
                "can_compare": len(pagedata.comparable_cities(request)) > 1,
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


def _comparison(request, actor):
    require(actor, "indicator.view")
    cities = pagedata.comparable_cities(request)
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


urlpatterns = [
    path("indicators/", ScoreboardView.as_view(), name="reporting-scoreboard"),
    path("indicators/export.xlsx", ScoreboardExportView.as_view(), name="reporting-scoreboard-export"),
    path("indicators/run/", RunView.as_view(), name="reporting-run"),
    path("indicators/compare/", CompareView.as_view(), name="reporting-compare"),
    path("indicators/compare/export.xlsx", CompareExportView.as_view(), name="reporting-compare-export"),
    path("indicators/<int:pk>/", IndicatorView.as_view(), name="reporting-indicator"),
    path("indicators/<int:pk>/export.xlsx", IndicatorExportView.as_view(), name="reporting-indicator-export"),
]
