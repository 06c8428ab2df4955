"""Marketplace API: listings, buy requests and the public market. Views parse, call one service or
selector, and serialise (offers, negotiations, deals and centres: `deals.py`).

Every view declares the roles that may call each method (`roles`, exactly those that can succeed
under `trading.permissions`) and, on routes with `{pk}`, the model the pk names. Detail responses
carry `actions`: the lifecycle steps the caller may take now (`trading.lifecycles`).
The public market (`market/listings/…`, `/market/api/listings/`) is open to anyone, logged in or not:
plain DRF views with `AllowAny`, outside `CityAPIView` and its role checks.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from ipops.access import ASSET_HOLDER_ROLES, EVERY_ROLE
from ipops.api.base import CityAPIView, object_action

from .. import selectors, services
from ..models import BuyRequest, Listing
from ..search import SearchResult
from . import inputs as i
from . import serializers as s
from .common import DEAL_READERS, MODERATORS, TAG, RankedList, detail, paginated, parsed, query_parameters

# --- listings -------------------------------------------------------------------------------------


def listing_detail(actor, pk) -> dict:
    listing = selectors.listing_get(actor, pk)
    return detail(
        s.ListingDetailSerializer,
        actor,
        listing,
        diligence=selectors.due_diligence(listing, viewer=actor),
        blocks=selectors.listing_blocks([listing]).get(listing.pk, []),
    )


class ListingListCreateApi(RankedList, CityAPIView):
    serializer_class = s.ListingSerializer
    roles = {"get": EVERY_ROLE, "post": ASSET_HOLDER_ROLES}

    @extend_schema(
        parameters=query_parameters(i.PrivateListingSearchParams),
        responses=paginated(s.ListingSerializer),
        tags=TAG,
        summary="Search listings visible to you (yours in every state with mine=true)",
    )
    def get(self, request, city):
        params = parsed(i.PrivateListingSearchParams, request.query_params)
        result = selectors.listing_search(self.actor, **params)
        return self.ranked_response(result, selectors.listing_rows, s.ListingSerializer)

    @extend_schema(
        request=i.ListingCreateSerializer,
        responses={201: s.ListingDetailSerializer},
        tags=TAG,
        summary="List one asset or a package (挂牌); publish at once with publish=true",
    )
    def post(self, request, city):
        data = parsed(i.ListingCreateSerializer, request.data)
        listing = services.listing_create(actor=self.actor, **data)
        return Response(listing_detail(self.actor, listing.pk), status=status.HTTP_201_CREATED)


class ListingDetailApi(CityAPIView):
    serializer_class = s.ListingDetailSerializer
    roles = {"get": EVERY_ROLE, "patch": ASSET_HOLDER_ROLES}
    model = Listing

    @extend_schema(
        responses=s.ListingDetailSerializer, tags=TAG, summary="A listing with its due-diligence panel"
    )
    def get(self, request, city, pk):
        return Response(listing_detail(self.actor, pk))

    @extend_schema(request=i.ListingUpdateSerializer, responses=s.ListingDetailSerializer, tags=TAG)
    def patch(self, request, city, pk):
        listing = selectors.listing_get(self.actor, pk)
        data = i.ListingUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.listing_update(actor=self.actor, listing=listing, **data.validated_data)
        return Response(listing_detail(self.actor, pk))


def _listing_action(name, service, *, roles, request=None, summary=""):
    return object_action(
        name,
        load=selectors.listing_get,
        service=service,
        target="listing",
        respond=listing_detail,
        response=s.ListingDetailSerializer,
        request=request,
        summary=summary,
        tags=TAG,
        roles=roles,
        model=Listing,
    )


ListingPublishApi = _listing_action(
    "ListingPublishApi", services.listing_publish, roles=ASSET_HOLDER_ROLES, summary="Put on the market"
)
ListingWithdrawApi = _listing_action(
    "ListingWithdrawApi",
    services.listing_withdraw,
    roles=MODERATORS,
    request=i.ReasonInputSerializer,
    summary="Take off the market (the seller, or bureau staff moderating)",
)


class ListingMatchesApi(CityAPIView):
    serializer_class = s.BuyRequestMatchSerializer
    roles = DEAL_READERS
    model = Listing
    visibility_action = "matches"

    @extend_schema(
        responses=s.BuyRequestMatchSerializer(many=True),
        tags=TAG,
        summary="Open buy requests ranked for this listing, each with why it scored",
    )
    def get(self, request, city, pk):
        listing = selectors.listing_get(self.actor, pk)
        # The best matches, ranked, paged like every list (the schema's promise).
        rows = self.paginate_queryset(selectors.listing_matches(self.actor, listing))
        return self.get_paginated_response(
            s.BuyRequestMatchSerializer(
                [{"score": m.score, "reasons": m.reasons, "buy_request": br} for br, m in rows], many=True
            ).data
        )


# --- buy requests ------------------------------------------------------------------------------------


def buy_request_detail(actor, pk) -> dict:
    return detail(s.BuyRequestDetailSerializer, actor, selectors.buy_request_get(actor, pk))


class BuyRequestListCreateApi(RankedList, CityAPIView):
    serializer_class = s.BuyRequestSerializer
    roles = {"get": EVERY_ROLE, "post": ASSET_HOLDER_ROLES}

    @extend_schema(
        parameters=query_parameters(i.BuyRequestSearchParams),
        responses=paginated(s.BuyRequestSerializer),
        tags=TAG,
    )
    def get(self, request, city):
        params = parsed(i.BuyRequestSearchParams, request.query_params)
        ids = selectors.buy_request_list(self.actor, **params)
        return self.ranked_response(SearchResult(ids), selectors.buy_request_page, s.BuyRequestSerializer)

    @extend_schema(
        request=i.BuyRequestInputSerializer,
        responses={201: s.BuyRequestDetailSerializer},
        tags=TAG,
        summary="Post a buy request (求购)",
    )
    def post(self, request, city):
        data = parsed(i.BuyRequestInputSerializer, request.data)
        br = services.buy_request_create(actor=self.actor, **data)
        return Response(buy_request_detail(self.actor, br.pk), status=status.HTTP_201_CREATED)


class BuyRequestDetailApi(CityAPIView):
    serializer_class = s.BuyRequestDetailSerializer
    roles = {"get": EVERY_ROLE, "patch": ASSET_HOLDER_ROLES}
    model = BuyRequest

    @extend_schema(responses=s.BuyRequestDetailSerializer, tags=TAG)
    def get(self, request, city, pk):
        return Response(buy_request_detail(self.actor, pk))

    @extend_schema(request=i.BuyRequestUpdateSerializer, responses=s.BuyRequestDetailSerializer, tags=TAG)
    def patch(self, request, city, pk):
        br = selectors.buy_request_get(self.actor, pk)
        data = i.BuyRequestUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.buy_request_update(actor=self.actor, buy_request=br, **data.validated_data)
        return Response(buy_request_detail(self.actor, pk))


def _buy_request_action(name, service):
    return object_action(
        name,
        load=selectors.buy_request_get,
        service=service,
        target="buy_request",
        respond=buy_request_detail,
        response=s.BuyRequestDetailSerializer,
        tags=TAG,
        roles=ASSET_HOLDER_ROLES,
        model=BuyRequest,
    )


BuyRequestCloseApi = _buy_request_action("BuyRequestCloseApi", services.buy_request_close)
BuyRequestReopenApi = _buy_request_action("BuyRequestReopenApi", services.buy_request_reopen)


class BuyRequestMatchesApi(CityAPIView):
    serializer_class = s.ListingMatchSerializer
    roles = DEAL_READERS
    model = BuyRequest
    visibility_action = "matches"

    @extend_schema(
        parameters=query_parameters(i.MatchParams),
        responses=s.ListingMatchSerializer(many=True),
        tags=TAG,
        summary="Listings ranked for this buy request, each with why it scored",
        description="Served from the stored matches, which tasks refresh when the buy request "
        "changes, when a listing is published and nightly; live=true computes them now.",
    )
    def get(self, request, city, pk):
        if parsed(i.MatchParams, request.query_params).get("live", False):
            br = selectors.buy_request_get(self.actor, pk)
            rows = selectors.buy_request_matches(self.actor, br, with_assets=False, live=True)
        else:
            rows = selectors.served_matches(self.actor, pk)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(
            s.ListingMatchSerializer(
                [{"score": m.score, "reasons": m.reasons, "listing": listing} for listing, m in page],
                many=True,
            ).data
        )


# --- the public market: anyone, logged in or not (no city membership, no roles) ---------------------------


class PublicListingSearchApi(RankedList, GenericAPIView):
    """The city's listings on the market."""

    queryset = Listing.objects.none()  # the schema's model; reads go through selectors
    permission_classes = [AllowAny]
    public = True  # anyone, logged in or not: the schema says x-public
    serializer_class = s.PublicListingSerializer

    @extend_schema(
        parameters=query_parameters(i.ListingSearchParams),
        responses=paginated(s.PublicListingSerializer),
        tags=["trading-public"],
        summary="Public search of the city's listings on the market",
        auth=[],
    )
    def get(self, request, city):
        params = parsed(i.ListingSearchParams, request.query_params)
        result = selectors.listing_search(None, **params)
        return self.ranked_response(result, selectors.listing_rows, s.PublicListingSerializer)


