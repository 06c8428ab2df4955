"""The second factor (TOTP through django-otp) and re-authentication before money moves.

- Every user may enrol a TOTP device (an authenticator app); once they have one, every login asks for a
  code. `MFA_REQUIRED_ROLES` (the roles that move or decide money) must have one when `MFA_ENFORCED`
  (production): such a user reaching a page without a device is sent to enrol first. On a development
  machine the demo users log in with their password alone.
- The session remembers the outcome (`start_session` at login, `verified` after the code), so a page
  costs no query for this; the API asks for the code with the password (`otp`).
- Re-authentication: approving a loan, disbursing, approving or paying a claim needs a password or code
  proven within `REAUTH_WINDOW`. A login is such a proof, so acting right after logging in passes.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from ipops.errors import PermissionDenied
from ipops.models import Membership
from ipops.security.errors import AccountErrorCode

#: Session keys.
AUTHENTICATED_AT = "ipops_authenticated_at"
SECOND_FACTOR_DUE = "ipops_second_factor_due"


def required_for(user) -> bool:
    """Must `user` have a second factor? (A money role in any city, when MFA is enforced.)"""
    if not settings.MFA_ENFORCED or not getattr(user, "is_authenticated", False):
        return False
    memberships = Membership.objects.filter(user=user).select_related("organization")
    return any(m.role in settings.MFA_REQUIRED_ROLES for m in memberships)


def device(user, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


def due(user) -> bool:
    """Does a login of `user` need a second factor before it counts?"""
    return device(user) is not None or required_for(user)


def check_code(user, code: str) -> bool:
    """Is `code` a current code of `user`'s confirmed device? (django-otp throttles repeated failures.)"""
    found = device(user)
    return bool(found and code and found.verify_token(code.strip()))


def check_second_factor(user, code: str) -> None:
    """For a login through the API: refuse unless the second factor, when due, is given and right."""
    if not due(user):
        return
    if device(user) is None:
        raise PermissionDenied(
            _("Your role needs a second factor: enrol an authenticator app on your account page first."),
            code=AccountErrorCode.MFA_ENROLMENT_REQUIRED,
        )
    if not code:
        raise PermissionDenied(
            _("Enter the code from your authenticator app (otp)."), code=AccountErrorCode.OTP_REQUIRED
        )
    if not check_code(user, code):
        raise PermissionDenied(_("Wrong or expired code."), code=AccountErrorCode.OTP_INVALID)


# --- the session --------------------------------------------------------------------------------------


def start_session(request, user) -> None:
    request.session[SECOND_FACTOR_DUE] = due(user)


def second_factor_pending(request) -> bool:
    return bool(request.session.get(SECOND_FACTOR_DUE))


def verified(request) -> None:
    """The code was right: the session is complete and freshly authenticated."""
    request.session[SECOND_FACTOR_DUE] = False
    mark_fresh(request)


def mark_fresh(request) -> None:
    request.session[AUTHENTICATED_AT] = timezone.now().timestamp()


def _fresh(at: datetime | float | None) -> bool:
    if at is None:
        return False
    moment = at if isinstance(at, datetime) else datetime.fromtimestamp(at, tz=UTC)
    return timezone.now() - moment <= settings.REAUTH_WINDOW


def session_is_fresh(request) -> bool:
    return _fresh(request.session.get(AUTHENTICATED_AT))


def token_is_fresh(token) -> bool:
    return _fresh(token.authenticated_at)


def window():
    return settings.REAUTH_WINDOW
