"""Marketplace API. Views parse, call one service or selector, and serialise.

Every view declares the roles that may call each method (`roles`, exactly those that can succeed
under `trading.permissions`) and, on routes with `{pk}`, the model the pk names. Detail responses
carry `actions`: the lifecycle steps the caller may take now (`trading.lifecycles`).
The public market (`market/listings/…`, `/market/api/listings/`) is open to anyone, logged in or not.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from ipops.access import ASSET_HOLDER_ROLES, BUREAU_ROLES, CITY_READER_ROLES, EVERY_ROLE
from ipops.api.base import CityAPIView, object_action
from ipops.selectors.organisations import organization_get

from .. import selectors, services
from ..lifecycles import available_names
from ..models import BuyRequest, Listing, Negotiation, Offer, OperationsCentre, Transaction
from ..permissions import require
from ..search import SearchResult
from . import inputs as i
from . import serializers as s

TAG = ["trading"]

#: Parties to negotiations and deals (enterprises, universities, service institutions) and those who
#: read the whole city: everyone who can ever see a negotiation, an offer or a deal.
DEAL_READERS = ASSET_HOLDER_ROLES | CITY_READER_ROLES
#: Bureau staff moderate: withdraw a listing, complete or cancel a deal on the parties' behalf.
MODERATORS = ASSET_HOLDER_ROLES | BUREAU_ROLES


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


def _detail(serializer_class, actor, obj, **context) -> dict:
    """One object as its detail serializer renders it, with the steps the actor may take on it now."""
    return serializer_class(obj, context={"actions": available_names(actor, obj), **context}).data


class _RankedList:
    """Page through a ranked id list; rows for the page are fetched in a fixed number of queries."""

    def ranked_response(self, result, fetch, serializer_class, context=None):
        page_ids = self.paginate_queryset(result.ids)  # type: ignore[attr-defined]
        rows = fetch(list(page_ids))
        response = self.get_paginated_response(  # type: ignore[attr-defined]
            serializer_class(rows, many=True, context=context or {}).data
        )
        response.data["mode"] = result.mode
        response.data["capped"] = result.capped
        return response


# --- listings -------------------------------------------------------------------------------------


def listing_detail(actor, pk) -> dict:
    listing = selectors.listing_get(actor, pk)
    return _detail(s.ListingDetailSerializer, actor, listing, diligence=selectors.due_diligence(listing))


class ListingListCreateApi(_RankedList, CityAPIView):
    serializer_class = s.ListingSerializer
    roles = {"get": EVERY_ROLE, "post": ASSET_HOLDER_ROLES}

    @extend_schema(
        parameters=_query_params(i.PrivateListingSearchParams),
        responses=_paginated(s.ListingSerializer),
        tags=TAG,
        summary="Search listings visible to you (yours in every state with mine=true)",
    )
    def get(self, request, city):
        params = _params(i.PrivateListingSearchParams, request.query_params)
        result = selectors.listing_search(self.actor, **params)
        return self.ranked_response(result, selectors.listing_rows, s.ListingSerializer)

    @extend_schema(
        request=i.ListingCreateSerializer,
        responses={201: s.ListingDetailSerializer},
        tags=TAG,
        summary="List one asset or a package (挂牌); publish at once with publish=true",
    )
    def post(self, request, city):
        data = _params(i.ListingCreateSerializer, request.data)
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
    serializer_class = s.OfferSerializer
    roles = {"get": DEAL_READERS, "post": ASSET_HOLDER_ROLES}
    model = Listing

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
        request=i.OfferInputSerializer,
        responses={201: s.OfferDetailSerializer},
        tags=TAG,
        summary="Make an offer (报价) on a listing",
    )
    def post(self, request, city, pk):
        listing = selectors.listing_get(self.actor, pk)
        data = _params(i.OfferInputSerializer, request.data)
        offer = services.offer_make(actor=self.actor, listing=listing, **data)
        return Response(offer_detail(self.actor, offer.pk), status=status.HTTP_201_CREATED)


# --- buy requests ------------------------------------------------------------------------------------


def buy_request_detail(actor, pk) -> dict:
    return _detail(s.BuyRequestDetailSerializer, actor, selectors.buy_request_get(actor, pk))


class BuyRequestListCreateApi(_RankedList, CityAPIView):
    serializer_class = s.BuyRequestSerializer
    roles = {"get": EVERY_ROLE, "post": ASSET_HOLDER_ROLES}

    @extend_schema(
        parameters=_query_params(i.BuyRequestSearchParams),
        responses=_paginated(s.BuyRequestSerializer),
        tags=TAG,
    )
    def get(self, request, city):
        params = _params(i.BuyRequestSearchParams, request.query_params)
        ids = selectors.buy_request_list(self.actor, **params)
        return self.ranked_response(SearchResult(ids), selectors.buy_request_page, s.BuyRequestSerializer)

    @extend_schema(
        request=i.BuyRequestInputSerializer,
        responses={201: s.BuyRequestDetailSerializer},
        tags=TAG,
        summary="Post a buy request (求购)",
    )
    def post(self, request, city):
        data = _params(i.BuyRequestInputSerializer, request.data)
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

    @extend_schema(
        parameters=_query_params(i.MatchParams),
        responses=s.ListingMatchSerializer(many=True),
        tags=TAG,
        summary="Listings ranked for this buy request, each with why it scored",
        description="Served from the stored matches, which tasks refresh when the buy request "
        "changes, when a listing is published and nightly; live=true computes them now.",
    )
    def get(self, request, city, pk):
        if _params(i.MatchParams, request.query_params).get("live", False):
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


def offer_detail(actor, pk) -> dict:
    return _detail(s.OfferDetailSerializer, actor, selectors.offer_get(actor, pk))


class OfferListApi(CityAPIView):
    serializer_class = s.OfferSerializer
    roles = DEAL_READERS

    @extend_schema(
        parameters=_query_params(i.OfferListParams),
        responses=s.OfferSerializer(many=True),
        tags=TAG,
        summary="Offers in your negotiations (side=buyer: yours as buyer; side=seller: on your listings)",
    )
    def get(self, request, city):
        params = _params(i.OfferListParams, request.query_params)
        page = self.paginate_queryset(selectors.offer_queryset(self.actor, **params))
        return self.get_paginated_response(s.OfferSerializer(page, many=True).data)


class OfferDetailApi(CityAPIView):
    serializer_class = s.OfferDetailSerializer
    roles = DEAL_READERS
    model = Offer

    @extend_schema(responses=s.OfferDetailSerializer, tags=TAG)
    def get(self, request, city, pk):
        return Response(offer_detail(self.actor, pk))


class OfferCounterApi(CityAPIView):
    serializer_class = s.OfferDetailSerializer
    roles = ASSET_HOLDER_ROLES
    model = Offer

    @extend_schema(
        request=i.OfferInputSerializer,
        responses={201: s.OfferDetailSerializer},
        tags=TAG,
        summary="Counter-offer (还价) the other side's pending offer: the answer is the new offer",
    )
    def post(self, request, city, pk):
        offer = selectors.offer_get(self.actor, pk)
        data = _params(i.OfferInputSerializer, request.data)
        new = services.offer_counter(actor=self.actor, offer=offer, **data)
        return Response(offer_detail(self.actor, new.pk), status=status.HTTP_201_CREATED)


class OfferAcceptApi(CityAPIView):
    serializer_class = s.TransactionDetailSerializer
    roles = ASSET_HOLDER_ROLES
    model = Offer

    @extend_schema(
        request=None,
        responses={201: s.TransactionDetailSerializer},
        tags=TAG,
        summary="Accept the other side's offer: the deal opens (the answer), other negotiations close",
    )
    def post(self, request, city, pk):
        tx = services.offer_accept(actor=self.actor, offer=selectors.offer_get(self.actor, pk))
        return Response(transaction_detail(self.actor, tx.pk), status=status.HTTP_201_CREATED)


def _offer_action(name, service, *, request=None):
    return object_action(
        name,
        load=selectors.offer_get,
        service=service,
        target="offer",
        respond=offer_detail,
        response=s.OfferDetailSerializer,
        request=request,
        tags=TAG,
        roles=ASSET_HOLDER_ROLES,
        model=Offer,
    )


OfferRejectApi = _offer_action("OfferRejectApi", services.offer_reject, request=i.RejectInputSerializer)
OfferWithdrawApi = _offer_action("OfferWithdrawApi", services.offer_withdraw)


def negotiation_detail(actor, pk) -> dict:
    return _detail(s.NegotiationDetailSerializer, actor, selectors.negotiation_get(actor, pk))


class NegotiationDetailApi(CityAPIView):
    serializer_class = s.NegotiationDetailSerializer
    roles = DEAL_READERS
    model = Negotiation

    @extend_schema(
        responses=s.NegotiationDetailSerializer, tags=TAG, summary="A negotiation: offers and messages"
    )
    def get(self, request, city, pk):
        return Response(negotiation_detail(self.actor, pk))


class NegotiationMessageApi(CityAPIView):
    serializer_class = s.MessageSerializer
    roles = ASSET_HOLDER_ROLES
    model = Negotiation

    @extend_schema(request=i.MessageInputSerializer, responses={201: s.MessageSerializer}, tags=TAG)
    def post(self, request, city, pk):
        data = _params(i.MessageInputSerializer, request.data)
        message = services.message_post(
            actor=self.actor, negotiation=selectors.negotiation_get(self.actor, pk), body=data["body"]
        )
        return Response(s.MessageSerializer(message).data, status=status.HTTP_201_CREATED)


NegotiationCloseApi = object_action(
    "NegotiationCloseApi",
    load=selectors.negotiation_get,
    service=services.negotiation_close,
    target="negotiation",
    respond=negotiation_detail,
    response=s.NegotiationDetailSerializer,
    request=i.ReasonInputSerializer,
    summary="End the negotiation (either side)",
    tags=TAG,
    roles=ASSET_HOLDER_ROLES,
    model=Negotiation,
)


# --- transactions ---------------------------------------------------------------------------------------


def transaction_detail(actor, pk) -> dict:
    return _detail(s.TransactionDetailSerializer, actor, selectors.transaction_get(actor, pk))


class TransactionListApi(CityAPIView):
    serializer_class = s.TransactionSerializer
    roles = DEAL_READERS

    @extend_schema(
        parameters=_query_params(i.TransactionListParams),
        responses=s.TransactionSerializer(many=True),
        tags=TAG,
        summary="Your deals (bureau staff and officials: every deal of the city)",
    )
    def get(self, request, city):
        params = _params(i.TransactionListParams, request.query_params)
        page = self.paginate_queryset(selectors.transaction_queryset(self.actor, **params))
        return self.get_paginated_response(s.TransactionSerializer(page, many=True).data)


class TransactionDetailApi(CityAPIView):
    serializer_class = s.TransactionDetailSerializer
    roles = DEAL_READERS
    model = Transaction

    @extend_schema(responses=s.TransactionDetailSerializer, tags=TAG)
    def get(self, request, city, pk):
        return Response(transaction_detail(self.actor, pk))


def _transaction_action(name, service, *, roles, summary, request=None):
    """One step of a deal: the service, its input, and the transaction as it is afterwards."""
    return object_action(
        name,
        load=selectors.transaction_get,
        service=service,
        target="transaction",
        respond=transaction_detail,
        response=s.TransactionDetailSerializer,
        request=request,
        summary=summary,
        tags=TAG,
        roles=roles,
        model=Transaction,
    )


TransactionContractApi = _transaction_action(
    "TransactionContractApi",
    services.transaction_record_contract,
    roles=ASSET_HOLDER_ROLES,
    request=i.ContractInputSerializer,
    summary="Record the signed contract",
)
TransactionPayApi = _transaction_action(
    "TransactionPayApi",
    services.transaction_pay,
    roles=ASSET_HOLDER_ROLES,
    summary="Buyer: the price is paid into escrow",
)
TransactionCompleteApi = _transaction_action(
    "TransactionCompleteApi",
    services.transaction_complete,
    roles=MODERATORS,
    request=i.CompleteInputSerializer,
    summary="CNIPA recorded the assignment / licence: transfer or record it, release escrow",
)
TransactionCancelApi = _transaction_action(
    "TransactionCancelApi",
    services.transaction_cancel,
    roles=MODERATORS,
    request=i.CancelInputSerializer,
    summary="Call the deal off (escrow refunded if paid)",
)


class FiguresApi(CityAPIView):
    serializer_class = s.FiguresSerializer
    roles = CITY_READER_ROLES

    @extend_schema(
        parameters=_query_params(i.FiguresParams),
        responses=s.FiguresSerializer,
        tags=TAG,
        summary="Completed transfers and licences of the city (count and amount)",
    )
    def get(self, request, city):
        require(self.actor, "deals.read_all")
        params = _params(i.FiguresParams, request.query_params)
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


# --- operations centres ----------------------------------------------------------------------------------


class CentreListApi(CityAPIView):
    serializer_class = s.CentreSerializer
    roles = {"get": EVERY_ROLE, "post": BUREAU_ROLES}

    @extend_schema(
        responses=s.CentreSerializer(many=True),
        tags=TAG,
        summary="Operations centres with the yearly deals credited to them",
    )
    def get(self, request, city):
        return Response(s.CentreSerializer(selectors.centres_overview(), many=True).data)

    @extend_schema(
        request=i.CentreCreateSerializer,
        responses={201: s.CentreModelSerializer},
        tags=TAG,
        summary="Bureau: register an IP operations centre run by one of the city's organisations",
    )
    def post(self, request, city):
        data = _valid(i.CentreCreateSerializer, request.data)
        organization = organization_get(data.pop("organization"))
        centre = services.centre_create(actor=self.actor, organization=organization, **data)
        return Response(s.CentreModelSerializer(centre).data, status=status.HTTP_201_CREATED)


class CentreMembersApi(CityAPIView):
    serializer_class = i.CentreMemberSerializer
    roles = BUREAU_ROLES
    model = OperationsCentre

    @extend_schema(
        request=i.CentreMemberSerializer,
        responses={201: i.CentreMemberSerializer},
        tags=TAG,
        summary="Bureau: add a member organisation; its deals are credited to the centre",
    )
    def post(self, request, city, pk):
        centre = selectors.centre_get(self.actor, pk)
        data = _valid(i.CentreMemberSerializer, request.data)
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
    serializer_class = i.CentreMemberSerializer
    roles = BUREAU_ROLES
    model = OperationsCentre

    @extend_schema(responses={204: None}, tags=TAG, summary="Bureau: remove a member organisation")
    def delete(self, request, city, pk, organization):
        centre = selectors.centre_get(self.actor, pk)
        services.centre_member_remove(
            actor=self.actor, centre=centre, organization=organization_get(organization)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- the public market: anyone, logged in or not (no city membership, no roles) ---------------------------


class PublicListingSearchApi(_RankedList, GenericAPIView):
    """The city's listings on the market."""

    queryset = Listing.objects.none()  # the schema's model; reads go through selectors
    permission_classes = [AllowAny]
    serializer_class = s.PublicListingSerializer

    @extend_schema(
        parameters=_query_params(i.ListingSearchParams),
        responses=_paginated(s.PublicListingSerializer),
        tags=["trading-public"],
        summary="Public search of the city's listings on the market",
        auth=[],
    )
    def get(self, request, city):
        params = _params(i.ListingSearchParams, request.query_params)
        result = selectors.listing_search(None, **params)
        return self.ranked_response(result, selectors.listing_rows, s.PublicListingSerializer)


class PublicListingDetailApi(GenericAPIView):
    """One listing on the market, with its due-diligence panel."""

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
        parameters=_query_params(i.NationalSearchParams),
        responses=_paginated(s.NationalListingSerializer),
        tags=["trading-public"],
        auth=[],
        summary="National marketplace: listings published nationally by every city",
    )
    def get(self, request):
        params = _params(i.NationalSearchParams, request.query_params)
        result = selectors.national_listings(**params)
        return self.ranked_response(result, selectors.national_page, s.NationalListingSerializer)
