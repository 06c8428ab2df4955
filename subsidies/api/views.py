"""Subsidies API under /api/v1/<city>/policies/ and /api/v1/<city>/claims/. Views parse, call one service or
selector, and serialise.

Each view declares the roles that may call each method (`PERMISSION_ROLES`, from the same rules the
services check); a claim's steps are one `object_action` each, their roles from the lifecycle's step. The
public notice and the objections lodged against it need no login (`public.py`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from ipops import clock
from ipops.api.base import CityAPIView, object_action, validated
from ipops.errors import ValidationFailed
from subsidies import rules, selectors, services
from subsidies.api import reads
from subsidies.api import serializers as s
from subsidies.errors import PolicyNotFound, SubsidyErrorCode
from subsidies.lifecycles import CLAIM
from subsidies.models import Claim, ClaimState, Objection, PaymentBatch, Policy
from subsidies.permissions import PERMISSION_ROLES as ROLES
from subsidies.services.catalogue import rule_error

POLICY_TAG = ["subsidy policies"]
CLAIM_TAG = ["subsidy claims"]
BUREAU = ROLES["claim.review"]


def _step_roles(action: str) -> frozenset[str]:
    """The roles that may take a step of the claim's lifecycle: those of its permission."""
    permission = CLAIM.step(action).permission
    assert permission is not None, f"{action} is no step a person takes"
    return ROLES[permission]


# --- the catalogue -------------------------------------------------------------------------------------


def _policy(actor, pk) -> dict:
    return s.PolicySerializer(reads.policy_get(actor, pk)).data


class PolicyListCreateApi(CityAPIView):
    """The policy catalogue: the bureau and officials see every policy, everyone else the active ones."""

    serializer_class = s.PolicySerializer
    roles = {"get": ROLES["policy.view"], "post": ROLES["policy.manage"]}

    @extend_schema(
        responses=s.PolicySerializer(many=True), tags=POLICY_TAG, summary="The policies the caller sees"
    )
    def get(self, request, city):
        page = self.paginate_queryset(selectors.policies(self.actor))
        return self.get_paginated_response(s.PolicySerializer(page, many=True).data)

    @extend_schema(
        request=s.PolicyInputSerializer,
        responses={201: s.PolicySerializer},
        tags=POLICY_TAG,
        summary="Bureau: add a policy to the catalogue (400 invalid_rule_parameter, 409 policy_code_taken)",
    )
    def post(self, request, city):
        policy = services.policy_save(actor=self.actor, data=validated(s.PolicyInputSerializer, request.data))
        return Response(_policy(self.actor, policy.pk), status=status.HTTP_201_CREATED)


class PolicyDetailApi(CityAPIView):
    serializer_class = s.PolicySerializer
    roles = {"get": ROLES["policy.view"], "patch": ROLES["policy.manage"]}
    model = Policy

    @extend_schema(responses=s.PolicySerializer, tags=POLICY_TAG)
    def get(self, request, city, pk):
        return Response(_policy(self.actor, pk))

    @extend_schema(
        request=s.PolicyUpdateSerializer,
        responses=s.PolicySerializer,
        tags=POLICY_TAG,
        summary="Bureau: change a policy (every version kept); claims already approved keep their amounts",
    )
    def patch(self, request, city, pk):
        policy = reads.policy_get(self.actor, pk)
        services.policy_save(
            actor=self.actor, policy=policy, data=validated(s.PolicyUpdateSerializer, request.data)
        )
        return Response(_policy(self.actor, pk))


class CalculatorApi(CityAPIView):
    """政策计算器: what every open policy would pay the calling organisation today."""

    serializer_class = s.CalculatorSerializer
    roles = {"get": ROLES["claim.apply"]}

    @extend_schema(
        responses=s.CalculatorSerializer,
        tags=POLICY_TAG,
        summary="Claimant: every open policy with what it would pay today by the same rules claims use, the "
        "cases the records give, each level's amount, or why not",
    )
    def get(self, request, city):
        organization = self.actor.organization
        offers = selectors.calculator(self.actor) if organization is not None else []
        return Response(
            s.CalculatorSerializer(
                {"organization": organization, "as_of": clock.today(), "offers": offers}
            ).data
        )