class PublicListingDetailApi(GenericAPIView):
    """One listing on the market, with its due-diligence panel."""

    queryset = Listing.objects.none()  # the schema's model; reads go through selectors
    permission_classes = [AllowAny]
    public = True  # anyone, logged in or not: the schema says x-public
    model = Listing
    serializer_class = s.PublicListingDetailSerializer

    @extend_schema(responses=s.PublicListingDetailSerializer, tags=["trading-public"], auth=[])
    def get(self, request, city, pk):
        listing = selectors.listing_get(None, pk)
        return Response(
            s.PublicListingDetailSerializer(
                listing,
                context={
                    "diligence": selectors.due_diligence(listing),
                    "blocks": selectors.listing_blocks([listing]).get(listing.pk, []),
                },
            ).data
        )


class NationalListingSearchApi(RankedList, GenericAPIView):
    """Listings published nationally, across cities: published fields only."""

    queryset = Listing.objects.none()  # the schema's model; reads go through selectors
    permission_classes = [AllowAny]
    public = True  # anyone, logged in or not: the schema says x-public
    serializer_class = s.NationalListingSerializer

    @extend_schema(
        parameters=query_parameters(i.NationalSearchParams),
        responses=paginated(s.NationalListingSerializer),
        tags=["trading-public"],
        auth=[],
        summary="National marketplace: listings published nationally by every city",
    )
    def get(self, request):
        params = parsed(i.NationalSearchParams, request.query_params)
        result = selectors.national_listings(**params)
        return self.ranked_response(result, selectors.national_page, s.NationalListingSerializer)
