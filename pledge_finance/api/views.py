"""Pledge-loan API under /api/v1/<city>/loans/. Views parse, call one service or selector, and serialise.

Each view declares the roles that may call each method (`PERMISSION_ROLES`, from the same rules the
services check); the loan's steps are one `object_action` each, their roles from the lifecycle's step.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from ipops.access import EVERY_ROLE
from ipops.api.base import CityAPIView, object_action
from ipops.errors import ValidationFailed
from pledge_finance import selectors, services
from pledge_finance.api import serializers as s
from pledge_finance.errors import PledgeErrorCode, ProductNotFound, ReserveNotOpen
from pledge_finance.lifecycles import LOAN
from pledge_finance.models import Loan, LoanProduct
from pledge_finance.permissions import PERMISSION_ROLES as ROLES

TAG = ["pledge loans"]


def _step_roles(action: str) -> frozenset[str]:
    """The roles that may take a step of the loan's lifecycle: those of its permission."""
    permission = LOAN.step(action).permission
    assert permission is not None, f"{action} is no step a person takes"
    return ROLES[permission]


def _loan_detail(actor, pk) -> dict:
    """The loan's file as it is now, with the steps the caller may take next."""
    loan = selectors.loan_file(actor, pk)
    return s.LoanDetailSerializer(loan, context={"actions": LOAN.available_names(actor, loan)}).data


def _product_for_application(actor, product_id):
    try:
        return selectors.product_get(actor, product_id)
    except ProductNotFound as exc:
        code = PledgeErrorCode.LOAN_PRODUCT_NOT_FOUND
        raise ValidationFailed(
            _("No such loan product."),
            code=code,
            fields={"product": [{"code": code, "detail": str(product_id)}]},
        ) from exc


def _application_kwargs(data: dict) -> dict:
    mapping = {
        "bank": "bank_id",
        "insurer": "insurer_id",
        "guarantor": "guarantor_id",
        "assets": "asset_ids",
        "amount": "amount",
        "term_months": "term_months",
        "purpose": "purpose",
    }
    return {mapping[k]: v for k, v in data.items() if k in mapping}


class LoanListCreateApi(CityAPIView):
    """Loans the caller may see (a bank: its own; an enterprise: its applications; the bureau: all)."""

    serializer_class = s.LoanOutputSerializer
    roles = {"get": ROLES["loan.view"], "post": ROLES["loan.create"]}

    @extend_schema(parameters=[s.LoanFilterSerializer], responses=s.LoanOutputSerializer(many=True), tags=TAG)
    def get(self, request, city):
        params = s.LoanFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        page = self.paginate_queryset(selectors.loan_list(self.actor, **params.validated_data))
        return self.get_paginated_response(s.LoanOutputSerializer(page, many=True).data)

    @extend_schema(
        request=s.LoanCreateSerializer,
        responses={201: s.LoanDetailSerializer},
        tags=TAG,
        summary="Start a pledge-loan application (draft)",
    )
    def post(self, request, city):
        data = s.LoanCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        product = _product_for_application(self.actor, fields.pop("product"))
        loan = services.loan_create(actor=self.actor, product=product, **_application_kwargs(fields))
        return Response(_loan_detail(self.actor, loan.pk), status=status.HTTP_201_CREATED)


class LoanDetailApi(CityAPIView):
    serializer_class = s.LoanDetailSerializer
    roles = {"get": ROLES["loan.view"], "patch": _step_roles("update")}
    model = Loan

    @extend_schema(
        responses=s.LoanDetailSerializer,
        tags=TAG,
        summary="A loan with its assets, decisions, schedule, repayments, allocation, timeline and the "
        "steps the caller may take",
    )
    def get(self, request, city, pk):
        return Response(_loan_detail(self.actor, pk))

    @extend_schema(
        request=s.LoanUpdateSerializer,
        responses=s.LoanDetailSerializer,
        tags=TAG,
        summary="Change a draft application",
    )
    def patch(self, request, city, pk):
        loan = selectors.loan_get(self.actor, pk)
        data = s.LoanUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        changes.pop("product", None)
        services.loan_update(actor=self.actor, loan=loan, **_application_kwargs(changes))
        return Response(_loan_detail(self.actor, pk))


