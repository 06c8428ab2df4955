"""The fund register's API under /api/v1/<city>/funds/: the city's readers and fund managers read funds
with their figures and records; the bureau (naming the manager) or a fund manager (for itself) registers a
fund; only the fund's manager keeps its records: commitments, capital calls, investments, distributions.

A fund manager sees only the funds it manages: another's answer 404, like another city's."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from funds import selectors, services
from funds.api import reads
from funds.api import serializers as s
from funds.models import CapitalCall, Commitment, Fund, FundKind, Investment
from funds.permissions import PERMISSION_ROLES as ROLES
from ipops.api.base import CityAPIView, object_action, validated

TAG = ["fund register"]
READERS = ROLES["fund.view"]
MANAGER = ROLES["fund.manage"]


def _fund_detail(actor, pk) -> dict:
    """The fund with every figure, its commitments by source and, for a guide fund, its sub-funds."""
    fund = reads.fund_get(actor, pk)
    detail = selectors.fund_detail(actor, fund)
    guide = selectors.guide_summary(actor, fund) if fund.kind == FundKind.GUIDE else None
    return s.FundDetailSerializer(detail.row, context={"by_source": detail.by_source, "guide": guide}).data


class FundListCreateApi(CityAPIView):
    """Funds: the city's readers see every one, a fund manager the funds it manages."""

    serializer_class = s.FundSerializer
    roles = {"get": READERS, "post": ROLES["fund.register"]}

    @extend_schema(
        responses=s.FundSerializer(many=True),
        tags=TAG,
        summary="The funds the caller sees (a fund manager: its own), with leverage, ratios and performance",
    )
    def get(self, request, city):
        page = self.paginate_queryset(selectors.funds(self.actor))
        # The page's figures in a fixed number of grouped queries, whatever the page's size.
        rows = selectors.fund_rows(self.actor, page)
        return self.get_paginated_response(s.FundSerializer(rows, many=True).data)

    @extend_schema(
        request=s.FundRegisterSerializer,
        responses={201: s.FundDetailSerializer},
        tags=TAG,
        summary="Register a fund: the bureau names its manager, a fund manager registers one of its own "
        "(409 fund_name_taken)",
    )
    def post(self, request, city):
        fund = services.fund_register(actor=self.actor, **validated(s.FundRegisterSerializer, request.data))
        return Response(_fund_detail(self.actor, fund.pk), status=status.HTTP_201_CREATED)


class FundDetailApi(CityAPIView):
    """One fund and its figures as of today."""

    serializer_class = s.FundDetailSerializer
    roles = {"get": READERS}
    model = Fund

    @extend_schema(
        responses=s.FundDetailSerializer,
        tags=TAG,
        summary="A fund with every derived figure (null where undefined), its commitments by source and, for "
        "a guide fund, the funds it guides",
    )
    def get(self, request, city, pk):
        return Response(_fund_detail(self.actor, pk))


FundStatusApi = object_action(
    "FundStatusApi",
    load=reads.fund_get,
    service=services.fund_set_status,
    target="fund",
    respond=_fund_detail,
    response=s.FundDetailSerializer,
    request=s.FundStatusSerializer,
    summary="Fund manager: move the fund on (raising, investing, exiting, wound up; a wound-up fund's "
    "records no longer change)",
    tags=TAG,
    roles=MANAGER,
    model=Fund,
)


# --- commitments and capital calls ----------------------------------------------------------------


class CommitmentListCreateApi(CityAPIView):
    """Who committed how much to the fund, from which source of money."""

    serializer_class = s.CommitmentSerializer
    roles = {"get": READERS, "post": MANAGER}
    model = Fund

    @extend_schema(
        responses=s.CommitmentSerializer(many=True),
        tags=TAG,
        summary="The fund's commitments by investor and source, with what each has called and paid in",
    )
    def get(self, request, city, pk):
        fund = reads.fund_get(self.actor, pk)
        page = self.paginate_queryset(reads.commitments_of(self.actor, fund))
        return self.get_paginated_response(s.CommitmentSerializer(page, many=True).data)

    @extend_schema(
        request=s.CommitmentInputSerializer,
        responses={201: s.CommitmentSerializer},
        tags=TAG,
        summary="Fund manager: record an investor's commitment from one source of money (409 commitment_exists)",
    )
    def post(self, request, city, pk):
        fund = reads.fund_get(self.actor, pk)
        data = validated(s.CommitmentInputSerializer, request.data)
        commitment = services.commitment_add(actor=self.actor, fund=fund, **data)
        return Response(s.CommitmentSerializer(commitment).data, status=status.HTTP_201_CREATED)


