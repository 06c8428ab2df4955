"""Lockout after repeated failed logins (django-axes), what a locked-out person sees, and the bureau
admin's view of its city's locked accounts.

Axes counts failures per username and per client address (`AXES_LOCKOUT_PARAMETERS`): guessing one
account's password from many addresses locks the account; spraying many accounts from one address locks
the address. Both end by themselves after `AXES_COOLOFF_TIME`, and the bureau admin can lift a member's
lockout at once (`unlock`). Both doors — the login page and `POST /api/v1/auth/token/` — count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipops import audit
from ipops.access import Actor
from ipops.errors import CoreErrorCode, PermissionDenied
from ipops.models import Membership, Role

API_PREFIX = "/api/"


def cool_off() -> timedelta:
    return get_cool_off() or timedelta(0)


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """`AXES_LOCKOUT_CALLABLE`: 429 with when to try again — the JSON error shape under /api/, a page
    elsewhere."""
    wait = cool_off()
    retry_at = timezone.localtime(timezone.now() + wait)
    seconds = max(1, math.ceil(wait.total_seconds()))
    if request.path.startswith(API_PREFIX):
        response: HttpResponse = JsonResponse(
            {
                "code": CoreErrorCode.ACCOUNT_LOCKED,
                "detail": _(
                    "Too many failed logins: this account or address is locked. Try again after %(time)s."
                )
                % {"time": retry_at.strftime("%H:%M")},
                "fields": {},
                "retry_after": seconds,
            },
            status=429,
        )
    else:
        response = render(
            request,
            "security/locked_out.html",
            {"retry_at": retry_at, "minutes": math.ceil(seconds / 60)},
            status=429,
        )
    response["Retry-After"] = str(seconds)
    return response


@dataclass
class Lockout:
    membership: Membership
    failures: int
    last_attempt: datetime
    until: datetime


def city_lockouts(city) -> list[Lockout]:
    """The city's members whose username is locked now (the failures within the cool-off reach the limit)."""
    since = timezone.now() - cool_off()
    members = {
        m.user.username: m
        for m in Membership.objects.filter(city=city).select_related("user", "organization")
    }
    rows = (
        AccessAttempt.objects.filter(username__in=list(members), attempt_time__gte=since)
        .values("username")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last")
    )
    return [Lockout(members[r["username"]], r["failures"], r["last"], r["last"] + cool_off()) for r in rows]


class NotBureauAdmin(PermissionDenied):
    code = CoreErrorCode.ROLE_NOT_ALLOWED
    default_message = gettext_lazy("Only the bureau's admins manage lockouts.")


def require_bureau_admin(actor: Actor) -> None:
    if actor.role != Role.BUREAU_ADMIN:
        raise NotBureauAdmin()


def unlock(*, actor: Actor, membership: Membership) -> int:
    """Lift the lockout of one of the city's members (every failure counted against their username)."""
    require_bureau_admin(actor)
    if membership.city_id != actor.city.pk:
        raise NotBureauAdmin()
    removed = reset(username=membership.user.username)
    audit.record(
        actor=actor.user,
        city=actor.city,
        action="account_unlock",
        obj=membership,
        data={"username": membership.user.username, "attempts_cleared": removed},
    )
    return removed
