"""Tenancy: every city-owned row carries `city`, and reading it needs an active city scope.

Reads fail closed: a query on a `CityOwned` model outside `city_scope(...)` raises
`django_scopes.ScopeError`. Pages and the API enter the scope from the URL
(`/<city>/...`, `/api/v1/<city>/...`) in `CityScopeMiddleware`; Celery tasks receive
city ids and enter it themselves. `scopes_disabled()` is for platform admin and
cross-city roll-ups only.

Behind that, PostgreSQL's row-level security is a second wall (`ipops.rls`): while a city scope is
active, the database session holds the city (and, when the connection would bypass the policies, the
`ipops_tenant` role), so raw SQL and `_base_manager` cannot reach another city's rows either.
`city_scope()`, this module's `scopes_disabled()` and `database_wall_lifted()` are the only code that
moves that wall.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator

import pghistory
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models
from django.http import Http404
from django.urls import Resolver404, resolve
from django_scopes import ScopedManager, get_scope, scope  # noqa: TID251 - the one place that wraps it

from ipops import rls

logger = logging.getLogger(__name__)

__all__ = [
    "CityOwned",
    "city_scope",
    "scopes_disabled",
    "database_wall_lifted",
    "CityScopeMiddleware",
    "UnknownCity",
]


class _RestrictedQuerySet(models.QuerySet):
    def restrict(self, actor, action: str = "view"):
        """The rows `actor` may `action` (`ipops.visibility`): lists and detail lookups both use it."""
        from ipops import visibility

        return visibility.restrict(self, actor, action)


class _RestrictedManager(models.Manager.from_queryset(_RestrictedQuerySet)):  # type: ignore[misc]
    def restrict(self, actor, action: str = "view"):
        from ipops import visibility

        # Through get_queryset(), so with no city scope this fails closed like every other read.
        return visibility.restrict(self.get_queryset(), actor, action)


class CityManager(type(ScopedManager(city="city", _manager_class=_RestrictedManager))):  # type: ignore[misc]
    """django-scopes' manager for the `city` dimension, with `restrict()`. Named at module level (the
    library builds its class inside a function) so type checkers and migrations can refer to it."""


class CityOwned(models.Model):
    """Base for every model that belongs to one city (the tenant)."""

    city = models.ForeignKey("ipops.City", on_delete=models.PROTECT, related_name="+", db_index=False)

    objects = CityManager()

    class Meta:
        abstract = True


@contextlib.contextmanager
def city_scope(city, *, writes: bool = True) -> Iterator[None]:
    """Enter the scope of one city (a `City` or its id), in Python and in the database; with `writes`,
    also the audit context that names the city in the row history of whatever is written inside."""
    city_id = getattr(city, "pk", city)
    if city_id is None:
        raise ValueError("city_scope() needs a city")  # django-scopes would read None as "every city"
    with _scope_and_wall(city=city_id, _database_wall=True):
        if not writes:
            yield
            return
        with pghistory.context(city=city_id):
            yield


@contextlib.contextmanager
def scopes_disabled() -> Iterator[None]:
    """Leave every city's scope, in Python and in the database, for explicit cross-city work (platform
    admin, roll-ups, the national marketplace, checks of national identifiers). Use this one, never
    django-scopes' own: that would lift only the Python wall, and the database would still show one city."""
    with _scope_and_wall(_enabled=False):
        yield


@contextlib.contextmanager
def database_wall_lifted() -> Iterator[None]:
    """Keep the city's scope in Python but lift its database wall, for reads that need an index PostgreSQL
    will not use behind row-level security.

    Behind the policies, PostgreSQL evaluates a query's own conditions only after the policy's, unless
    their operators are LEAKPROOF — and full-text `@@`, array `@>`/`&&`, LIKE and numeric comparisons are
    not. So a GIN index (text, IPC prefixes) or a condition on a price cannot drive the scan: a search reads
    every listing of the city instead of a few hundred index entries. Only for querysets built inside the
    city's scope (the scope keeps filtering any new one), and only to find ids: load the rows behind the
    wall again. Marketplace search and matching (`trading.search`) are the users.
    """
    with _scope_and_wall(_database_wall=False):
        yield


# --- the database wall ------------------------------------------------------------------------------
#
# What the session holds is derived from django-scopes' state, so the two walls cannot disagree: inside a
# city scope, `ipops.city` = the city's id (and the role `ipops_tenant`, if the connection needs it);
# outside any scope, inside `scopes_disabled()` and `database_wall_lifted()`, no city (and the connection's
# own role).
#
# Settings are session-level (set_config(..., false)), not SET LOCAL: requests run in autocommit, so a
# transaction-local setting would be gone before the view's first query. Each change is one statement,
# and it is only sent when the session's state differs from the wanted one: entering a scope costs one
# round trip, leaving it one, a nested scope of the same city or `scopes_disabled()` outside any city
# nothing. The state a session holds is remembered on the DB-API connection itself, so persistent
# connections (CONN_MAX_AGE) and pooled ones carry it with them, and a fresh session starts with none.
#
# Transactions: a session-level setting made inside a transaction is undone by its rollback, back to what
# the session held when the (sub)transaction began. Scopes and atomic blocks nest as `with` blocks do, so
# that is exactly the state of the scope around the atomic block. Hence leaving a scope inside a
# transaction that already failed (where no statement runs) may skip the statement: the rollback that
# must follow restores the session. Anywhere else a failed change discards the session, so it can never
# be reused with the wrong city or role.

