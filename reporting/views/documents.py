"""PDF exports and the reports page under /<city>/indicators/: the scoreboard and an indicator as PDFs made
on request; the annual IP development report and the mid-term performance self-assessment started here,
built in the background with progress, downloaded when finished.

Every page is for the city's readers (bureau staff and officials); others get 403, another city's
indicator or report 404."""

from __future__ import annotations

from django import forms
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views import View

from ipops.forms import BootstrapWidgets, ServiceForm
from ipops.views.pages import CityPageMixin, submit_form
from reporting.documents import jobs, pdf
from reporting.permissions import require


class ScoreboardPdfView(CityPageMixin, View):
    def get(self, request, city):
        from reporting.documents import exports  # matplotlib loads with it: only when a PDF is asked for

        content, filename = exports.scoreboard_pdf(self.actor)
        return pdf.response(content, filename)


class IndicatorPdfView(CityPageMixin, View):
    def get(self, request, city, pk):
        from reporting.documents import exports

        content, filename = exports.indicator_pdf(self.actor, pk)
        return pdf.response(content, filename)


class ReportForm(BootstrapWidgets, ServiceForm):
    kind = forms.ChoiceField(
        label=_("Report"),
        choices=[
            (jobs.ANNUAL, _("Annual IP development report")),
            (jobs.MIDTERM, _("Mid-term performance self-assessment")),
        ],
    )

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"] = forms.TypedChoiceField(
            label=_("Year"),
            choices=[(y, str(y)) for y in years],
            coerce=int,
            required=False,
            empty_value=None,
        )


class ReportsView(CityPageMixin, View):
    """The city's reports: start one (bureau staff and officials), watch it build, download it."""

    def _render(self, request, form=None, status=200):
        runs = list(jobs.report_runs(self.actor).select_related("city")[:50])
        context = {
            "runs": runs,
            "busy": any(r.status in ("queued", "running") for r in runs),
            "years": jobs.report_years(request.city),
            "form": form,
            "titles": jobs.TITLES,
        }
        template = (
            "reporting/reports_runs.html" if request.htmx and form is None else "reporting/reports.html"
        )
        return render(request, template, context, status=status)

    def get(self, request, city):
        return self._render(request)

    def post(self, request, city):
        require(self.actor, "indicator.view")
        form = ReportForm(request.POST, years=jobs.report_years(request.city))
        ok, _run = submit_form(form, jobs.report_start, actor=self.actor)
        if not ok:
            return self._render(request, form, status=400)
        return redirect("reporting-reports", city=city)


class ReportDownloadView(CityPageMixin, View):
    def get(self, request, city, run_id):
        try:
            return jobs.report_download(self.actor, run_id)
        except jobs.ReportNotReady as exc:
            run = jobs.report_get(self.actor, run_id)
            return render(
                request, "reporting/report_not_ready.html", {"run": run, "message": exc.message}, status=409
            )


urlpatterns = [
    path("indicators/scoreboard.pdf", ScoreboardPdfView.as_view(), name="reporting-scoreboard-pdf"),
    path("indicators/<int:pk>/indicator.pdf", IndicatorPdfView.as_view(), name="reporting-indicator-pdf"),
    path("indicators/reports/", ReportsView.as_view(), name="reporting-reports"),
    path(
        "indicators/reports/<int:run_id>/download/",
        ReportDownloadView.as_view(),
        name="reporting-report-download",
    ),
]
