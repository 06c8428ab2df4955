"""The import pages: choose what to import, download its template, upload a file and see every row
checked (the preview), then import the checked file with one button."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from funds.imports import KINDS
from ipops import imports
from ipops.errors import ApplicationError, PermissionDenied
from ipops.imports.pages import BatchPage
from ipops.models import ImportBatch
from ipops.views.pages import CityPageMixin

#: How many of the user's earlier imports the page lists.
RECENT = 10


def _offered(actor) -> list[imports.Importer]:
    offered = imports.importers_for(actor, KINDS)
    if not offered:
        raise PermissionDenied(_("Your role cannot import records here."))
    return offered


def _chosen(actor, kind: str | None) -> tuple[list[imports.Importer], imports.Importer]:
    offered = _offered(actor)
    return offered, next((i for i in offered if i.kind == kind), offered[0])


class ImportView(CityPageMixin, View):
    write_required = True

    def get(self, request, city):
        offered, importer = _chosen(self.actor, request.GET.get("kind"))
        return self._render(request, offered, importer)

    def post(self, request, city):
        offered, importer = _chosen(self.actor, request.POST.get("kind"))
        upload = request.FILES.get("file")
        if upload is None:
            return self._render(
                request, offered, importer, errors=[_("Choose a file to upload.")], status=400
            )
        try:
            batch = imports.import_upload(actor=self.actor, importer=importer, upload=upload)
        except PermissionDenied:
            raise
        except ApplicationError as exc:
            details = [e["detail"] for e in exc.as_dict()["fields"].get("file", [])] or [str(exc.message)]
            return self._render(request, offered, importer, errors=details, code=exc.code, status=exc.status)
        return redirect("funds-import-batch", city=city, pk=batch.pk)

    def _render(self, request, offered, importer, *, errors=(), code="", status=200):
        recent = ImportBatch.objects.restrict(self.actor).filter(kind__in=KINDS, uploaded_by=self.actor.user)
        ctx = {
            "offered": offered,
            "importer": importer,
            "limits": {"rows": imports.MAX_ROWS, "mb": imports.MAX_BYTES // (1024 * 1024)},
            "errors": errors,
            "error_code": code,
            "recent": recent.defer("content")[:RECENT],
        }
        return render(request, "funds/imports/import.html", ctx, status=status)


class TemplateDownloadView(CityPageMixin, View):
    def get(self, request, city):
        _offered_, importer = _chosen(self.actor, request.GET.get("kind"))
        return imports.template_response(importer)


class BatchView(BatchPage):
    """The preview: each sheet's rows, every error (row, column, message), and the import button."""

    kinds = KINDS
    template_name = "funds/imports/batch.html"
    url_name = "funds-import-batch"
