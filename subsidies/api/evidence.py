"""Evidence API under /api/v1/<city>/claims/: a claim's files (list; multipart upload by its claimant), and
each file (its record, its removal, its download).

A file's own routes carry only its id (`claims/evidence/{id}/…`): its claim follows from it, and the
endpoint harness fills one `{id}` per route with an object the caller may or may not see.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from ipops import uploads
from ipops.api.base import CityAPIView
from ipops.visibility import get_visible_or_404
from subsidies.models import Claim, Evidence
from subsidies.permissions import PERMISSION_ROLES as ROLES
from subsidies.services import evidence as services

TAG = ["subsidies"]


class EvidenceSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")
    size = serializers.IntegerField(help_text="Bytes")
    sha256 = serializers.CharField(help_text="SHA-256 of the content, hexadecimal")

    class Meta:
        model = Evidence
        fields = ["id", "claim", "label", "name", "mime", "size", "sha256", "uploaded_at"]


class EvidenceUploadSerializer(serializers.Serializer):
    # A declared field, though the stubs read it as the serializer's own `label` attribute.
    label = serializers.CharField(  # type: ignore[assignment]
        max_length=120, help_text="Which of the policy's required evidence this file is (or free text)"
    )
    file = serializers.FileField(
        allow_empty_file=True,
        help_text="PDF, PNG or JPEG, at most 10 MB, checked by its content; no encrypted or scripted PDFs",
    )


class ClaimEvidenceApi(CityAPIView):
    serializer_class = EvidenceSerializer
    roles = {"get": ROLES["claim.view"], "post": ROLES["claim.edit"]}
    model = Claim
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(responses=EvidenceSerializer(many=True), tags=TAG, summary="A claim's evidence files")
    def get(self, request, city, pk):
        page = self.paginate_queryset(services.claim_evidence(self.actor, pk))
        return self.get_paginated_response(EvidenceSerializer(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={201: EvidenceSerializer},
        tags=TAG,
        summary="Claimant: attach a file to a draft, returned or to-confirm claim (413 file_too_large; 400 "
        "file_type_not_allowed, pdf_encrypted, pdf_has_javascript, file_unreadable; 409 once submitted)",
    )
    def post(self, request, city, pk):
        # The claim first: a claim the caller may not see is 404 whatever the body holds.
        claim = get_visible_or_404(Claim.objects.all(), self.actor, pk)
        data = EvidenceUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        evidence = services.evidence_add(
            actor=self.actor,
            claim=claim,
            label=data.validated_data["label"],
            upload=data.validated_data["file"],
        )
        return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)


class EvidenceDetailApi(CityAPIView):
    serializer_class = EvidenceSerializer
    roles = {"get": ROLES["claim.view"], "delete": ROLES["claim.edit"]}
    model = Evidence

    @extend_schema(responses=EvidenceSerializer, tags=TAG, summary="One evidence file's record")
    def get(self, request, city, pk):
        return Response(EvidenceSerializer(services.evidence_get(self.actor, pk)).data)

    @extend_schema(
        responses={204: None}, tags=TAG, summary="Claimant: take a file off a claim that still takes changes"
    )
    def delete(self, request, city, pk):
        services.evidence_remove(actor=self.actor, evidence=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EvidenceDownloadApi(CityAPIView):
    serializer_class = EvidenceSerializer
    roles = ROLES["claim.view"]
    model = Evidence

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The file as uploaded, as an attachment"
            )
        },
        tags=TAG,
        summary="Download an evidence file (whoever may see its claim)",
    )
    def get(self, request, city, pk):
        evidence = services.evidence_get(self.actor, pk)
        return uploads.download(evidence.path, filename=evidence.original_name, mime=evidence.mime)


#: Under /api/v1/<city>/ (the subsidies API includes them).
urlpatterns = [
    path("claims/<int:pk>/evidence/", ClaimEvidenceApi.as_view(), name="claim-evidence"),
    path("claims/evidence/<int:pk>/", EvidenceDetailApi.as_view(), name="evidence-detail"),
    path("claims/evidence/<int:pk>/download/", EvidenceDownloadApi.as_view(), name="evidence-download"),
]
