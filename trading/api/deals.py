"""Marketplace API: offers, negotiations, deals, the city's deal figures and the operations centres.
Views parse, call one service or selector, and serialise; roles and models as in `views.py`."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from ipops.access import ASSET_HOLDER_ROLES, BUREAU_ROLES, CITY_READER_ROLES, EVERY_ROLE
from ipops.api.base import CityAPIView, object_action
from ipops.selectors.organisations import organization_get

from .. import selectors, services
from ..models import Listing, Negotiation, Offer, OperationsCentre, Transaction
from ..permissions import require
from . import inputs as i
from . import serializers as s
from .common import DEAL_READERS, MODERATORS, TAG, detail, parsed, query_parameters, validated

# --- offers and negotiations ---------------------------------------------------------------------------


def offer_detail(actor, pk) -> dict:
    return detail(s.OfferDetailSerializer, actor, selectors.offer_get(actor, pk))


class OfferListApi(CityAPIView):
    serializer_class = s.OfferSerializer
    roles = DEAL_READERS

    @extend_schema(
        parameters=query_parameters(i.OfferListParams),
        responses=s.OfferSerializer(many=True),
        tags=TAG,
        summary="Offers in your negotiations (side=buyer: yours as buyer; side=seller: on your listings)",
    )
    def get(self, request, city):
        params = parsed(i.OfferListParams, request.query_params)
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
        data = parsed(i.OfferInputSerializer, request.data)
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
    return detail(s.NegotiationDetailSerializer, actor, selectors.negotiation_get(actor, pk))


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
        negotiation = selectors.negotiation_get(self.actor, pk)  # 404 before judging the input
        data = parsed(i.MessageInputSerializer, request.data)
        message = services.message_post(actor=self.actor, negotiation=negotiation, body=data["body"])
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
    return detail(s.TransactionDetailSerializer, actor, selectors.transaction_get(actor, pk))


class TransactionListApi(CityAPIView):
    serializer_class = s.TransactionSerializer
    roles = DEAL_READERS

    @extend_schema(
        parameters=query_parameters(i.TransactionListParams),
        responses=s.TransactionSerializer(many=True),
        tags=TAG,
        summary="Your deals (bureau staff and officials: every deal of the city)",
    )
    def get(self, request, city):
        params = parsed(i.TransactionListParams, request.query_params)
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
        parameters=query_parameters(i.FiguresParams),
        responses=s.FiguresSerializer,
        tags=TAG,
        summary="Completed transfers and licences of the city (count and amount)",
    )
    def get(self, request, city):
        require(self.actor, "deals.read_all")
        params = parsed(i.FiguresParams, request.query_params)
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
        page = self.paginate_queryset(selectors.centres_overview())
        return self.get_paginated_response(s.CentreSerializer(page, many=True).data)

    @extend_schema(
        request=i.CentreCreateSerializer,
        responses={201: s.CentreModelSerializer},
        tags=TAG,
        summary="Bureau: register an IP operations centre run by one of the city's organisations",
    )
    def post(self, request, city):
        data = validated(i.CentreCreateSerializer, request.data)
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
        data = validated(i.CentreMemberSerializer, request.data)
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
        data = parsed(i.OfferInputSerializer, request.data)
        offer = services.offer_make(actor=self.actor, listing=listing, **data)
        return Response(offer_detail(self.actor, offer.pk), status=status.HTTP_201_CREATED)
