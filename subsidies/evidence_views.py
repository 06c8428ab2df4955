"""The page that hands out a claim's evidence file: to whoever may see the claim, as an attachment."""

from __future__ import annotations

from django.views import View

from ipops import uploads
from ipops.views.pages import CityPageMixin
from subsidies.services.evidence import evidence_get


class EvidenceDownloadView(CityPageMixin, View):
    """Another city's file, another organisation's, or one of a claim the actor may not see: 404 alike."""

    def get(self, request, city, claim_pk, pk):
        evidence = evidence_get(self.actor, pk, claim=claim_pk)
        return uploads.download(evidence.path, filename=evidence.original_name, mime=evidence.mime)
