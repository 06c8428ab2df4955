"""Registry and auth API. Views parse, call one service or selector, and serialise."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from ipops.access import ASSET_HOLDER_ROLES, BUREAU_ROLES, CITY_READER_ROLES, EVERY_ROLE
from ipops.api.base import CityAPIView, object_action
from ipops.api.serializers import (
    AssetDetailSerializer,
    AssetInputSerializer,
    AssetOutputSerializer,
    AssetUpdateSerializer,
    MemberAdminSerializer,
    MemberInputSerializer,
    MemberPasswordSerializer,
    MemberSerializer,
    OrganizationInputSerializer,
    OrganizationSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
)
from ipops.errors import CoreErrorCode, IpopsErrorCode, PermissionDenied, ValidationFailed, field_error
from ipops.ids import InvalidIdentifier
from ipops.models import AssetKind, Industry, IPAsset, LegalStatus, Membership, Organization, OrgKind, Role
from ipops.permissions import require
from ipops.security import mfa, tokens
from ipops.security.lockout import lockout_response
from ipops.selectors.organisations import membership_get, membership_list, organization_get
from ipops.selectors.registry import asset_get, asset_list
from ipops.services.organisations import (
    member_add,
    member_remove,
    member_reset_password,
    member_set_admin,
    organization_create,
)
from ipops.services.registry import asset_create, asset_update


class TokenApi(APIView):
    """Exchange a username and password (and a TOTP code, for a user with a second factor) for a new API
    token (banks' and city systems' integrations). Each call issues its own token; it ends after
    `API_TOKEN_IDLE_TIMEOUT` unused or `API_TOKEN_MAX_AGE` after issue, whichever is first."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    # A flood is slowed per client address (`TOKEN_THROTTLE`); axes locks the username and the address
    # after AXES_FAILURE_LIMIT failures (429 `account_locked`).
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"
    public = True

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenResponseSerializer}, tags=["auth"])
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        credentials = dict(data.validated_data)
        code = credentials.pop("otp", "")
        # The Django request, so axes counts the failure and flags a lockout on what its middleware sees.
        user = authenticate(request._request, **credentials)
        if getattr(request._request, "axes_locked_out", False):
            return lockout_response(request._request)
        if user is None or not user.is_active:
            raise PermissionDenied(_("Wrong username or password."), code=CoreErrorCode.INVALID_CREDENTIALS)
        mfa.check_second_factor(user, code)
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        key = tokens.issue_token(user)
        return Response({"token": key, "expires_at": tokens.expires_at(timezone.now())})


class AssetQuerySerializer(serializers.Serializer):
    """The list's query parameters; the selector applies them."""

    q = serializers.CharField(required=False, help_text="Text in title, number or owner name")
    kind = serializers.ChoiceField(choices=AssetKind.choices, required=False)
    legal_status = serializers.ChoiceField(choices=LegalStatus.choices, required=False)
    industry = serializers.ChoiceField(choices=Industry.choices, required=False)
    ipc = serializers.CharField(required=False, help_text="IPC prefix, e.g. H04L or H04L 29/06")
    owner = serializers.IntegerField(required=False)
    is_pct = serializers.BooleanField(required=False, allow_null=True, default=None)


def _owner_for(actor, owner_id):
    return None if owner_id is None else organization_get(owner_id)


#: Who registers and edits assets: the holders (their own) and the bureau (anyone's).
ASSET_WRITERS = ASSET_HOLDER_ROLES | BUREAU_ROLES


class AssetListCreateApi(CityAPIView):
    serializer_class = AssetOutputSerializer
    roles = {"get": EVERY_ROLE, "post": ASSET_WRITERS}

    @extend_schema(
        parameters=[AssetQuerySerializer],
        responses=AssetOutputSerializer(many=True),
        tags=["registry"],
    )
    def get(self, request, city):
        query = AssetQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = {k: v for k, v in query.validated_data.items() if v not in (None, "")}
        try:
            queryset = asset_list(self.actor, **params)
        except InvalidIdentifier as exc:
            raise ValidationFailed(exc.message, code=exc.code, fields=field_error("ipc", exc)) from exc
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(AssetOutputSerializer(page, many=True).data)

    @extend_schema(request=AssetInputSerializer, responses={201: AssetDetailSerializer}, tags=["registry"])
    def post(self, request, city):
        data = AssetInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        owner = _owner_for(self.actor, fields.pop("owner", None))
        asset = asset_create(actor=self.actor, owner=owner, **fields)
        return Response(AssetDetailSerializer(asset).data, status=status.HTTP_201_CREATED)