_UNKNOWN = object()
#: Per database alias: the role a city scope switches to (None: the connected role is already bound by
#: the policies, or the tenant role is missing). Found with one query per process; `forget_wall_mode()`
#: (called after migrate) asks again.
_wall_modes: dict[str, str | None] = {}

_MODE_SQL = """
SELECT (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = session_user),
       EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s AND pg_has_role(session_user, oid,
               CASE WHEN current_setting('server_version_num')::int >= 160000 THEN 'SET' ELSE 'MEMBER' END))
"""
#: The statements that move the wall (`is_wall_statement()` tells them apart in captured queries).
_SET_CITY_AND_ROLE = f"SELECT set_config('{rls.CITY_SETTING}', %s, false), set_config('role', %s, false)"
_SET_CITY = f"SELECT set_config('{rls.CITY_SETTING}', %s, false)"


@contextlib.contextmanager
def _scope_and_wall(**state) -> Iterator[None]:
    conn = connections[DEFAULT_DB_ALIAS]
    try:
        with scope(**state):
            _sync_wall(conn)
            yield
    finally:  # the scope is left: the session follows the enclosing one
        _restore_wall(conn)


def _wanted_city() -> int | None:
    state = get_scope()
    if not state.get("_enabled", True) or not state.get("_database_wall", True):
        return None
    city = state.get("city")
    return None if city is None else int(city)


def _wall_role(conn) -> str | None:
    alias = conn.alias
    if alias not in _wall_modes:
        with conn.cursor() as cur:
            cur.execute(_MODE_SQL, [rls.TENANT_ROLE])
            bypasses, can_switch = cur.fetchone()
        _wall_modes[alias] = rls.TENANT_ROLE if can_switch else None
        if bypasses and not can_switch:
            logger.warning(
                "row-level security: the database user bypasses it and cannot switch to role %s, "
                "so city scopes raise no database wall; Python-level tenancy still holds. Run migrate "
                "as a user that may create roles.",
                rls.TENANT_ROLE,
            )
    return _wall_modes[alias]


def forget_wall_mode(alias: str = DEFAULT_DB_ALIAS) -> None:
    _wall_modes.pop(alias, None)


def _sync_wall(conn) -> None:
    """Make the session hold the wanted city (and role): one statement, only when it holds something else."""
    session = conn.connection
    if session is None:  # not connected yet: `raise_wall_on_connect` sets the session up when it connects
        return
    wanted = _wanted_city()
    if getattr(session, "_ipops_city", None) == wanted:  # a fresh session holds no city
        return
    session._ipops_city = _UNKNOWN  # until the statement has run
    role = _wall_role(conn)
    with conn.cursor() as cur:
        if role:
            cur.execute(
                _SET_CITY_AND_ROLE,
                ["" if wanted is None else str(wanted), "none" if wanted is None else role],
            )
        else:
            cur.execute(_SET_CITY, ["" if wanted is None else str(wanted)])
    session._ipops_city = wanted


def _restore_wall(conn) -> None:
    try:
        _sync_wall(conn)
    except DatabaseError as exc:
        if conn.in_atomic_block:
            # Inside a transaction, the failed statement dooms it, and its rollback restores the state of the
            # scope around the atomic block, which is what we are returning to (see above). The error, if it
            # is not the one already on its way out, shows on the transaction's next statement or its end.
            logger.debug(
                "city scope left inside a failed transaction; its rollback restores the session: %s", exc
            )
            return
        _discard_session(conn)
        raise


def _discard_session(conn) -> None:
    """Close the session for good (a pool must not hand it out again): its city and role are unknown."""
    session = conn.connection
    if session is not None:
        session.close()
    conn.close()


def raise_wall_on_connect(sender, connection, **kwargs) -> None:
    """`connection_created`: a session opened (or taken from a pool) inside a city scope gets its wall; one
    taken from a pool outside any scope is reset if a scope had been left unfinished on it."""
    if connection.alias == DEFAULT_DB_ALIAS and connection.vendor == "postgresql":
        _sync_wall(connection)


def is_wall_statement(sql: str) -> bool:
    """True for the statements that move the wall (for tests that count a request's queries)."""
    return sql.startswith(f"SELECT set_config('{rls.CITY_SETTING}', ")


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_CITY_CACHE_SECONDS = 30.0
_city_cache: dict[str, tuple[float, object]] = {}


def forget_city(slug: str) -> None:
    """Drop this process's cached city (after it was switched off or on); other processes follow
    within `_CITY_CACHE_SECONDS`."""
    _city_cache.pop(slug, None)


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


class UnknownCity(Http404):
    """No active city has the URL's slug (a 404; the API answers it with the code `unknown_city`)."""


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
            raise UnknownCity("no such city")
        request.city = city
        if request.method in _SAFE_METHODS:
            # Reads write nothing tracked, so they skip pghistory's per-statement context injection.
            with city_scope(city, writes=False):
                return self.get_response(request)
        user_id = (
            request.user.pk if getattr(request, "user", None) and request.user.is_authenticated else None
        )
        with city_scope(city), pghistory.context(user=user_id, url=request.path):
            return self.get_response(request)
