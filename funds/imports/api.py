"""The import API under /api/v1/<city>/funds/imports/: upload a workbook (multipart) to have every row
checked, or imported at once with `commit`; read a batch with its row errors; import a checked batch
(once); download a kind's template."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from funds.imports import KINDS
from funds.permissions import PERMISSION_ROLES
from ipops import imports
from ipops.api.base import CityAPIView
from ipops.errors import PermissionDenied
from ipops.excel import XLSX
from ipops.imports.api import BatchCommitApi, BatchDetailApi, ImportBatchSerializer, refused
from ipops.models import ImportStatus

TAG = ["imports"]
#: Who may import: fund managers their funds' records, the bureau the budget's expenditures.
ROLES = PERMISSION_ROLES["fund.manage"] | PERMISSION_ROLES["budget.manage"]


class UploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KINDS)
    file = serializers.FileField(help_text="The filled template (.xlsx, at most 5 MB, 5,000 rows).")
    commit = serializers.BooleanField(
        default=False, help_text="false: check every row and keep the file for a later commit (a preview)."
    )


class ImportCreateApi(CityAPIView):
    serializer_class = ImportBatchSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    roles = {"post": ROLES}

    @extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses={201: ImportBatchSerializer},
        tags=TAG,
        summary="Upload a filled template: every row checked (status previewed or failed), or imported at once "
        "with commit (all or nothing; 400 import_rows_invalid with the batch when a row fails)",
    )
    def post(self, request, city):
        data = UploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        importer = imports.importer_for(data.validated_data["kind"])
        commit = data.validated_data["commit"]
        batch = imports.import_upload(
            actor=self.actor, importer=importer, upload=data.validated_data["file"], commit=commit
        )
        if commit and batch.status != ImportStatus.COMMITTED:
            return refused(imports.RowsInvalid(batch))
        return Response(ImportBatchSerializer(batch).data, status=status.HTTP_201_CREATED)


class ImportDetailApi(BatchDetailApi):
    kinds = tuple(KINDS)
    roles = {"get": ROLES}

    @extend_schema(
        responses=ImportBatchSerializer, tags=TAG, summary="A batch: its status and every row's errors"
    )
    def get(self, request, city, pk):
        return self.batch_detail(pk)


class ImportCommitApi(BatchCommitApi):
    kinds = tuple(KINDS)
    roles = {"post": ROLES}

    @extend_schema(
        request=None,
        responses={200: ImportBatchSerializer},
        tags=TAG,
        summary="Import a checked batch's stored file, once (409 import_already_committed the second time)",
    )
    def post(self, request, city, pk):
        return self.batch_commit(pk)


class TemplateApi(CityAPIView):
    serializer_class = UploadSerializer
    roles = {"get": ROLES}

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "kind", str, enum=list(KINDS), description="Default: the first kind the caller may import"
            )
        ],
        responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="The .xlsx template")},
        tags=TAG,
        summary="Download a kind's Excel template",
    )
    def get(self, request, city):
        offered = imports.importers_for(self.actor, KINDS)
        if not offered:
            raise PermissionDenied()
        kind = request.query_params.get("kind")
        importer = next((i for i in offered if i.kind == kind), None)
        if importer is None:
            if kind:
                raise PermissionDenied() if kind in KINDS else imports.ImportKindUnknown()
            importer = offered[0]
        return imports.template_response(importer)