class AssetDetailApi(CityAPIView):
    serializer_class = AssetDetailSerializer
    model = IPAsset
    roles = {"get": EVERY_ROLE, "patch": ASSET_WRITERS}

    @extend_schema(responses=AssetDetailSerializer, tags=["registry"])
    def get(self, request, city, pk):
        return Response(AssetDetailSerializer(asset_get(self.actor, pk)).data)

    @extend_schema(request=AssetUpdateSerializer, responses=AssetDetailSerializer, tags=["registry"])
    def patch(self, request, city, pk):
        asset = asset_get(self.actor, pk)
        data = AssetUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if "owner" in changes:
            raise PermissionDenied(
                _("Ownership changes only through a completed assignment."),
                code=IpopsErrorCode.OWNER_NOT_EDITABLE,
            )
        asset = asset_update(actor=self.actor, asset=asset, **changes)
        return Response(AssetDetailSerializer(asset).data)


class OrganizationListCreateApi(CityAPIView):
    """The city's organisations: bureau and officials read them; the bureau admin registers them."""

    serializer_class = OrganizationSerializer
    roles = {"get": CITY_READER_ROLES, "post": {Role.BUREAU_ADMIN}}

    @extend_schema(responses=OrganizationSerializer(many=True), tags=["organisations"])
    def get(self, request, city):
        require(self.actor, "organization.view")
        page = self.paginate_queryset(Organization.objects.order_by("kind", "name"))
        return self.get_paginated_response(OrganizationSerializer(page, many=True).data)

    @extend_schema(
        request=OrganizationInputSerializer, responses={201: OrganizationSerializer}, tags=["organisations"]
    )
    def post(self, request, city):
        data = OrganizationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        org = organization_create(actor=self.actor, **data.validated_data)
        return Response(OrganizationSerializer(org).data, status=status.HTTP_201_CREATED)


class MemberQuerySerializer(serializers.Serializer):
    """The member list's query parameters; the selector applies them."""

    q = serializers.CharField(required=False, help_text="Text in username, display name or organisation name")
    organization = serializers.IntegerField(required=False)
    kind = serializers.ChoiceField(choices=OrgKind.choices, required=False, help_text="Organisation kind")
    is_admin = serializers.BooleanField(required=False, allow_null=True, default=None)


#: Who manages people: the bureau admin (anyone's), an organisation's admin of any kind (its own). Bureau
#: staff are never an organisation's admin (the bureau's admins are the bureau admin role) and officials
#: only read.
PEOPLE_MANAGERS = EVERY_ROLE - {Role.BUREAU_STAFF, Role.OFFICIAL}


def _member_now(actor, pk) -> dict:
    return MemberSerializer(membership_get(actor, pk)).data


class MemberListCreateApi(CityAPIView):
    """The city's people: the bureau and officials read everyone, others their own organisation's members;
    the bureau admin adds people to any organisation, an organisation's admin to their own."""

    serializer_class = MemberSerializer
    roles = {"get": EVERY_ROLE, "post": PEOPLE_MANAGERS}

    @extend_schema(parameters=[MemberQuerySerializer], responses=MemberSerializer(many=True), tags=["people"])
    def get(self, request, city):
        query = MemberQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = {k: v for k, v in query.validated_data.items() if v not in (None, "")}
        page = self.paginate_queryset(membership_list(self.actor, **params))
        return self.get_paginated_response(MemberSerializer(page, many=True).data)

    @extend_schema(
        request=MemberInputSerializer,
        responses={201: MemberSerializer},
        tags=["people"],
        summary="Add a person to an organisation of this city (409 member_exists)",
    )
    def post(self, request, city):
        data = MemberInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        organization = organization_get(fields.pop("organization"))
        membership = member_add(actor=self.actor, organization=organization, **fields)
        return Response(_member_now(self.actor, membership.pk), status=status.HTTP_201_CREATED)


class MemberDetailApi(CityAPIView):
    """One member of this city (404 for another city's); removing them ends their access to the city."""

    serializer_class = MemberSerializer
    model = Membership
    roles = {"get": EVERY_ROLE, "delete": PEOPLE_MANAGERS}

    @extend_schema(responses=MemberSerializer, tags=["people"])
    def get(self, request, city, pk):
        return Response(_member_now(self.actor, pk))

    @extend_schema(
        responses={204: None},
        tags=["people"],
        summary="End the person's access to this city (409 last_bureau_admin)",
    )
    def delete(self, request, city, pk):
        member_remove(actor=self.actor, membership=membership_get(self.actor, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


MemberAdminApi = object_action(
    "MemberAdminApi",
    load=membership_get,
    roles=PEOPLE_MANAGERS,
    model=Membership,
    service=member_set_admin,
    target="membership",
    respond=_member_now,
    response=MemberSerializer,
    request=MemberAdminSerializer,
    tags=["people"],
    summary="Grant or revoke the organisation-admin flag (409 last_bureau_admin)",
)
MemberPasswordApi = object_action(
    "MemberPasswordApi",
    load=membership_get,
    roles=PEOPLE_MANAGERS,
    model=Membership,
    service=member_reset_password,
    target="membership",
    respond=_member_now,
    response=MemberSerializer,
    request=MemberPasswordSerializer,
    tags=["people"],
    summary="Set a new password and revoke the API token (403 member_in_other_city)",
)