class SandboxApi(CityAPIView):
    """政策沙盘: what a change of a policy's parameters would cost; nothing is written."""

    serializer_class = s.SandboxSerializer
    roles = {"post": ROLES["policy.manage"]}
    model = Policy

    @extend_schema(
        request=s.SandboxInputSerializer,
        responses={200: s.SandboxSerializer},
        tags=POLICY_TAG,
        summary="Bureau: try other rule parameters (and caps) on last year's claims and this year's "
        "entitled organisations; nothing is written (400 invalid_rule_parameter)",
    )
    def post(self, request, city, pk):
        policy = reads.policy_get(self.actor, pk)
        data = validated(s.SandboxInputSerializer, request.data)
        params = dict(data["params"])
        for cap in ("claim_cap", "year_cap"):
            if cap in data:
                params[cap] = data[cap]
        try:
            result = selectors.sandbox(self.actor, policy, params)
        except rules.RuleError as exc:
            raise rule_error(exc, "params.") from exc
        return Response(s.SandboxSerializer(result).data)


class BudgetUseApi(CityAPIView):
    serializer_class = s.BudgetUseSerializer
    roles = {"get": ROLES["claim.view_all"]}

    @extend_schema(
        parameters=[s.BudgetUseParams],
        responses=s.BudgetUseSerializer,
        tags=POLICY_TAG,
        summary="Each policy's approved and paid amounts in the year against its annual budget and quota",
    )
    def get(self, request, city):
        year = validated(s.BudgetUseParams, request.query_params).get("year") or clock.today().year
        return Response(
            s.BudgetUseSerializer(
                {"year": year, "policies": selectors.budget_use(self.actor, year=year)}
            ).data
        )


# --- claims --------------------------------------------------------------------------------------------


def _claim_detail(actor, pk) -> dict:
    """The claim as it is now, with its computation and the steps the caller may take next."""
    claim = reads.claim_get(actor, pk)
    own = actor.organization_id is not None and actor.organization_id == claim.organization_id
    return s.ClaimDetailSerializer(
        claim,
        context={
            "actions": CLAIM.available_names(actor, claim),
            "bank_account": (claim.bank_account or None) if own else None,
            "open_objections": claim.objections.filter(resolved_at__isnull=True).count(),
        },
    ).data


def _policy_to_claim(actor, policy_id: int) -> Policy:
    try:
        return reads.policy_get(actor, policy_id)
    except PolicyNotFound as exc:
        code = SubsidyErrorCode.POLICY_NOT_FOUND
        raise ValidationFailed(
            _("No such policy."), code=code, fields={"policy": [{"code": code, "detail": str(policy_id)}]}
        ) from exc


class ClaimListCreateApi(CityAPIView):
    """Claims: a claimant sees its own, the bureau and officials every claim of the city."""

    serializer_class = s.ClaimSerializer
    roles = {"get": ROLES["claim.view"], "post": ROLES["claim.apply"]}

    @extend_schema(
        parameters=[s.ClaimFilterSerializer],
        responses=s.ClaimSerializer(many=True),
        tags=CLAIM_TAG,
        summary="The claims the caller sees, newest first",
    )
    def get(self, request, city):
        filters = validated(s.ClaimFilterSerializer, request.query_params)
        page = self.paginate_queryset(reads.claims(self.actor, **filters))
        return self.get_paginated_response(s.ClaimSerializer(page, many=True).data)

    @extend_schema(
        request=s.ClaimStartSerializer,
        responses={201: s.ClaimDetailSerializer},
        tags=CLAIM_TAG,
        summary="Claimant: start a claim (a draft) under an open policy; the amount is computed at once "
        "(409 duplicate_claim, not_eligible, policy_closed)",
    )
    def post(self, request, city):
        data = validated(s.ClaimStartSerializer, request.data)
        policy = _policy_to_claim(self.actor, data["policy"])
        claim = services.claim_start(actor=self.actor, policy=policy, inputs=dict(data.get("inputs") or {}))
        return Response(_claim_detail(self.actor, claim.pk), status=status.HTTP_201_CREATED)


