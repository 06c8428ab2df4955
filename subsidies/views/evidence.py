"""A claim's evidence on its page: the claimant attaches and removes files while the claim still takes
changes; whoever may see the claim downloads them, as attachments (`ipops.uploads.download`)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View

from ipops import uploads
from ipops.errors import ApplicationError, NotFound, PermissionDenied
from ipops.views.pages import CityPageMixin
from subsidies.forms import EvidenceForm
from subsidies.services.evidence import (
    evidence_add,
    evidence_get,
    evidence_remove,
)
from subsidies.views.claims import claim_get, claim_page


class EvidenceUploadView(CityPageMixin, View):
    write_required = True

    def post(self, request, city, pk):
        claim = claim_get(self.actor, pk)
        form = EvidenceForm(request.POST, request.FILES, policy=claim.policy)
        if form.is_valid():
            try:
                evidence_add(
                    actor=self.actor,
                    claim=claim,
                    label=form.cleaned_data["label"],
                    upload=form.cleaned_data["file"],
                )
            except ApplicationError as exc:
                if isinstance(exc, PermissionDenied | NotFound):
                    raise
                form.add_service_errors(exc)
            else:
                messages.success(request, _("The file is attached."))
                return redirect("subsidies-claim-detail", city=city, pk=claim.pk)
        return claim_page(request, self.actor, claim, evidence_form=form, status=400)


class EvidenceRemoveView(CityPageMixin, View):
    write_required = True

    def post(self, request, city, claim_pk, pk):
        evidence = evidence_get(self.actor, pk, claim=claim_pk)
        try:
            evidence_remove(actor=self.actor, evidence=evidence)
        except ApplicationError as exc:
            if isinstance(exc, PermissionDenied | NotFound):
                raise
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("The file is removed."))
        return redirect("subsidies-claim-detail", city=city, pk=claim_pk)


class EvidenceDownloadView(CityPageMixin, View):
    """Another city's file, another organisation's, or one of a claim the actor may not see: 404 alike."""

    def get(self, request, city, claim_pk, pk):
        evidence = evidence_get(self.actor, pk, claim=claim_pk)
        return uploads.download(evidence.path, filename=evidence.original_name, mime=evidence.mime)
