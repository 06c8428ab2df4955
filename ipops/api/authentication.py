"""API token authentication that also learns the caller's standing in the URL's city.

DRF's `TokenAuthentication` spends one query on the token and its user, and `CityMember` a second
on the membership. Under /api/v1/<city>/ both are one row: the membership joined to its user,
organisation and token. Nothing is cached between requests, so a revoked token or a removed
membership takes effect at once. Users without a membership in the city (officials with a grant,
strangers) fall back to the plain token lookup, and `actor_for` decides as before.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from ipops.access import remember_membership
from ipops.models import Membership


class CityTokenAuthentication(TokenAuthentication):
    def authenticate(self, request):
        # DRF builds its authenticators per request, so holding the city on self is safe.
        self.city = getattr(request._request, "city", None)
        return super().authenticate(request)

    def authenticate_credentials(self, key):
        if self.city is None:
            return super().authenticate_credentials(key)
        membership = next(
            iter(
                Membership.objects.select_related("user", "user__auth_token", "organization").filter(
                    city=self.city, user__auth_token__key=key
                )[:1]
            ),
            None,
        )
        if membership is None:
            return super().authenticate_credentials(key)
        user = membership.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        membership.city = self.city
        remember_membership(user, membership)
        return user, user.auth_token