class CallListCreateApi(CityAPIView):
    """Capital calls on one commitment (never more, together, than it)."""

    serializer_class = s.CallSerializer
    roles = {"get": READERS, "post": MANAGER}
    model = Commitment

    @extend_schema(
        responses=s.CallSerializer(many=True), tags=TAG, summary="The capital calls on one commitment"
    )
    def get(self, request, city, pk):
        commitment = reads.commitment_get(self.actor, pk)
        page = self.paginate_queryset(reads.calls_of(self.actor, commitment))
        return self.get_paginated_response(s.CallSerializer(page, many=True).data)

    @extend_schema(
        request=s.CallInputSerializer,
        responses={201: s.CallSerializer},
        tags=TAG,
        summary="Fund manager: call capital from the investor, paid in at once when `paid_on` is given "
        "(409 call_exceeds_commitment)",
    )
    def post(self, request, city, pk):
        commitment = reads.commitment_get(self.actor, pk)
        data = validated(s.CallInputSerializer, request.data)
        call = services.call_record(actor=self.actor, commitment=commitment, **data)
        return Response(s.CallSerializer(call).data, status=status.HTTP_201_CREATED)


CallPaidApi = object_action(
    "CallPaidApi",
    load=reads.call_get,
    service=services.call_mark_paid,
    target="call",
    respond=lambda actor, pk: s.CallSerializer(reads.call_get(actor, pk)).data,
    response=s.CallSerializer,
    request=s.CallPaidSerializer,
    summary="Fund manager: the investor's money for a call has arrived (409 call_already_paid)",
    tags=TAG,
    roles=MANAGER,
    model=CapitalCall,
)


# --- investments and distributions ---------------------------------------------------------------


class InvestmentListCreateApi(CityAPIView):
    """What the fund invested in, with the investee's in-force patents at the time."""

    serializer_class = s.InvestmentSerializer
    roles = {"get": READERS, "post": MANAGER}
    model = Fund

    @extend_schema(
        responses=s.InvestmentSerializer(many=True),
        tags=TAG,
        summary="The fund's investments, newest first, with the investee's in-force patents at the time",
    )
    def get(self, request, city, pk):
        fund = reads.fund_get(self.actor, pk)
        page = self.paginate_queryset(reads.investments_of(self.actor, fund))
        return self.get_paginated_response(s.InvestmentSerializer(page, many=True).data)

    @extend_schema(
        request=s.InvestmentInputSerializer,
        responses={201: s.InvestmentSerializer},
        tags=TAG,
        summary="Fund manager: record an investment of paid-in capital; an investee on the platform has its "
        "in-force patents read from the registry (409 investment_exceeds_paid_in)",
    )
    def post(self, request, city, pk):
        fund = reads.fund_get(self.actor, pk)
        data = validated(s.InvestmentInputSerializer, request.data)
        investment = services.investment_record(actor=self.actor, fund=fund, **data)
        return Response(
            s.InvestmentSerializer(reads.investment_get(self.actor, investment.pk)).data,
            status=status.HTTP_201_CREATED,
        )


InvestmentValuationApi = object_action(
    "InvestmentValuationApi",
    load=reads.investment_get,
    service=services.investment_revalue,
    target="investment",
    respond=lambda actor, pk: s.InvestmentSerializer(reads.investment_get(actor, pk)).data,
    response=s.InvestmentSerializer,
    request=s.InvestmentValuationSerializer,
    summary="Fund manager: the holding's latest fair value (behind RVPI and the IRR; 409 investment_exited)",
    tags=TAG,
    roles=MANAGER,
    model=Investment,
)


class DistributionListCreateApi(CityAPIView):
    """Income and exits paid back to the fund's investors."""

    serializer_class = s.DistributionSerializer
    roles = {"get": READERS, "post": MANAGER}
    model = Fund

    @extend_schema(
        responses=s.DistributionSerializer(many=True),
        tags=TAG,
        summary="What the fund paid back to its investors, newest first",
    )
    def get(self, request, city, pk):
        fund = reads.fund_get(self.actor, pk)
        page = self.paginate_queryset(reads.distributions_of(self.actor, fund))
        return self.get_paginated_response(s.DistributionSerializer(page, many=True).data)

    @extend_schema(
        request=s.DistributionInputSerializer,
        responses={201: s.DistributionSerializer},
        tags=TAG,
        summary="Fund manager: record income or an exit (an exit names the investment; a full exit closes it; "
        "409 investment_exited)",
    )
    def post(self, request, city, pk):
        fund = reads.fund_get(self.actor, pk)
        data = validated(s.DistributionInputSerializer, request.data)
        distribution = services.distribution_record(actor=self.actor, fund=fund, **data)
        return Response(s.DistributionSerializer(distribution).data, status=status.HTTP_201_CREATED)
