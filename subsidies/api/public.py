"""The public side of the notice (公示), for anyone, logged in or not: the awards in notice today, and an
objection (异议) to one of them, which holds it until staff resolve it. Nothing here shows more than the
notice itself: organisation, policy, amount and dates, never bank data or who objected."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from subsidies import selectors, services
from subsidies.api import serializers as s
from subsidies.models import Claim

PUBLIC_TAG = ["subsidies-public"]


class ObjectionThrottle(AnonRateThrottle):
    """Anyone may object without logging in; one client address may not flood the bureau's queue."""

    scope = "subsidy_objection"
    rate = "30/hour"


class PublicNoticeListApi(GenericAPIView):
    """The city's awards in public notice today."""

    queryset = Claim.objects.none()  # the schema's model; reads go through `reads`
    permission_classes = [AllowAny]
    public = True  # anyone, logged in or not: the schema says x-public
    serializer_class = s.PublicNoticeSerializer

    @extend_schema(
        responses=s.PublicNoticeSerializer(many=True),
        tags=PUBLIC_TAG,
        auth=[],
        summary="Awards in public notice: organisation, policy, amount and the notice's dates",
    )
    def get(self, request, city):
        page = self.paginate_queryset(selectors.awards_in_notice())
        return self.get_paginated_response(s.PublicNoticeSerializer(page, many=True).data)


class ObjectionLodgeApi(GenericAPIView):
    """An objection to an award in notice, from anyone."""

    queryset = Claim.objects.none()
    permission_classes = [AllowAny]
    throttle_classes = [ObjectionThrottle]
    public = True  # anyone, logged in or not: the schema says x-public
    model = Claim
    serializer_class = s.ObjectionReceiptSerializer

    @extend_schema(
        request=s.ObjectionLodgeSerializer,
        responses={201: s.ObjectionReceiptSerializer},
        tags=PUBLIC_TAG,
        auth=[],
        summary="Object to an award during its public notice; the award is held until the bureau resolves "
        "it (409 notice_over outside the notice, 404 claim_not_found)",
    )
    def post(self, request, city, pk):
        given = s.ObjectionLodgeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        objection = services.objection_lodge(city=request.city, claim=pk, **given.validated_data)
        return Response(s.ObjectionReceiptSerializer(objection).data, status=status.HTTP_201_CREATED)
