"""What every import's API shares: the batch as the API shows it, a refused commit's answer, and a batch
looked up among an app's kinds through the visibility rule. Each app's views name their kinds and roles."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.response import Response

from ipops.api.base import CityAPIView
from ipops.imports.running import import_commit
from ipops.imports.spec import RowsInvalid
from ipops.models import ImportBatch, ImportStatus
from ipops.visibility import get_visible_or_404


class RowErrorSerializer(serializers.Serializer):
    sheet = serializers.CharField(help_text="The sheet's key (commitments, calls, …).")
    sheet_name = serializers.CharField()
    row = serializers.IntegerField(help_text="The row number as Excel shows it (the header is row 1).")
    column = serializers.CharField(help_text="The column's header; empty for a problem of the whole row.")
    code = serializers.CharField()
    detail = serializers.CharField()


class SheetCountSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    failed = serializers.IntegerField()


class ImportBatchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    file_name = serializers.CharField()
    sha256 = serializers.CharField()
    status = serializers.ChoiceField(choices=ImportStatus.choices)
    rows_total = serializers.IntegerField()
    rows_failed = serializers.IntegerField()
    counts = serializers.DictField(child=SheetCountSerializer(), help_text="Rows per sheet key.")
    row_errors = RowErrorSerializer(many=True, source="errors")
    uploaded_by = serializers.IntegerField(source="uploaded_by_id")
    created_at = serializers.DateTimeField()
    committed_at = serializers.DateTimeField(allow_null=True)


def refused(exc: RowsInvalid) -> Response:
    """Rows failed: the error, with the batch that lists them."""
    return Response({**exc.as_dict(), "batch": ImportBatchSerializer(exc.batch).data}, status=exc.status)


def batch_for(actor, pk, kinds) -> ImportBatch:
    """One of the app's batches the actor may see (another kind's, or another city's, is a 404)."""
    return get_visible_or_404(ImportBatch.objects.filter(kind__in=kinds).defer("content"), actor, pk)


class BatchDetailApi(CityAPIView):
    """Base of an app's "read a batch" endpoint: the app sets `kinds`, `roles` and its documented `get`,
    which returns `self.batch_detail(pk)`."""

    serializer_class = ImportBatchSerializer
    model = ImportBatch
    kinds: tuple[str, ...] = ()

    def batch_detail(self, pk) -> Response:
        return Response(ImportBatchSerializer(batch_for(self.actor, pk, self.kinds)).data)


class BatchCommitApi(CityAPIView):
    """Base of an app's "import a checked batch" endpoint (once, all or nothing): the app sets `kinds`,
    `roles` and its documented `post`, which returns `self.batch_commit(pk)`."""

    serializer_class = ImportBatchSerializer
    model = ImportBatch
    kinds: tuple[str, ...] = ()

    def batch_commit(self, pk) -> Response:
        batch = batch_for(self.actor, pk, self.kinds)
        try:
            done = import_commit(actor=self.actor, batch=batch)
        except RowsInvalid as exc:
            return refused(exc)
        return Response(ImportBatchSerializer(done).data)
