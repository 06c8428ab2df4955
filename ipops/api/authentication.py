"""API token authentication that also learns the caller's standing in the URL's city.

A token (`ipops.security.models.ApiToken`, one per login, stored as a digest) costs one query, and
`CityMember` would spend a second on the membership. Under /api/v1/<city>/ both are one row: the
membership joined to its user, organisation and token. Nothing is cached between requests, so a
revoked token or a removed membership takes effect at once. Users without a membership in the city
(officials with a grant, strangers) fall back to the plain token lookup, and `actor_for` decides as
before. An expired token is deleted and answers 401 `token_expired`.
"""

from __future__ import annotations

from django.db.models import F
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from ipops.access import remember_membership
from ipops.models import Membership
from ipops.security import tokens
from ipops.security.models import ApiToken


class CityTokenAuthentication(TokenAuthentication):
    model = ApiToken

    def authenticate(self, request):
        # DRF builds its authenticators per request, so holding the city on self is safe.
        self.city = getattr(request._request, "city", None)
        return super().authenticate(request)

    def authenticate_credentials(self, key):
        digest = tokens.digest(key)
        membership = None
        if self.city is not None:
            membership = next(
                iter(
                    Membership.objects.select_related("user", "organization")
                    .filter(city=self.city, user__api_tokens__digest=digest)
                    .annotate(
                        token_id=F("user__api_tokens__id"),
                        token_created_at=F("user__api_tokens__created_at"),
                        token_last_used_at=F("user__api_tokens__last_used_at"),
                        token_authenticated_at=F("user__api_tokens__authenticated_at"),
                    )[:1]
                ),
                None,
            )
        if membership is None:
            token = ApiToken.objects.select_related("user").filter(digest=digest).first()
            if token is None:
                raise exceptions.AuthenticationFailed(_("Invalid token."))
            user = token.user
        else:
            user = membership.user
            token = ApiToken(
                pk=membership.token_id,
                user=user,
                digest=digest,
                created_at=membership.token_created_at,
                last_used_at=membership.token_last_used_at,
                authenticated_at=membership.token_authenticated_at,
            )
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        tokens.check_and_touch(token)
        if membership is not None:
            membership.city = self.city
            remember_membership(user, membership)
        return user, token
