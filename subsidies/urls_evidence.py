"""Evidence pages under /<city>/ (included by the subsidies pages)."""

from django.urls import path

from subsidies.evidence_views import EvidenceDownloadView

urlpatterns = [
    path(
        "subsidies/claims/<int:claim_pk>/evidence/<int:pk>/",
        EvidenceDownloadView.as_view(),
        name="subsidies-evidence-download",
    ),
]
