"""Base classes for city APIs: resolve the actor, refuse strangers, fail closed.

Every view under /api/v1/<city>/ derives from `CityAPIView`. The middleware has
already entered the city's scope; this adds the "may this user act here?" check
after authentication and exposes `request.actor` to the view.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import pghistory
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from ipops.access import actor_for
from ipops.errors import CoreErrorCode, PermissionDenied
from ipops.models import City


class CityAccessDenied(PermissionDenied):
    code = CoreErrorCode.CITY_ACCESS_DENIED
    default_message = _("You have no access to this city.")


class ReadOnlyForOfficials(PermissionDenied):
    code = CoreErrorCode.READ_ONLY_ACCESS
    default_message = _("Your access to this city is read-only.")


#: Roles per HTTP method (`{"get": …, "post": …}`), or one collection for every method; None: undeclared.
RoleDeclaration = Mapping[str, Collection[str]] | Collection[str] | None


class RoleNotAllowed(PermissionDenied):
    code = CoreErrorCode.ROLE_NOT_ALLOWED
    default_message = _("Your role cannot use this function.")


def validated(serializer_class, data, *, partial: bool = False) -> dict:
    """Every value given, the serializer's defaults included; 400 in the error shape on bad input."""
    given = serializer_class(data=data, partial=partial)
    given.is_valid(raise_exception=True)
    return dict(given.validated_data)


def roles_for(view, method: str) -> frozenset[str] | None:
    """The roles a view declares for an HTTP method (`CityAPIView.roles`); None when undeclared."""
    declared = getattr(view, "roles", None)
    if declared is None:
        return None
    if isinstance(declared, Mapping):
        method_roles = declared.get(method.lower())
        if method_roles is None:
            return None
        return frozenset(str(r) for r in method_roles)
    return frozenset(str(r) for r in declared)


def is_public(view) -> bool:
    """True for a view anyone may call, logged in or not (the token exchange, the public market): it says
    so with `public = True`, which the schema shows as `x-public: true`. Every other API view declares
    `roles`; the endpoint harness fails on an operation that does neither."""
    return getattr(view, "public", False) is True


class CityMember(permissions.BasePermission):
    """The user acts in the URL's city (membership), or reads it (grant) for safe methods, in a role the
    view declares for the method (`CityAPIView.roles`)."""

    def has_permission(self, request, view) -> bool:
        city = getattr(request._request, "city", None)
        if city is None:
            raise CityAccessDenied()
        actor = actor_for(request.user, city)
        if actor is None:
            raise CityAccessDenied()
        if request.method not in permissions.SAFE_METHODS and not actor.can_write:
            raise ReadOnlyForOfficials()
        allowed = roles_for(view, request.method)
        if allowed is not None and str(actor.role) not in allowed:
            raise RoleNotAllowed()
        request.actor = actor
        # Token users are known only now, after DRF authenticated them: name them in the row history.
        pghistory.context(user=request.user.pk)
        return True


class CityAPIView(GenericAPIView):
    """Base of every /api/v1/<city>/ view. Lists page through `DEFAULT_PAGINATION_CLASS`."""

    permission_classes = [permissions.IsAuthenticated, CityMember]
    #: Who may call each method: `{"get": EVERY_ROLE, "post": {Role.BUREAU_STAFF, …}}` (or one set for
    #: every method). Other roles get 403 `role_not_allowed` before the view runs; object rules still
    #: decide within. The schema shows them as `x-roles` and the endpoint harness
    #: (tests/test_endpoints.py) calls every operation as every role against this declaration.
    roles: RoleDeclaration = None
    #: The model a detail route's `{pk}` names (its visibility rule decides who gets 404); the
    #: endpoint harness picks objects of it per role.
    model: type | None = None
    #: Which of the model's registered row rules (`ipops.visibility`) the `{pk}` lookup applies: "view",
    #: or a narrower one such as "matches" (only the seller reads a listing's matches).
    visibility_action: str = "view"

    @property
    def actor(self):
        return self.request.actor

    def get_queryset(self):
        """For schema generation only: our views read through selectors, never `self.queryset`.

        drf-spectacular asks for a queryset to learn the model behind a view; answer with an empty
        one of the serializer's model (`.none()` is allowed even outside a city scope).
        """
        serializer = self.serializer_class
        model = getattr(getattr(serializer, "Meta", None), "model", None) or City
        return model._default_manager.none()


def object_action(
    name: str,
    *,
    load,
    service,
    target: str,
    respond,
    response,
    request=None,
    created: bool = False,
    summary: str = "",
    tags=(),
    roles=None,
    model=None,
):
    """A `POST …/<pk>/<action>/` endpoint, declared as data: load the object the actor may see (404
    otherwise), parse the input, call the one service, answer with the object as it is now.

    `service` is called as `service(actor=…, <target>=obj, **validated input)`; `respond(actor, pk)`
    gives the response body. Every workflow step of every app is one line of this, not one class.
    """
    status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK

    declared = {"post": frozenset(roles)} if roles is not None else None
    target_model = model

    class ObjectAction(CityAPIView):
        serializer_class = response
        roles = declared
        model = target_model

        @extend_schema(request=request, responses={status_code: response}, tags=list(tags), summary=summary)
        def post(self, http_request, city, pk):
            obj = load(self.actor, pk)
            data = {}
            if request is not None:
                parsed = request(data=http_request.data)
                parsed.is_valid(raise_exception=True)
                data = dict(parsed.validated_data)
            service(actor=self.actor, **{target: obj}, **data)
            return Response(respond(self.actor, pk), status=status_code)

    ObjectAction.__name__ = ObjectAction.__qualname__ = name
    return ObjectAction
