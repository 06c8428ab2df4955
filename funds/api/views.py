"""Special-budget API under /api/v1/<city>/budget/: the city's readers list sources and expenditures; the
bureau records money received and the mid-term review. Payments are posted by the apps that make them, not through the API."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from funds import selectors, services
from funds.api import serializers as s
from funds.permissions import PERMISSION_ROLES as ROLES
from ipops.api.base import CityAPIView

TAG = ["special budget"]


class SourceListApi(CityAPIView):
    serializer_class = s.BudgetSourceSerializer
    roles = {"get": ROLES["budget.view"]}

    @extend_schema(responses=s.BudgetSourceSerializer(many=True), tags=TAG, summary="The budget's sources")
    def get(self, request, city):
        page = self.paginate_queryset(selectors.sources(self.actor))
        return self.get_paginated_response(s.BudgetSourceSerializer(page, many=True).data)


class ExpenditureListApi(CityAPIView):
    serializer_class = s.ExpenditureSerializer
    roles = {"get": ROLES["budget.view"]}

    @extend_schema(
        responses=s.ExpenditureSerializer(many=True),
        tags=TAG,
        summary="Every payment booked against the budget, newest first; `reference` names the record behind it",
    )
    def get(self, request, city):
        page = self.paginate_queryset(selectors.expenditures(self.actor))
        return self.get_paginated_response(s.ExpenditureSerializer(page, many=True).data)


class ReceiptApi(CityAPIView):
    serializer_class = s.ReceiptSerializer
    roles = {"post": ROLES["budget.manage"]}

    @extend_schema(
        request=s.ReceiptSerializer,
        responses={201: s.BudgetSourceSerializer},
        tags=TAG,
        summary="Bureau: money of one source has arrived (the second central tranche after the mid-term review)",
    )
    def post(self, request, city):
        data = s.ReceiptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        source = services.budget_receive(actor=self.actor, **data.validated_data)
        return Response(s.BudgetSourceSerializer(source).data, status=status.HTTP_201_CREATED)


class ReviewApi(CityAPIView):
    serializer_class = s.ReviewSerializer
    roles = {"post": ROLES["budget.manage"]}

    @extend_schema(
        request=s.ReviewSerializer,
        responses={201: s.BudgetSourceSerializer},
        tags=TAG,
        summary="Bureau: the mid-term performance review passed; opens the second central tranche (possibly "
        "reduced)",
    )
    def post(self, request, city):
        data = s.ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        source = services.budget_review_record(actor=self.actor, **data.validated_data)
        return Response(s.BudgetSourceSerializer(source).data, status=status.HTTP_201_CREATED)