class ClaimDetailApi(CityAPIView):
    serializer_class = s.ClaimDetailSerializer
    roles = {"get": ROLES["claim.view"], "patch": _step_roles("update")}
    model = Claim

    @extend_schema(
        responses=s.ClaimDetailSerializer,
        tags=CLAIM_TAG,
        summary="A claim with its computation step by step, its notice dates and the steps the caller may "
        "take; the bank account whole to the claimant only",
    )
    def get(self, request, city, pk):
        return Response(_claim_detail(self.actor, pk))

    @extend_schema(
        request=s.ClaimUpdateSerializer,
        responses=s.ClaimDetailSerializer,
        tags=CLAIM_TAG,
        summary="Claimant: change the declaration of a draft or returned claim (recomputed at once)",
    )
    def patch(self, request, city, pk):
        claim = reads.claim_get(self.actor, pk)
        data = validated(s.ClaimUpdateSerializer, request.data)
        services.claim_update(actor=self.actor, claim=claim, inputs=dict(data["inputs"]))
        return Response(_claim_detail(self.actor, pk))


def _claim_action(name, step, service, *, summary, request=None):
    """One step of the claim's lifecycle: the service, its input, and the claim as it is afterwards."""
    return object_action(
        name,
        load=reads.claim_get,
        service=service,
        target="claim",
        respond=_claim_detail,
        response=s.ClaimDetailSerializer,
        request=request,
        summary=summary,
        tags=CLAIM_TAG,
        roles=_step_roles(step),
        model=Claim,
    )


ClaimSubmitApi = _claim_action(
    "ClaimSubmitApi",
    "submit",
    services.claim_submit,
    request=s.BankSerializer,
    summary="Claimant: submit a draft or returned claim with the bank account the award is paid to",
)
ClaimConfirmApi = _claim_action(
    "ClaimConfirmApi",
    "confirm",
    services.claim_confirm,
    request=s.ConfirmSerializer,
    summary="Claimant: 免申即享 — confirm the bank account of a claim the platform filled in",
)
ClaimWithdrawApi = _claim_action(
    "ClaimWithdrawApi",
    "withdraw",
    services.claim_withdraw,
    summary="Claimant: withdraw a claim before it is decided",
)
ClaimReturnApi = _claim_action(
    "ClaimReturnApi",
    "return",
    services.claim_return,
    request=s.ReasonSerializer,
    summary="Bureau: return a submitted claim for more information, saying what is missing",
)
ClaimApproveApi = _claim_action(
    "ClaimApproveApi",
    "approve",
    services.claim_approve,
    request=s.ApproveSerializer,
    summary="Bureau: approve with the rule's amount, or less with a reason (400 amount_above_rule); the "
    "award goes into public notice (409 policy_budget_exhausted, policy_quota_exhausted)",
)
ClaimRejectApi = _claim_action(
    "ClaimRejectApi",
    "reject",
    services.claim_reject,
    request=s.ReasonSerializer,
    summary="Bureau: reject a submitted claim, with the reason",
)


class QueueCountsApi(CityAPIView):
    serializer_class = s.QueueCountsSerializer
    roles = {"get": BUREAU}

    @extend_schema(
        responses=s.QueueCountsSerializer,
        tags=CLAIM_TAG,
        summary="Bureau: how many claims are in each state (the review queue's filters)",
    )
    def get(self, request, city):
        counts = selectors.queue_counts(self.actor)
        return Response(
            s.QueueCountsSerializer({state: counts.get(state, 0) for state in ClaimState.values}).data
        )


