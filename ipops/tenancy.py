"""Tenancy: every city-owned row carries `city`, and reading it needs an active city scope.

Reads fail closed: a query on a `CityOwned` model outside `city_scope(...)` raises
`django_scopes.ScopeError`. Pages and the API enter the scope from the URL
(`/<city>/...`, `/api/v1/<city>/...`) in `CityScopeMiddleware`; Celery tasks receive
city ids and enter it themselves. `scopes_disabled()` is for platform admin and
cross-city roll-ups only.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import pghistory
from django.db import models
from django.http import Http404
from django.urls import Resolver404, resolve
from django_scopes import ScopedManager, scope, scopes_disabled

__all__ = ["CityOwned", "city_scope", "scopes_disabled", "CityScopeMiddleware"]


class CityOwned(models.Model):
    """Base for every model that belongs to one city (the tenant)."""

    city = models.ForeignKey("ipops.City", on_delete=models.PROTECT, related_name="+", db_index=False)

    objects = ScopedManager(city="city")

    class Meta:
        abstract = True


@contextlib.contextmanager
def city_scope(city, *, writes: bool = True) -> Iterator[None]:
    """Enter the scope of one city (a `City` or its id); with `writes`, also the audit context that
    names the city in the row history of whatever is written inside."""
    city_id = getattr(city, "pk", city)
    with scope(city=city_id):
        if not writes:
            yield
            return
        with pghistory.context(city=city_id):
            yield


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_CITY_CACHE_SECONDS = 30.0
_city_cache: dict[str, tuple[float, object]] = {}


def _active_city(slug: str):
    """The active city for a slug, cached briefly in-process: every request needs it, and cities are
    created or switched off a few times a year (a switched-off city stops answering within 30 s)."""
    from ipops.models import City

    now = time.monotonic()
    hit = _city_cache.get(slug)
    if hit and now - hit[0] < _CITY_CACHE_SECONDS:
        return hit[1]
    city = City.objects.filter(slug=slug, is_active=True).first()
    if city is not None:
        _city_cache[slug] = (now, city)
    else:
        _city_cache.pop(slug, None)
    return city


class CityScopeMiddleware:
    """Resolve `<city>` from the URL, attach `request.city`, and run the view inside its scope.

    Access (is this user allowed in this city?) is checked by the page mixins and the
    API's permission classes, after authentication; the scope alone grants nothing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.city = None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        slug = match.kwargs.get("city")
        if not slug:
            return self.get_response(request)
        city = _active_city(slug)
        if city is None:
            raise Http404("no such city")
        request.city = city
        if request.method in _SAFE_METHODS:
            # Reads write nothing tracked, so they skip pghistory's per-statement context injection.
            with city_scope(city, writes=False):
                return self.get_response(request)
        user_id = request.user.pk if getattr(request, "user", None) and request.user.is_authenticated else None
        with city_scope(city), pghistory.context(user=user_id, url=request.path):
            return self.get_response(request)
