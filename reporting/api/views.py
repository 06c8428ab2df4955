"""Reporting API under /api/v1/<city>/: officials and the bureau read the indicators with their figures, an
indicator's periods and the records behind a computed figure, the reported statistics and the snapshot's
state; the bureau edits the catalogue, enters and imports statistics and runs the roll-up now."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from ipops import imports, outbox
from ipops.api.base import CityAPIView, validated
from ipops.excel import XLSX
from ipops.imports.api import BatchCommitApi, BatchDetailApi, ImportBatchSerializer, refused
from ipops.models import ImportStatus, JobRun
from ipops.visibility import get_visible_or_404
from reporting import rules, selectors
from reporting.api import serializers as s
from reporting.imports import KINDS, STATISTICS
from reporting.models import Indicator, IndicatorValue, PeriodKind, StatisticCode, Status
from reporting.permissions import PERMISSION_ROLES as ROLES
from reporting.permissions import require
from reporting.services.catalogue import indicator_create, indicator_update
from reporting.services.statistics import statistic_record
from reporting.tasks import ROLLUP_JOB, rollup

TAG = ["indicators"]
READERS = ROLES["indicator.view"]
MANAGERS = ROLES["indicator.manage"]
ENTRY = ROLES["statistic.enter"]


def _detail(actor, pk) -> dict:
    detail = selectors.indicator_detail(actor, pk)
    return dict(s.IndicatorDetailSerializer(detail.indicator, context={"plan": detail.plan}).data)


def _indicator(actor, pk) -> Indicator:
    return get_visible_or_404(Indicator.objects.all(), actor, pk)


class IndicatorListCreateApi(CityAPIView):
    serializer_class = s.IndicatorRowSerializer
    roles = {"get": READERS, "post": MANAGERS}

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=list(Status.values), required=False)],
        responses=s.IndicatorRowSerializer(many=True),
        tags=TAG,
        summary="The active indicators with their plan-to-date figures, lagging first (the scoreboard)",
    )
    def get(self, request, city):
        board = selectors.scoreboard(self.actor, status=request.query_params.get("status", ""))
        page = self.paginate_queryset(board.rows)
        return self.get_paginated_response(s.IndicatorRowSerializer(page, many=True).data)

    @extend_schema(
        request=s.IndicatorInputSerializer,
        responses={201: s.IndicatorDetailSerializer},
        tags=TAG,
        summary="Bureau: add an indicator to the catalogue (409 indicator_code_taken)",
    )
    def post(self, request, city):
        indicator = indicator_create(actor=self.actor, **validated(s.IndicatorInputSerializer, request.data))
        return Response(_detail(self.actor, indicator.pk), status=status.HTTP_201_CREATED)


class IndicatorDetailApi(CityAPIView):
    serializer_class = s.IndicatorDetailSerializer
    roles = {"get": READERS, "patch": MANAGERS}
    model = Indicator

    @extend_schema(
        responses=s.IndicatorDetailSerializer,
        tags=TAG,
        summary="An indicator's definition and its plan-to-date figures (null before the first roll-up)",
    )
    def get(self, request, city, pk):
        return Response(_detail(self.actor, pk))

    @extend_schema(
        request=s.IndicatorInputSerializer(partial=True),
        responses={200: s.IndicatorDetailSerializer},
        tags=TAG,
        summary="Bureau: change an indicator (the fields given; the figures change at the next roll-up)",
    )
    def patch(self, request, city, pk):
        indicator = _indicator(self.actor, pk)
        data = validated(s.IndicatorInputSerializer, request.data, partial=True)
        indicator_update(actor=self.actor, indicator=indicator, **data)
        return Response(_detail(self.actor, pk))


class SeriesQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PeriodKind.choices, required=False)


class IndicatorSeriesApi(CityAPIView):
    serializer_class = s.SeriesRowSerializer
    roles = {"get": READERS}
    model = Indicator

    @extend_schema(
        parameters=[SeriesQuerySerializer],
        responses=s.SeriesRowSerializer(many=True),
        tags=TAG,
        summary="Every period of the indicator in the current snapshot, oldest first (?kind=month|quarter|year|"
        "plan)",
    )
    def get(self, request, city, pk):
        indicator = _indicator(self.actor, pk)
        kind = validated(SeriesQuerySerializer, request.query_params).get("kind")
        snapshot = selectors.current_snapshot(self.actor)
        rows = IndicatorValue.objects.none()
        if snapshot is not None:
            rows = IndicatorValue.objects.filter(snapshot=snapshot, indicator=indicator)
            if kind:
                rows = rows.filter(period_kind=kind)
        page = self.paginate_queryset(rows.order_by("period_end", "period_kind", "pk"))
        return self.get_paginated_response(s.SeriesRowSerializer(page, many=True).data)


class IndicatorRecordsApi(CityAPIView):
    serializer_class = s.RecordSerializer
    roles = {"get": READERS}
    model = Indicator

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "period",
                str,
                required=False,
                description='A plan period: "2025-03", "2025-Q1", "2025" or "plan" (the default)',
            )
        ],
        responses=s.RecordSerializer(many=True),
        tags=TAG,
        summary="The records behind a computed figure in a period (the deals of that month, the loans of that "
        "quarter); 404 for a reported indicator or a period outside the plan",
    )
    def get(self, request, city, pk):
        period = request.query_params.get("period") or rules.PLAN
        found = selectors.records(self.actor, pk, period)
        page = self.paginate_queryset(found.queryset)
        rows = [s.record_summary(obj) for obj in page]
        return self.get_paginated_response(s.RecordSerializer(rows, many=True).data)


# --- reported statistics ------------------------------------------------------------------------


class StatisticQuerySerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=StatisticCode.choices, required=False)
    history = serializers.BooleanField(
        required=False, default=False, help_text="Every version, not only the current ones"
    )


class StatisticListCreateApi(CityAPIView):
    serializer_class = s.StatisticSerializer
    roles = {"get": READERS, "post": ENTRY}

    @extend_schema(
        parameters=[StatisticQuerySerializer],
        responses=s.StatisticSerializer(many=True),
        tags=TAG,
        summary="The reported statistics, current values (?history=1: every version, who entered it and when)",
    )
    def get(self, request, city):
        query = validated(StatisticQuerySerializer, request.query_params)
        rows = selectors.statistics(self.actor, code=query.get("code", ""), history=query["history"])
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.StatisticSerializer(page, many=True).data)

    @extend_schema(
        request=s.StatisticInputSerializer,
        responses={201: s.StatisticSerializer},
        tags=TAG,
        summary="Bureau: enter a figure for a year or a month; a changed value for the same period is a new "
        "version (the same value again changes nothing)",
    )
    def post(self, request, city):
        statistic = statistic_record(actor=self.actor, **validated(s.StatisticInputSerializer, request.data))
        return Response(s.StatisticSerializer(statistic).data, status=status.HTTP_201_CREATED)


# --- importing statistics (ipops.imports) -----------------------------------------------------------


class StatisticUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="The filled template (.xlsx), or a .csv with the same columns (UTF-8 or GB18030); at most "
        "5 MB and 5,000 rows."
    )
    commit = serializers.BooleanField(
        default=False, help_text="false: check every row and keep the file for a later commit (a preview)."
    )


class StatisticImportApi(CityAPIView):
    serializer_class = ImportBatchSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    roles = {"post": ENTRY}

    @extend_schema(
        request={"multipart/form-data": StatisticUploadSerializer},
        responses={201: ImportBatchSerializer},
        tags=TAG,
        summary="Bureau: upload statistics (.xlsx or .csv): every row checked, nothing written (a preview), or "
        "imported at once with commit (all or nothing; 400 import_rows_invalid with the batch; 413 "
        "file_too_large)",
    )
    def post(self, request, city):
        data = validated(StatisticUploadSerializer, request.data)
        batch = imports.import_upload(
            actor=self.actor, importer=STATISTICS, upload=data["file"], commit=data["commit"]
        )
        if data["commit"] and batch.status != ImportStatus.COMMITTED:
            return refused(imports.RowsInvalid(batch))
        return Response(ImportBatchSerializer(batch).data, status=status.HTTP_201_CREATED)


class StatisticImportDetailApi(BatchDetailApi):
    kinds = tuple(KINDS)
    roles = {"get": ENTRY}

    @extend_schema(
        responses=ImportBatchSerializer,
        tags=TAG,
        summary="A statistics import: its status and row errors",
    )
    def get(self, request, city, pk):
        return self.batch_detail(pk)


class StatisticImportCommitApi(BatchCommitApi):
    kinds = tuple(KINDS)
    roles = {"post": ENTRY}

    @extend_schema(
        request=None,
        responses={200: ImportBatchSerializer},
        tags=TAG,
        summary="Bureau: import a checked file, once, all or nothing (409 import_already_committed)",
    )
    def post(self, request, city, pk):
        return self.batch_commit(pk)


class StatisticTemplateApi(CityAPIView):
    serializer_class = StatisticUploadSerializer
    roles = {"get": ENTRY}

    @extend_schema(
        responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="The .xlsx template")},
        tags=TAG,
        summary="Bureau: download the statistics import's Excel template",
    )
    def get(self, request, city):
        return imports.template_response(STATISTICS)


# --- the snapshot and the roll-up ---------------------------------------------------------------------


def _snapshot_state(actor) -> dict:
    snapshot = selectors.current_snapshot(actor)
    run = JobRun.objects.filter(city=actor.city, name=ROLLUP_JOB).order_by("-created_at", "-pk").first()
    return {
        "built_at": snapshot.built_at if snapshot else None,
        "as_of": snapshot.as_of if snapshot else None,
        "refreshed_at": snapshot.refreshed_at if snapshot else None,
        "run": run,
    }


class SnapshotApi(CityAPIView):
    serializer_class = s.SnapshotSerializer
    roles = {"get": READERS, "post": ROLES["rollup.run"]}

    @extend_schema(
        responses=s.SnapshotSerializer,
        tags=TAG,
        summary="The current snapshot (when built, figures as of, last refresh) and the latest roll-up run",
    )
    def get(self, request, city):
        return Response(s.SnapshotSerializer(_snapshot_state(self.actor)).data)

    @extend_schema(
        request=None,
        responses={202: s.JobRunSerializer},
        tags=TAG,
        summary="Bureau: rebuild the city's indicators now (a background run; follow it with GET)",
    )
    def post(self, request, city):
        require(self.actor, "rollup.run")
        with transaction.atomic():  # the run and its task message, or neither
            run = JobRun.objects.create(name=ROLLUP_JOB, city=self.actor.city)
            outbox.publish(rollup, self.actor.city.pk, run.pk, job_run=run)
        return Response(s.JobRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)