def _loan_action(name, step, service, *, summary, request=None, created=False):
    """One step of the loan's lifecycle: the service, its input, and the loan as it is afterwards."""
    return object_action(
        name,
        load=selectors.loan_get,
        service=service,
        target="loan",
        respond=_loan_detail,
        response=s.LoanDetailSerializer,
        request=request,
        created=created,
        summary=summary,
        tags=TAG,
        roles=_step_roles(step),
        model=Loan,
    )


LoanSubmitApi = _loan_action(
    "LoanSubmitApi",
    "submit",
    services.loan_submit,
    summary="Submit a draft; the assets are held for the pledge (409 asset_already_pledged)",
)
LoanWithdrawApi = _loan_action(
    "LoanWithdrawApi",
    "withdraw",
    services.loan_withdraw,
    request=s.WithdrawSerializer,
    summary="Withdraw an application before it is decided",
)
LoanValuationApi = _loan_action(
    "LoanValuationApi",
    "value",
    services.loan_record_valuation,
    request=s.ValuationSerializer,
    summary="Appraiser: record the appraised value (400 amount_exceeds_ltv)",
)
LoanDecisionApi = _loan_action(
    "LoanDecisionApi",
    "decide",
    services.loan_decide,
    request=s.DecisionInputSerializer,
    created=True,
    summary="Bank, insurer or guarantor: approve or reject, once, for itself",
)
LoanDisburseApi = _loan_action(
    "LoanDisburseApi",
    "disburse",
    services.loan_disburse,
    request=s.DisburseSerializer,
    summary="Bank: contract, CNIPA pledge registration and disbursement; generates the schedule",
)
LoanRepaymentApi = _loan_action(
    "LoanRepaymentApi",
    "repay",
    services.loan_record_repayment,
    request=s.RepaymentInputSerializer,
    created=True,
    summary="Bank: record a repayment; the last one closes the loan and releases the pledge",
)


class LoanFeesApi(CityAPIView):
    """The fees the enterprise paid on a loan: everyone who sees the loan reads them; its bank records them."""

    serializer_class = s.FeeSerializer
    roles = {"get": ROLES["loan.view"], "post": _step_roles("record_fee")}
    model = Loan

    @extend_schema(
        responses=s.FeeSerializer(many=True),
        tags=TAG,
        summary="The fees paid on a loan (premium, guarantee, appraisal, intermediary), oldest first",
    )
    def get(self, request, city, pk):
        loan = selectors.loan_get(self.actor, pk)
        page = self.paginate_queryset(selectors.loan_fees(loan))
        return self.get_paginated_response(s.FeeSerializer(page, many=True).data)

    @extend_schema(
        request=s.FeeInputSerializer,
        responses={201: s.FeeSerializer},
        tags=TAG,
        summary="Bank: record a fee the enterprise paid on a disbursed or repaid loan, from its invoice "
        "(400 duplicate_invoice, before_application)",
    )
    def post(self, request, city, pk):
        loan = selectors.loan_get(self.actor, pk)
        data = s.FeeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fee = services.loan_fee_record(actor=self.actor, loan=loan, **data.validated_data)
        return Response(s.FeeSerializer(fee).data, status=status.HTTP_201_CREATED)


LoanDefaultApi = _loan_action(
    "LoanDefaultApi",
    "default",
    services.loan_declare_default,
    request=s.DefaultSerializer,
    summary="Bank: declare default; allocates the loss and draws on the risk reserve",
)
LoanRecoveryApi = _loan_action(
    "LoanRecoveryApi",
    "recover",
    services.loan_record_recovery,
    request=s.RecoveryInputSerializer,
    created=True,
    summary="Bank: record a recovery after default, shared back by the loan's shares",
)
LoanReleasePledgeApi = _loan_action(
    "LoanReleasePledgeApi",
    "release_pledge",
    services.loan_release_pledge,
    request=s.ReleaseSerializer,
    summary="Bank: release the pledge of a defaulted loan",
)


# --- products ---------------------------------------------------------------------------