class AutomaticRunApi(CityAPIView):
    """免申即享 now: what the nightly task does, on the staff's button."""

    serializer_class = s.AutomaticRunSerializer
    roles = {"post": BUREAU}

    @extend_schema(
        request=None,
        responses={200: s.AutomaticRunSerializer},
        tags=CLAIM_TAG,
        summary="Bureau: create now the claims the platform's records entitle organisations to under "
        "automatic policies (never twice)",
    )
    def post(self, request, city):
        created = services.automatic_run(city=self.actor.city, actor=self.actor)
        return Response(s.AutomaticRunSerializer({"created": created}).data)


# --- objections ----------------------------------------------------------------------------------------


class ObjectionListApi(CityAPIView):
    serializer_class = s.ObjectionSerializer
    roles = {"get": BUREAU}

    @extend_schema(
        parameters=[s.ObjectionFilterSerializer],
        responses=s.ObjectionSerializer(many=True),
        tags=CLAIM_TAG,
        summary="Bureau: objections lodged during public notice, the unresolved first",
    )
    def get(self, request, city):
        filters = validated(s.ObjectionFilterSerializer, request.query_params)
        rows = reads.objections(self.actor, open_only=filters["open"], claim=filters.get("claim"))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.ObjectionSerializer(page, many=True).data)


ObjectionResolveApi = object_action(
    "ObjectionResolveApi",
    load=reads.objection_get,
    service=services.objection_resolve,
    target="objection",
    respond=lambda actor, pk: s.ObjectionSerializer(reads.objection_get(actor, pk)).data,
    response=s.ObjectionSerializer,
    request=s.ResolveSerializer,
    summary="Bureau: resolve an objection — upheld, the award is rejected and its budget freed; dismissed, "
    "it goes back to notice once no objection is open (409 objection_already_resolved)",
    tags=CLAIM_TAG,
    roles=BUREAU,
    model=Objection,
)


# --- payment batches -----------------------------------------------------------------------------------


def _batch_detail(actor, pk) -> dict:
    batch = reads.batch_get(actor, pk)
    return s.PaymentBatchDetailSerializer(batch, context={"claims": reads.batch_claims(batch)}).data


class BatchListCreateApi(CityAPIView):
    serializer_class = s.PaymentBatchSerializer
    roles = {"get": BUREAU, "post": BUREAU}

    @extend_schema(
        responses=s.PaymentBatchSerializer(many=True),
        tags=CLAIM_TAG,
        summary="Bureau: payment batches, newest first",
    )
    def get(self, request, city):
        page = self.paginate_queryset(reads.batches(self.actor))
        return self.get_paginated_response(s.PaymentBatchSerializer(page, many=True).data)

    @extend_schema(
        request=s.BatchInputSerializer,
        responses={201: s.PaymentBatchDetailSerializer},
        tags=CLAIM_TAG,
        summary="Bureau: pay payable claims in one batch booked against the special budget; a batch that "
        "would overspend is refused whole (409 nothing_payable, source_exhausted)",
    )
    def post(self, request, city):
        batch = services.batch_pay(actor=self.actor, **validated(s.BatchInputSerializer, request.data))
        return Response(_batch_detail(self.actor, batch.pk), status=status.HTTP_201_CREATED)


class BatchDetailApi(CityAPIView):
    serializer_class = s.PaymentBatchDetailSerializer
    roles = {"get": BUREAU}
    model = PaymentBatch

    @extend_schema(
        responses=s.PaymentBatchDetailSerializer,
        tags=CLAIM_TAG,
        summary="Bureau: a batch with its payment list (organisation, whole account number, amount)",
    )
    def get(self, request, city, pk):
        return Response(_batch_detail(self.actor, pk))
