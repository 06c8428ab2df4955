"""`POST /api/v1/auth/logout-all/` and `POST /api/v1/auth/reauth/`."""

from __future__ import annotations

from django.contrib.auth import authenticate, logout
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from ipops.errors import CoreErrorCode, PermissionDenied, ValidationFailed
from ipops.security import mfa, tokens
from ipops.security.lockout import lockout_response
from ipops.security.models import ApiToken


class LogoutAllResponseSerializer(serializers.Serializer):
    tokens = serializers.IntegerField(help_text="API tokens deleted")
    sessions = serializers.IntegerField(help_text="Browser sessions ended")


class LogoutAllApi(APIView):
    """Sign out everywhere: every API token of the caller (this one too) and every browser session end."""

    account = True

    @extend_schema(request=None, responses={200: LogoutAllResponseSerializer}, tags=["auth"])
    def post(self, request):
        user = request.user
        ended = tokens.sign_out_everywhere(user)
        if hasattr(request._request, "session"):
            logout(request._request)
        return Response(ended)


class ReauthRequestSerializer(serializers.Serializer):
    password = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    otp = serializers.CharField(required=False, allow_blank=True, max_length=10)


class ReauthResponseSerializer(serializers.Serializer):
    valid_until = serializers.DateTimeField(help_text="Money steps pass without asking again until then")


class ReauthApi(APIView):
    """Prove again who you are (your password, or a code of your authenticator app) before approving a
    loan, disbursing, approving or paying claims: the calling token (or session) counts as freshly
    authenticated for `REAUTH_WINDOW`. Wrong passwords count towards the lockout like at login."""

    account = True
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "reauth"

    @extend_schema(request=ReauthRequestSerializer, responses={200: ReauthResponseSerializer}, tags=["auth"])
    def post(self, request):
        data = ReauthRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = request.user
        password, code = data.validated_data.get("password"), data.validated_data.get("otp")
        if code:
            proven = mfa.check_code(user, code)
        elif password:
            django_request = request._request
            proven = authenticate(django_request, username=user.get_username(), password=password) is not None
            if getattr(django_request, "axes_locked_out", False):
                return lockout_response(django_request)
        else:
            raise ValidationFailed(
                _("Give your password or a code of your authenticator app."),
                code=CoreErrorCode.REQUIRED,
                fields={
                    "password": [{"code": CoreErrorCode.REQUIRED, "detail": _("A password is required.")}]
                },
            )
        if not proven:
            raise PermissionDenied(_("Wrong password or code."), code=CoreErrorCode.INVALID_CREDENTIALS)
        now = timezone.now()
        if isinstance(request.auth, ApiToken):
            ApiToken.objects.filter(pk=request.auth.pk).update(authenticated_at=now)
        else:
            mfa.mark_fresh(request._request)
        return Response({"valid_until": now + mfa.window()})
