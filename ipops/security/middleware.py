"""Gates on the way to a view: the second factor a session still owes, and re-authentication before the
steps that move money (`REAUTH_PROTECTED`)."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from ipops.errors import CoreErrorCode
from ipops.security import mfa, tokens
from ipops.security.errors import AccountErrorCode

API_PREFIX = "/api/"
#: Where a session that still owes its second factor may go.
_OPEN_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/mfa/",
    "/static/",
    "/i18n/",
    "/jsi18n/",
    "/favicon.ico",
    "/healthz/",
)


def _json(code, detail, status):
    return JsonResponse({"code": code, "detail": detail, "fields": {}}, status=status)


class SecondFactorMiddleware:
    """A session whose login owes a TOTP code (`mfa.start_session`) reaches only the account pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and mfa.second_factor_pending(request)
            and not request.path.startswith(_OPEN_PREFIXES)
        ):
            if request.path.startswith(API_PREFIX):
                return _json(
                    AccountErrorCode.OTP_REQUIRED,
                    _("Enter the code from your authenticator app first."),
                    403,
                )
            target = "mfa-verify" if mfa.device(user) is not None else "mfa-enrol"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def _protected(match) -> bool:
    if match is None or match.view_name not in settings.REAUTH_PROTECTED:
        return False
    actions = settings.REAUTH_PROTECTED[match.view_name]
    return actions is None or match.kwargs.get("action") in actions


class ReauthMiddleware:
    """Before a protected step: a password or code proven within `REAUTH_WINDOW` (a login counts).

    API: the calling token's last proof (`POST /api/v1/auth/reauth/` renews it), else 403
    `reauthentication_required`. Pages: the session's last proof, else the re-authentication page, which
    comes back to the page the step was taken from. A request with no credentials is left to the view (401).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or not _protected(request.resolver_match):
            return None
        token = tokens.token_from_header(request)
        if token is not None:
            fresh = mfa.token_is_fresh(token)
        elif request.user.is_authenticated:
            fresh = mfa.session_is_fresh(request)
        else:
            return None
        if fresh:
            return None
        if request.path.startswith(API_PREFIX):
            return _json(
                CoreErrorCode.REAUTHENTICATION_REQUIRED,
                _(
                    "Confirm your password or code first (POST /api/v1/auth/reauth/): this step needs an "
                    "authentication within the last %(minutes)d minutes."
                )
                % {"minutes": int(settings.REAUTH_WINDOW.total_seconds() // 60)},
                403,
            )
        back = request.META.get("HTTP_REFERER", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
            back = "/"
        return redirect(f"{reverse('reauth')}?{urlencode({'next': back})}")
