"""The bureau's side of the plan: the indicator catalogue (add, edit) and the reported statistics (enter,
correct as a new version, export)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View

from ipops import clock, excel
from ipops.views.pages import CityPageMixin, submit_form
from ipops.visibility import get_visible_or_404
from reporting import forms, pagedata, selectors
from reporting.models import Indicator, StatisticCode
from reporting.permissions import can, require
from reporting.services import catalogue, statistics


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
    path("indicators/catalogue/", CatalogueView.as_view(), name="reporting-catalogue"),
    path("indicators/statistics/", StatisticsView.as_view(), name="reporting-statistics"),
    path(
        "indicators/statistics/export.xlsx",
        StatisticsExportView.as_view(),
        name="reporting-statistics-export",
    ),
    path("indicators/<int:pk>/edit/", IndicatorEditView.as_view(), name="reporting-indicator-edit"),
]