class ProductListCreateApi(CityAPIView):
    """Loan products: the bureau and officials see every one, everyone else those open for applications."""

    serializer_class = s.ProductOutputSerializer
    roles = {"get": EVERY_ROLE, "post": ROLES["product.manage"]}

    @extend_schema(
        responses=s.ProductOutputSerializer(many=True), tags=TAG, summary="Loan products of the city"
    )
    def get(self, request, city):
        page = self.paginate_queryset(selectors.product_list(self.actor))
        return self.get_paginated_response(s.ProductOutputSerializer(page, many=True).data)

    @extend_schema(
        request=s.ProductInputSerializer,
        responses={201: s.ProductOutputSerializer},
        tags=TAG,
        summary="Bureau: create a loan product (shares must total exactly 1)",
    )
    def post(self, request, city):
        data = s.ProductInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        product = services.product_create(actor=self.actor, institutions=fields.pop("institutions"), **fields)
        return Response(
            s.ProductOutputSerializer(selectors.product_get(self.actor, product.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class ProductDetailApi(CityAPIView):
    serializer_class = s.ProductOutputSerializer
    roles = {"get": EVERY_ROLE, "patch": ROLES["product.manage"]}
    model = LoanProduct

    @extend_schema(responses=s.ProductOutputSerializer, tags=TAG)
    def get(self, request, city, pk):
        return Response(s.ProductOutputSerializer(selectors.product_get(self.actor, pk)).data)

    @extend_schema(
        request=s.ProductUpdateSerializer,
        responses=s.ProductOutputSerializer,
        tags=TAG,
        summary="Bureau: edit a product (approved loans keep their copied shares)",
    )
    def patch(self, request, city, pk):
        product = selectors.product_get(self.actor, pk)
        data = s.ProductUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        services.product_update(
            actor=self.actor, product=product, institutions=fields.pop("institutions", None), **fields
        )
        return Response(s.ProductOutputSerializer(selectors.product_get(self.actor, pk)).data)


# --- reserve ----------------------------------------------------------------------------


def _reserve():
    reserve = selectors.reserve_get()
    if reserve is None:
        raise ReserveNotOpen()
    return reserve


class ReserveApi(CityAPIView):
    """The city's risk compensation reserve (风险补偿准备金): bureau staff and officials."""

    serializer_class = s.ReserveSerializer
    roles = {
        "get": ROLES["reserve.view"],
        "post": ROLES["reserve.manage"],
        "patch": ROLES["reserve.manage"],
    }

    @extend_schema(responses=s.ReserveSerializer, tags=TAG)
    def get(self, request, city):
        return Response(s.ReserveSerializer(_reserve()).data)

    @extend_schema(
        request=s.ReserveOpenSerializer,
        responses={201: s.ReserveSerializer},
        tags=TAG,
        summary="Bureau: open the reserve with its opening balance",
    )
    def post(self, request, city):
        data = s.ReserveOpenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reserve = services.reserve_open(actor=self.actor, **data.validated_data)
        return Response(s.ReserveSerializer(reserve).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.ReserveUpdateSerializer,
        responses=s.ReserveSerializer,
        tags=TAG,
        summary="Bureau: change the share of each institution's loss the reserve reimburses",
    )
    def patch(self, request, city):
        data = s.ReserveUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            s.ReserveSerializer(services.reserve_update(actor=self.actor, **data.validated_data)).data
        )


class ReserveLedgerApi(CityAPIView):
    serializer_class = s.ReserveEntrySerializer
    roles = {"get": ROLES["reserve.view"], "post": ROLES["reserve.manage"]}

    @extend_schema(
        responses=s.ReserveEntrySerializer(many=True),
        tags=TAG,
        summary="Every movement of the reserve in the order it happened (by date, then booking), with the "
        "running balance",
    )
    def get(self, request, city):
        page = self.paginate_queryset(selectors.reserve_ledger(_reserve()))
        return self.get_paginated_response(s.ReserveEntrySerializer(page, many=True).data)

    @extend_schema(
        request=s.TopUpSerializer,
        responses={201: s.ReserveEntrySerializer},
        tags=TAG,
        summary="Bureau: top up the reserve",
    )
    def post(self, request, city):
        data = s.TopUpSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.reserve_top_up(actor=self.actor, **data.validated_data)
        return Response(
            s.ReserveEntrySerializer(selectors.reserve_entry(_reserve(), entry.pk)).data,
            status=status.HTTP_201_CREATED,
        )
