"""Issuing, checking and revoking API tokens and sessions (`ApiToken`)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions

from ipops.errors import CoreErrorCode
from ipops.security.models import ApiToken

#: A token's `last_used_at` is written at most this often (seconds): not one write per API call.
_TOUCH_EVERY = 60


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_token(user) -> str:
    """A new token for `user` (each login its own); the key is shown once and only its digest is kept."""
    key = secrets.token_hex(20)
    now = timezone.now()
    ApiToken.objects.create(
        user=user, digest=digest(key), created_at=now, last_used_at=now, authenticated_at=now
    )
    return key


def expired(token: ApiToken, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        now - token.last_used_at > settings.API_TOKEN_IDLE_TIMEOUT
        or now - token.created_at > settings.API_TOKEN_MAX_AGE
    )


class TokenExpired(exceptions.AuthenticationFailed):
    default_detail = _("This token has expired; log in again for a new one.")
    default_code = CoreErrorCode.TOKEN_EXPIRED


def check_and_touch(token: ApiToken) -> None:
    """Refuse an expired token (and delete it); note the use of a live one."""
    now = timezone.now()
    if expired(token, now):
        ApiToken.objects.filter(pk=token.pk).delete()
        raise TokenExpired()
    if (now - token.last_used_at).total_seconds() > _TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def token_from_header(request) -> ApiToken | None:
    """The live token named by the request's `Authorization: Token <key>` header, if any."""
    header = request.META.get("HTTP_AUTHORIZATION", "").split()
    if len(header) != 2 or header[0].lower() != "token":
        return None
    token = ApiToken.objects.filter(digest=digest(header[1])).first()
    return None if token is None or expired(token) else token


def sign_out_everywhere(user) -> dict:
    """Delete every API token and end every session of `user` (other browsers and devices too).

    Sessions are found by reading them: Django keeps no index from user to session. The sweep walks the
    live sessions once, which is fine at a city platform's scale (thousands, not millions).
    """
    tokens, _rows = ApiToken.objects.filter(user=user).delete()
    ended = []
    user_id = str(user.pk)
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = session.get_decoded()
        if str(data.get(SESSION_KEY)) == user_id and HASH_SESSION_KEY in data:
            ended.append(session.pk)
    Session.objects.filter(pk__in=ended).delete()
    return {"tokens": tokens, "sessions": len(ended)}


def expires_at(issued: datetime) -> datetime:
    """The latest a token issued at `issued` lives (unused for `API_TOKEN_IDLE_TIMEOUT`, it ends sooner)."""
    return issued + settings.API_TOKEN_MAX_AGE
