"""The page every import shares: a batch's preview (each sheet's rows, every error) and its import button.
An app subclasses `BatchPage` with its kinds, template and URL name, and says who may import."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from ipops.errors import PermissionDenied
from ipops.imports.running import batch_sheets, import_commit
from ipops.imports.spec import ImportAlreadyCommitted, RowsInvalid, importer_for, importers_for
from ipops.models import ImportBatch, ImportStatus
from ipops.views.pages import CityPageMixin
from ipops.visibility import get_visible_or_404


class BatchPage(CityPageMixin, View):
    """GET the preview; POST imports the checked file, once, all or nothing."""

    #: The import kinds this page shows (another kind's batch is a 404 here).
    kinds: tuple[str, ...] = ()
    template_name = ""
    #: The URL name of this page (the import redirects back to it).
    url_name = ""

    #: What a role that may import none of `kinds` is told.
    refusal = gettext_lazy("Your role cannot import records here.")

    def allowed(self) -> None:
        if not importers_for(self.actor, self.kinds):
            raise PermissionDenied(self.refusal)

    def get(self, request, city, pk):
        batch = self._batch(pk)
        importer = importer_for(batch.kind)
        ctx = {
            "batch": batch,
            "importer": importer,
            "sheets": batch_sheets(batch),
            "can_commit": batch.status == ImportStatus.PREVIEWED
            and batch.uploaded_by_id == self.actor.user.pk
            and importer.may_import(self.actor),
        }
        return render(request, self.template_name, ctx)

    def post(self, request, city, pk):
        batch = self._batch(pk)
        try:
            done = import_commit(actor=self.actor, batch=batch)
        except RowsInvalid as exc:
            messages.error(request, str(exc.message))
        except ImportAlreadyCommitted as exc:
            messages.info(request, str(exc.message))
        else:
            messages.success(request, _("Imported %(n)d rows.") % {"n": done.rows_total})
        return redirect(self.url_name, city=city, pk=pk)

    def _batch(self, pk) -> ImportBatch:
        self.allowed()
        rows = ImportBatch.objects.filter(kind__in=self.kinds).defer("content")
        return get_visible_or_404(rows, self.actor, pk)
