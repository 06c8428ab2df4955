"""The statistics import pages (bureau): download the template, upload an Excel or CSV file and see every
row checked (the preview, nothing written), then import the checked file with one button, all or nothing.
The same mechanism as every import (`ipops.imports`), laid out like the funds' import pages."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from ipops import imports
from ipops.errors import ApplicationError, PermissionDenied
from ipops.imports.pages import BatchPage
from ipops.models import ImportBatch
from ipops.views.pages import CityPageMixin
from reporting.imports import KINDS, STATISTICS

#: How many of the user's earlier imports the page lists.
RECENT = 10


def _require(actor) -> imports.Importer:
    if not STATISTICS.may_import(actor):
        raise PermissionDenied(_("Only the bureau imports reported statistics."))
    return STATISTICS


class StatisticsImportView(CityPageMixin, View):
    write_required = True

    def get(self, request, city):
        return self._render(request, _require(self.actor))

    def post(self, request, city):
        importer = _require(self.actor)
        upload = request.FILES.get("file")
        if upload is None:
            return self._render(request, importer, errors=[_("Choose a file to upload.")], status=400)
        try:
            batch = imports.import_upload(actor=self.actor, importer=importer, upload=upload)
        except PermissionDenied:
            raise
        except ApplicationError as exc:
            details = [e["detail"] for e in exc.as_dict()["fields"].get("file", [])] or [str(exc.message)]
            return self._render(request, importer, errors=details, code=exc.code, status=exc.status)
        return redirect("reporting-statistics-import-batch", city=city, pk=batch.pk)

    def _render(self, request, importer, *, errors=(), code="", status=200):
        recent = ImportBatch.objects.restrict(self.actor).filter(kind__in=KINDS, uploaded_by=self.actor.user)
        ctx = {
            "importer": importer,
            "limits": {"rows": imports.MAX_ROWS, "mb": imports.MAX_BYTES // (1024 * 1024)},
            "errors": errors,
            "error_code": code,
            "recent": recent.defer("content")[:RECENT],
        }
        return render(request, "reporting/statistics_import.html", ctx, status=status)


class StatisticsTemplateView(CityPageMixin, View):
    def get(self, request, city):
        return imports.template_response(_require(self.actor))


class StatisticsBatchView(BatchPage):
    """The preview: the rows, every error (row, column, message), and the import button."""

    kinds = KINDS
    template_name = "reporting/statistics_import_batch.html"
    url_name = "reporting-statistics-import-batch"
    refusal = gettext_lazy("Only the bureau imports reported statistics.")


urlpatterns = [
    path("indicators/statistics/import/", StatisticsImportView.as_view(), name="reporting-statistics-import"),
    path(
        "indicators/statistics/import/template.xlsx",
        StatisticsTemplateView.as_view(),
        name="reporting-statistics-import-template",
    ),
    path(
        "indicators/statistics/import/<int:pk>/",
        StatisticsBatchView.as_view(),
        name="reporting-statistics-import-batch",
    ),
]
