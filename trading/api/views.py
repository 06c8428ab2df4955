"""Marketplace API. Views parse, call one service or selector, and serialise."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from ipops.api.base import CityAPIView, object_action
from ipops.errors import PermissionDenied
from ipops.selectors.organisations import organization_get

from .. import selectors, services
from ..models import BuyRequest, Listing, Negotiation, Offer, OperationsCentre, Transaction
from ..permissions import can
from . import serializers as s

TAG = ["trading"]


def _params(serializer_class, data) -> dict:
    parsed = serializer_class(data=data)
    parsed.is_valid(raise_exception=True)
    return {k: v for k, v in parsed.validated_data.items() if v not in (None, "")}


def _valid(serializer_class, data) -> dict:
    parsed = serializer_class(data=data)
    parsed.is_valid(raise_exception=True)
    return dict(parsed.validated_data)


def _query_params(serializer_class):
    fields = serializer_class().fields
    return [
        OpenApiParameter(name, str, required=False, description=getattr(f, "help_text", "") or "")
        for name, f in fields.items()
    ]


def _paginated(schema_item):
    return inline_serializer(
        name=f"Paginated{schema_item.__name__.replace('Serializer', '')}List",
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "mode": serializers.CharField(
                help_text="and | pairs | or (the query form that found the results)"
            ),
            "capped": serializers.BooleanField(help_text="more results exist than are offered"),
            "results": schema_item(many=True),
        },
    )


class _RankedList:
    """Page through a ranked id list; rows for the page are fetched in a fixed number of queries."""

    def ranked_response(self, result, fetch, serializer_class, context=None):
        page_ids = self.paginate_queryset(result.ids)
        rows = fetch(list(page_ids))
        response = self.get_paginated_response(serializer_class(rows, many=True, context=context or {}).data)
        response.data["mode"] = result.mode
        response.data["capped"] = result.capped
        return response


# --- listings -------------------------------------------------------------------------------------


class ListingListCreateApi(_RankedList, CityAPIView):
    queryset = Listing.objects.none()  # the schema's model; reads go through selectors
    serializer_class = s.ListingSerializer

    @extend_schema(
        parameters=_query_params(s.PrivateListingSearchParams),
        responses=_paginated(s.ListingSerializer),
        tags=TAG,
        summary="Search listings visible to you (yours in every state with mine=true)",
    )
    def get(self, request, city):
        params = _params(s.PrivateListingSearchParams, request.query_params)
        result = selectors.listing_search(self.actor, **params)
        return self.ranked_response(result, selectors.listing_rows, s.ListingSerializer)

    @extend_schema(
        request=s.ListingCreateSerializer,
        responses={201: s.ListingDetailSerializer},
        tags=TAG,
        summary="List one asset or a package (挂牌); publish at once with publish=true",
    )
    def post(self, request, city):
        data = _params(s.ListingCreateSerializer, request.data)
        listing = services.listing_create(actor=self.actor, **data)
        return _listing_detail(self.actor, listing.pk, status.HTTP_201_CREATED)


def _listing_detail(actor, pk, code=status.HTTP_200_OK):
    listing = selectors.listing_get(actor, pk)
    data = s.ListingDetailSerializer(listing, context={"diligence": selectors.due_diligence(listing)}).data
    return Response(data, status=code)


class ListingDetailApi(CityAPIView):
    queryset = Listing.objects.none()  # the schema's model; reads go through selectors
    serializer_class = s.ListingDetailSerializer

    @extend_schema(
        responses=s.ListingDetailSerializer, tags=TAG, summary="A listing with its due-diligence panel"
    )
    def get(self, request, city, pk):
        return _listing_detail(self.actor, pk)

    @extend_schema(request=s.ListingUpdateSerializer, responses=s.ListingDetailSerializer, tags=TAG)
    def patch(self, request, city, pk):
        listing = selectors.listing_get(self.actor, pk)
        data = s.ListingUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.listing_update(actor=self.actor, listing=listing, **data.validated_data)
        return _listing_detail(self.actor, pk)


class ListingPublishApi(CityAPIView):
    queryset = Listing.objects.none()  # the schema's model; reads go through selectors
    serializer_class = s.ListingDetailSerializer

    @extend_schema(request=None, responses=s.ListingDetailSerializer, tags=TAG)
    def post(self, request, city, pk):
        services.listing_publish(actor=self.actor, listing=selectors.listing_get(self.actor, pk))
        return _listing_detail(self.actor, pk)


class ListingWithdrawApi(CityAPIView):
    queryset = Listing.objects.none()  # the schema's model; reads go through selectors
    serializer_class = s.ListingDetailSerializer

    @extend_schema(request=s.ReasonInputSerializer, responses=s.ListingDetailSerializer, tags=TAG)
    def post(self, request, city, pk):
        data = _params(s.ReasonInputSerializer, request.data)
        services.listing_withdraw(
            actor=self.actor, listing=selectors.listing_get(self.actor, pk), reason=data.get("message", "")
        )
        return _listing_detail(self.actor, pk)


class ListingMatchesApi(CityAPIView):
    queryset = Listing.objects.none()  # the schema's model; reads go through selectors
    serializer_class = s.BuyRequestMatchSerializer

    @extend_schema(
        responses=s.BuyRequestMatchSerializer(many=True),
        tags=TAG,
        summary="Open buy requests ranked for this listing, each with why it scored",
    )
    def get(self, request, city, pk):
        listing = selectors.listing_get(self.actor, pk)
        rows = selectors.listing_matches(self.actor, listing)
        return Response(
            s.BuyRequestMatchSerializer(
                [{"score": m.score, "reasons": m.reasons, "buy_request": br} for br, m in rows], many=True
            ).data
        )


class ListingOffersApi(CityAPIView):
    queryset = Listing.objects.none()  # the schema's model; reads go through selectors
    serializer_class = s.OfferSerializer

    @extend_schema(
        responses=s.NegotiationSerializer(many=True),
        tags=TAG,
        summary="Negotiations on this listing you are party to (all of them for the seller)",
    )
    def get(self, request, city, pk):
        listing = selectors.listing_get(self.actor, pk)
        rows = (
            selectors.listing_negotiations(self.actor, listing)
            .prefetch_related("messages")
            .select_related("seller", "listing", "transaction")
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.NegotiationSerializer(page, many=True).data)

    @extend_schema(
        request=s.OfferInputSerializer,
        responses={201: s.OfferSerializer},
        tags=TAG,
        summary="Make an offer (报价) on a listing",
    )
    def post(self, request, city, pk):
        listing = selectors.listing_get(self.actor, pk)
        data = _params(s.OfferInputSerializer, request.data)
        offer = services.offer_make(actor=self.actor, listing=listing, **data)
        return Response(
            s.OfferSerializer(selectors.offer_get(self.actor, offer.pk)).data, status=status.HTTP_201_CREATED
        )


# --- buy requests ------------------------------------------------------------------------------------


class BuyRequestListCreateApi(_RankedList, CityAPIView):
    queryset = BuyRequest.objects.none()  # the schema's model; reads go through selectors
    serializer_class = s.BuyRequestSerializer

    @extend_schema(
        parameters=_query_params(s.BuyRequestSearchParams),
        responses=_paginated(s.BuyRequestSerializer),
        tags=TAG,
    )
    def get(self, request, city):
        params = _params(s.BuyRequestSearchParams, request.query_params)
        ids = selectors.buy_request_list(self.actor, **params)
        from ..search import SearchResult

        return self.ranked_response(SearchResult(ids), selectors.buy_request_page, s.BuyRequestSerializer)

    @extend_schema(
        request=s.BuyRequestInputSerializer,
        responses={201: s.BuyRequestSerializer},
        tags=TAG,
        summary="Post a buy request (求购)",
    )
    def post(self, request, city):
        data = _params(s.BuyRequestInputSerializer, request.data)
        br = services.buy_request_create(actor=self.actor, **data)
        return Response(s.BuyRequestSerializer(br).data, status=status.HTTP_201_CREATED)


class BuyRequestDetailApi(CityAPIView):
    queryset = BuyRequest.objects.none()  # the schema's model; reads go through selectors
    serializer_class = s.BuyRequestSerializer

    @extend_schema(responses=s.BuyRequestSerializer, tags=TAG)
    def get(self, request, city, pk):
        return Response(s.BuyRequestSerializer(selectors.buy_request_get(self.actor, pk)).data)

    @extend_schema(request=s.BuyRequestUpdateSerializer, responses=s.BuyRequestSerializer, tags=TAG)
    def patch(self, request, city, pk):
        br = selectors.buy_request_get(self.actor, pk)
        data = s.BuyRequestUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        br = services.buy_request_update(actor=self.actor, buy_request=br, **data.validated_data)
        return Response(s.BuyRequestSerializer(br).data)


class _BuyRequestAction(CityAPIView):
    queryset = BuyRequest.objects.none()  # the schema's model; reads go through selectors
    serializer_class = s.BuyRequestSerializer
    service = None

    @extend_schema(request=None, responses=s.BuyRequestSerializer, tags=TAG)
    def post(self, request, city, pk):
        br = type(self).service(actor=self.actor, buy_request=selectors.buy_request_get(self.actor, pk))
        return Response(s.BuyRequestSerializer(selectors.buy_request_get(self.actor, br.pk)).data)


class BuyRequestCloseApi(_BuyRequestAction):
    service = services.buy_request_close


class BuyRequestReopenApi(_BuyRequestAction):
    service = services.buy_request_reopen


class BuyRequestMatchesApi(CityAPIView):
    queryset = BuyRequest.objects.none()  # the schema's model; reads go through selectors
    serializer_class = s.ListingMatchSerializer

    @extend_schema(
        parameters=_query_params(s.MatchParams),
        responses=s.ListingMatchSerializer(many=True),
        tags=TAG,
        summary="Listings ranked for this buy request, each with why it scored",
        description="Served from the stored matches, which tasks refresh when the buy request "
        "changes, when a listing is published and nightly; live=true computes them now.",
    )
    def get(self, request, city, pk):
        if _params(s.MatchParams, request.query_params).get("live", False):
            br = selectors.buy_request_get(self.actor, pk)
            rows = selectors.buy_request_matches(self.actor, br, with_assets=False, live=True)
        else:
            rows = selectors.served_matches(self.actor, pk)
        return Response(
            s.ListingMatchSerializer(
                [{"score": m.score, "reasons": m.reasons, "listing": listing} for listing, m in rows],
                many=True,
            ).data
        )


# --- offers and negotiations ---------------------------------------------------------------------------


class OfferListApi(CityAPIView):
    queryset = Offer.objects.none()  # the schema's model; reads go through selectors
    serializer_class = s.OfferSerializer

    @extend_schema(
        parameters=_query_params(s.OfferListParams),
        responses=s.OfferSerializer(many=True),
        tags=TAG,
        summary="Offers in your negotiations (side=buyer: yours as buyer; side=seller: on your listings)",
    )
    def get(self, request, city):
        params = _params(s.OfferListParams, request.query_params)
        page = self.paginate_queryset(selectors.offer_queryset(self.actor, **params))
        return self.get_paginated_response(s.OfferSerializer(page, many=True).data)


class OfferDetailApi(CityAPIView):
    queryset = Offer.objects.none()  # the schema's model; reads go through selectors
    serializer_class = s.OfferSerializer

    @extend_schema(responses=s.OfferSerializer, tags=TAG)
    def get(self, request, city, pk):
        return Response(s.OfferSerializer(selectors.offer_get(self.actor, pk)).data)


class OfferCounterApi(CityAPIView):
    queryset = Offer.objects.none()  # the schema's model; reads go through selectors
    serializer_class = s.OfferSerializer

    @extend_schema(
        request=s.OfferInputSerializer,
        responses={201: s.OfferSerializer},
        tags=TAG,
        summary="Counter-offer (还价) the other side's pending offer",
    )
    def post(self, request, city, pk):
        offer = selectors.offer_get(self.actor, pk)
        data = _params(s.OfferInputSerializer, request.data)
        new = services.offer_counter(actor=self.actor, offer=offer, **data)
        return Response(
            s.OfferSerializer(selectors.offer_get(self.actor, new.pk)).data, status=status.HTTP_201_CREATED
        )


class OfferAcceptApi(CityAPIView):
    queryset = Offer.objects.none()  # the schema's model; reads go through selectors
    serializer_class = s.TransactionSerializer

    @extend_schema(
        request=None,
        responses={201: s.TransactionSerializer},
        tags=TAG,
        summary="Accept the other side's offer: the deal opens, other negotiations close",
    )
    def post(self, request, city, pk):
        tx = services.offer_accept(actor=self.actor, offer=selectors.offer_get(self.actor, pk))
        return Response(
            s.TransactionSerializer(selectors.transaction_get(self.actor, tx.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class OfferRejectApi(CityAPIView):
    queryset = Offer.objects.none()  # the schema's model; reads go through selectors
    serializer_class = s.OfferSerializer

    @extend_schema(request=s.ReasonInputSerializer, responses=s.OfferSerializer, tags=TAG)
    def post(self, request, city, pk):
        data = _params(s.ReasonInputSerializer, request.data)
        offer = services.offer_reject(
            actor=self.actor, offer=selectors.offer_get(self.actor, pk), message=data.get("message", "")
        )
        return Response(s.OfferSerializer(selectors.offer_get(self.actor, offer.pk)).data)


class OfferWithdrawApi(CityAPIView):
    queryset = Offer.objects.none()  # the schema's model; reads go through selectors
    serializer_class = s.OfferSerializer

    @extend_schema(request=None, responses=s.OfferSerializer, tags=TAG)
    def post(self, request, city, pk):
        offer = services.offer_withdraw(actor=self.actor, offer=selectors.offer_get(self.actor, pk))
        return Response(s.OfferSerializer(selectors.offer_get(self.actor, offer.pk)).data)


class NegotiationDetailApi(CityAPIView):
    queryset = Negotiation.objects.none()  # the schema's model; reads go through selectors
    serializer_class = s.NegotiationSerializer

    @extend_schema(responses=s.NegotiationSerializer, tags=TAG, summary="A negotiation: offers and messages")
    def get(self, request, city, pk):
        return Response(s.NegotiationSerializer(selectors.negotiation_get(self.actor, pk)).data)


class NegotiationMessageApi(CityAPIView):
    queryset = Negotiation.objects.none()  # the schema's model; reads go through selectors
    serializer_class = s.MessageSerializer

    @extend_schema(request=s.MessageInputSerializer, responses={201: s.MessageSerializer}, tags=TAG)
    def post(self, request, city, pk):
        data = _params(s.MessageInputSerializer, request.data)
        message = services.message_post(
            actor=self.actor, negotiation=selectors.negotiation_get(self.actor, pk), body=data["body"]
        )
        return Response(s.MessageSerializer(message).data, status=status.HTTP_201_CREATED)


class NegotiationCloseApi(CityAPIView):
    queryset = Negotiation.objects.none()  # the schema's model; reads go through selectors
    serializer_class = s.NegotiationSerializer

    @extend_schema(request=s.ReasonInputSerializer, responses=s.NegotiationSerializer, tags=TAG)
    def post(self, request, city, pk):
        data = _params(s.ReasonInputSerializer, request.data)
        services.negotiation_close(
            actor=self.actor,
            negotiation=selectors.negotiation_get(self.actor, pk),
            reason=data.get("message", ""),
        )
        return Response(s.NegotiationSerializer(selectors.negotiation_get(self.actor, pk)).data)


# --- transactions ---------------------------------------------------------------------------------------


class TransactionListApi(CityAPIView):
    queryset = Transaction.objects.none()  # the schema's model; reads go through selectors
    serializer_class = s.TransactionSerializer

    @extend_schema(
        parameters=_query_params(s.TransactionListParams),
        responses=s.TransactionSerializer(many=True),
        tags=TAG,
        summary="Your deals (bureau staff and officials: every deal of the city)",
    )
    def get(self, request, city):
        params = _params(s.TransactionListParams, request.query_params)
        page = self.paginate_queryset(selectors.transaction_queryset(self.actor, **params))
        return self.get_paginated_response(s.TransactionSerializer(page, many=True).data)


class TransactionDetailApi(CityAPIView):
    queryset = Transaction.objects.none()  # the schema's model; reads go through selectors
    serializer_class = s.TransactionSerializer

    @extend_schema(responses=s.TransactionSerializer, tags=TAG)
    def get(self, request, city, pk):
        return Response(s.TransactionSerializer(selectors.transaction_get(self.actor, pk)).data)


def _transaction_now(actor, pk) -> dict:
    return s.TransactionSerializer(selectors.transaction_get(actor, pk)).data


def _transaction_action(name, service, *, summary, request=None):
    """One step of a deal: the service, its input, and the transaction as it is afterwards."""
    return object_action(
        name,
        load=selectors.transaction_get,
        service=service,
        target="transaction",
        respond=_transaction_now,
        response=s.TransactionSerializer,
        request=request,
        summary=summary,
        tags=TAG,
    )


TransactionContractApi = _transaction_action(
    "TransactionContractApi",
    services.transaction_record_contract,
    request=s.ContractInputSerializer,
    summary="Record the signed contract",
)
TransactionPayApi = _transaction_action(
    "TransactionPayApi", services.transaction_pay, summary="Buyer: the price is paid into escrow"
)
TransactionCompleteApi = _transaction_action(
    "TransactionCompleteApi",
    services.transaction_complete,
    request=s.CompleteInputSerializer,
    summary="CNIPA recorded the assignment / licence: transfer or record it, release escrow",
)
TransactionCancelApi = _transaction_action(
    "TransactionCancelApi",
    services.transaction_cancel,
    request=s.CancelInputSerializer,
    summary="Call the deal off (escrow refunded if paid)",
)


class FiguresApi(CityAPIView):
    queryset = Transaction.objects.none()  # the schema's model; reads go through selectors
    serializer_class = s.FiguresSerializer

    @extend_schema(
        parameters=_query_params(s.FiguresParams),
        responses=s.FiguresSerializer,
        tags=TAG,
        summary="Completed transfers and licences of the city (count and amount)",
    )
    def get(self, request, city):
        if not can(self.actor, "deals.read_all"):
            raise PermissionDenied()
        params = _params(s.FiguresParams, request.query_params)
        figures = selectors.deal_figures(city=request.city, year=params.get("year"))
        return Response(
            s.FiguresSerializer(
                {
                    "year": params.get("year"),
                    "count": figures.count,
                    "amount": figures.amount,
                    "transfers_count": figures.transfers_count,
                    "transfers_amount": figures.transfers_amount,
                    "licences_count": figures.licences_count,
                    "licences_amount": figures.licences_amount,
                }
            ).data
        )


class CentreListApi(CityAPIView):
    queryset = OperationsCentre.objects.none()  # the schema's model; reads go through selectors
    serializer_class = s.CentreSerializer

    @extend_schema(
        responses=s.CentreSerializer(many=True),
        tags=TAG,
        summary="Operations centres with the yearly deals credited to them",
    )
    def get(self, request, city):
        return Response(s.CentreSerializer(selectors.centres_overview(), many=True).data)

    @extend_schema(
        request=s.CentreCreateSerializer,
        responses={201: s.CentreModelSerializer},
        tags=TAG,
        summary="Bureau: register an IP operations centre run by one of the city's organisations",
    )
    def post(self, request, city):
        data = _valid(s.CentreCreateSerializer, request.data)
        organization = organization_get(data.pop("organization"))
        centre = services.centre_create(actor=self.actor, organization=organization, **data)
        return Response(s.CentreModelSerializer(centre).data, status=status.HTTP_201_CREATED)


class CentreMembersApi(CityAPIView):
    queryset = OperationsCentre.objects.none()  # the schema's model; reads go through selectors
    serializer_class = s.CentreMemberSerializer

    @extend_schema(
        request=s.CentreMemberSerializer,
        responses={201: s.CentreMemberSerializer},
        tags=TAG,
        summary="Bureau: add a member organisation; its deals are credited to the centre",
    )
    def post(self, request, city, pk):
        centre = selectors.centre_get(pk)
        data = _valid(s.CentreMemberSerializer, request.data)
        membership = services.centre_member_add(
            actor=self.actor,
            centre=centre,
            organization=organization_get(data["organization"]),
            joined_on=data["joined_on"],
        )
        return Response(
            {"organization": membership.organization_id, "joined_on": membership.joined_on},
            status=status.HTTP_201_CREATED,
        )


class CentreMemberDetailApi(CityAPIView):
    queryset = OperationsCentre.objects.none()  # the schema's model; reads go through selectors
    serializer_class = s.CentreMemberSerializer

    @extend_schema(responses={204: None}, tags=TAG, summary="Bureau: remove a member organisation")
    def delete(self, request, city, pk, organization):
        centre = selectors.centre_get(pk)
        services.centre_member_remove(
            actor=self.actor, centre=centre, organization=organization_get(organization)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- public, read-only -----------------------------------------------------------------------------------


class PublicListingSearchApi(_RankedList, GenericAPIView):
    """Anyone, logged in or not: the city's listings on the market."""

    queryset = Listing.objects.none()  # the schema's model; reads go through selectors
    permission_classes = [AllowAny]
    serializer_class = s.PublicListingSerializer

    @extend_schema(
        parameters=_query_params(s.ListingSearchParams),
        responses=_paginated(s.PublicListingSerializer),
        tags=["trading-public"],
        summary="Public search of the city's listings on the market",
        auth=[],
    )
    def get(self, request, city):
        params = _params(s.ListingSearchParams, request.query_params)
        result = selectors.listing_search(None, **params)
        return self.ranked_response(result, selectors.listing_rows, s.PublicListingSerializer)


class PublicListingDetailApi(GenericAPIView):
    queryset = Listing.objects.none()  # the schema's model; reads go through selectors
    permission_classes = [AllowAny]
    serializer_class = s.PublicListingDetailSerializer

    @extend_schema(responses=s.PublicListingDetailSerializer, tags=["trading-public"], auth=[])
    def get(self, request, city, pk):
        listing = selectors.listing_get(None, pk)
        return Response(
            s.PublicListingDetailSerializer(
                listing, context={"diligence": selectors.due_diligence(listing)}
            ).data
        )


class NationalListingSearchApi(_RankedList, GenericAPIView):
    """Listings published nationally, across cities: published fields only."""

    queryset = Listing.objects.none()  # the schema's model; reads go through selectors
    permission_classes = [AllowAny]
    serializer_class = s.NationalListingSerializer

    @extend_schema(
        parameters=_query_params(s.NationalSearchParams),
        responses=_paginated(s.NationalListingSerializer),
        tags=["trading-public"],
        auth=[],
        summary="National marketplace: listings published nationally by every city",
    )
    def get(self, request):
        params = _params(s.NationalSearchParams, request.query_params)
        result = selectors.national_listings(**params)
        return self.ranked_response(result, selectors.national_page, s.NationalListingSerializer)
