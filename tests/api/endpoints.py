"""The endpoint harness (NetBox's generic API test mixins, driven by the OpenAPI schema).

Every operation the schema lists is called by every role of two cities, by a reader with a city
grant and by an anonymous client, and its answers are checked against what the operation declares:

- `x-roles` (`CityAPIView.roles`): a role outside them gets 403 `role_not_allowed` (or
  `read_only_access` for a write by a read-only caller); a role inside them never gets
  `role_not_allowed`, lists answer 200, a detail answers 200 for some object the caller's visibility
  rule admits (`Model.objects.restrict(actor)`) and 404 for one it does not;
- `x-public: true` (`public = True` on the view): anyone, logged in or not, may call it;
- `x-account: true` (`account = True` on the view): anyone logged in, a read-only reader too, about
  their own account (sign out everywhere, re-authenticate); strangers are refused;
- the `{id}` of a detail route names `view.model`: another city's object of that model is 404;
- writes with an empty or a nonsensical body answer 400/403/404/409, never 2xx unless the
  operation needs no input;
- nothing answers 5xx, and every error has the shape {"code", "detail", "fields"}.

Nothing here names an endpoint: a new operation is called the moment it is in the schema. Each
check collects every problem and the test fails once, listing them all, one line each:
"GET /api/v1/{city}/loans/products/ as bank in qingdao: 500 (…), expected 200".

`API_HARNESS_ONLY=<regex>` calls only the paths it matches (while working on one app, e.g.
`API_HARNESS_ONLY='indicators|statistics|snapshot'`); the two tests that need the whole schema then fail.
"""

from __future__ import annotations

import functools
import json
import os
import re
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.db.models import Model, QuerySet
from django.test import TestCase
from django.urls import get_resolver, resolve
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient
from rest_framework.views import APIView

from ipops import demo, visibility
from ipops.access import Actor
from ipops.api.pagination import Pagination
from ipops.errors import CoreErrorCode
from ipops.models import City, CityGrant, Membership, Role, User
from ipops.platform import modules
from ipops.tenancy import city_scope, scopes_disabled
from tests.conftest import actor as actor_of

#: The two cities of the world: every call runs in the first and the second, with the other's objects.
CITIES = ("qingdao", "jinan")
#: An id no row has (for path parameters other than the routed model's `{id}`).
MISSING_ID = 2_000_000_000
#: How many of a caller's visible objects a read tries before concluding it never answers 200 (a read
#: narrower than its object's visibility, like "offers on my listings", refuses the others). The first
#: that answers 200 ends the search, so this costs only when a declaration promises too much.
OBJECTS_TRIED = 20
#: How many of a city's objects a public detail read tries to find one that is public.
PUBLIC_OBJECTS_TRIED = 50
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: What a refused write (or a write with bad input) may answer.
REFUSALS = frozenset({400, 403, 404, 409})
REFUSED_OUTRIGHT = frozenset({CoreErrorCode.ROLE_NOT_ALLOWED, CoreErrorCode.READ_ONLY_ACCESS})
PAGE_SIZE_PARAM = Pagination.page_size_query_param


# --- the operations, from the schema ---------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    roles: frozenset[str] | None
    public: bool
    view: type
    account: bool
    #: The request body's fields, and whether any of them is required (an empty body must be refused).
    body_fields: tuple[str, ...]
    body_required: bool
    #: The 200 answer is a page ({"count", "results", …}).
    paginated: bool
    #: The 200 answer is a bare JSON array (a list the schema says is not paged).
    array: bool = False

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def declared(self) -> bool:
        return self.public or self.account or self.roles is not None

    @property
    def reads(self) -> bool:
        return self.method in READ_METHODS

    @property
    def has_object(self) -> bool:
        return "{id}" in self.path

    @property
    def model(self) -> type[Model] | None:
        return getattr(self.view, "model", None)

    def admits(self, role: str) -> bool:
        """May this role call it, as declared? (Undeclared: treated as every role, and reported.)"""
        return self.public or self.account or self.roles is None or role in self.roles

    def url(self, city: str = "", pk: int | None = None) -> str:
        return _fill(self.path, city, pk)


def _fill(path: str, city: str, pk: int | None) -> str:
    """The schema's path with its parameters filled in: the city, `{id}`, and a missing id for the rest."""
    url = path.replace("{city}", city).replace("{id}", str(MISSING_ID if pk is None else pk))
    return re.sub(r"\{[^}]+\}", str(MISSING_ID), url)


@functools.cache
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _component(ref_holder: dict | None) -> dict:
    if not ref_holder:
        return {}
    ref = ref_holder.get("$ref")
    if ref is None:
        return ref_holder
    return schema()["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def _json_schema(part: dict | None) -> dict:
    content = (part or {}).get("content", {})
    return _component(content.get("application/json", {}).get("schema"))


@functools.cache
def operations() -> tuple[Operation, ...]:
    found = []
    only = os.environ.get("API_HARNESS_ONLY", "")
    for path, methods in schema()["paths"].items():
        if only and not re.search(only, path):
            continue
        for method, spec in methods.items():
            body = _json_schema(spec.get("requestBody"))
            ok_part = (spec.get("responses", {}).get("200") or {}).get("content", {})
            ok = _json_schema(spec.get("responses", {}).get("200"))
            view = resolve(_fill(path, CITIES[0], None)).func
            found.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    roles=frozenset(spec["x-roles"]) if "x-roles" in spec else None,
                    public=spec.get("x-public", False),
                    view=view.cls,  # type: ignore[attr-defined]
                    account=spec.get("x-account", False),
                    body_fields=tuple(body.get("properties", {})),
                    body_required=bool(body.get("required")),
                    paginated="results" in ok.get("properties", {}),
                    array=ok_part.get("application/json", {}).get("schema", {}).get("type") == "array",
                )
            )
    return tuple(found)


def routed_api_views() -> dict[type, str]:
    """Every DRF view the URLconf routes (the schema's own views aside), with a route that reaches it: the
    schema must list each, or the harness would never call it."""
    found: dict[type, str] = {}

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, route)
                continue
            view = getattr(pattern.callback, "cls", None)
            if (
                isinstance(view, type)
                and issubclass(view, APIView)
                and not view.__module__.startswith("drf_spectacular")
            ):
                found.setdefault(view, route)

    walk(get_resolver().url_patterns, "/")
    return found


# --- the world: two demo cities, one caller per role ----------------------------------------------


@dataclass
class Caller:
    label: str
    role: str
    user: User
    actor: Actor
    client: APIClient = field(repr=False)

    @property
    def read_only(self) -> bool:
        return not self.actor.can_write


@dataclass
class World:
    cities: dict[str, City]
    callers: dict[str, list[Caller]]
    _objects: dict[tuple, Any] = field(default_factory=dict, repr=False)

    def other(self, slug: str) -> City:
        return next(city for s, city in self.cities.items() if s != slug)

    def visible(self, model: type[Model], caller: Caller, slug: str, action: str = "view") -> list[int]:
        """Up to `OBJECTS_TRIED` ids of `model` in the city that the caller's visibility rule admits."""
        key = ("visible", model, caller.label, slug, action)
        if key not in self._objects:
            with city_scope(self.cities[slug]):
                rows = visibility.restrict(self._rows(model, slug), caller.actor, action)
                self._objects[key] = list(rows.order_by("pk").values_list("pk", flat=True)[:OBJECTS_TRIED])
        return self._objects[key]

    def hidden(self, model: type[Model], caller: Caller, slug: str, action: str = "view") -> int | None:
        """An id of `model` in the city that the caller's visibility rule does not admit, if any."""
        key = ("hidden", model, caller.label, slug, action)
        if key not in self._objects:
            with city_scope(self.cities[slug]):
                rows = self._rows(model, slug)
                seen = visibility.restrict(rows, caller.actor, action).values("pk")
                self._objects[key] = (
                    rows.exclude(pk__in=seen).order_by("pk").values_list("pk", flat=True).first()
                )
        return self._objects[key]

    def any_of(self, model: type[Model], slug: str, limit: int = OBJECTS_TRIED) -> list[int]:
        key = ("any", model, slug, limit)
        if key not in self._objects:
            with city_scope(self.cities[slug]):
                self._objects[key] = list(
                    self._rows(model, slug).order_by("pk").values_list("pk", flat=True)[:limit]
                )
        return self._objects[key]

    def _rows(self, model: type[Model], slug: str) -> QuerySet:
        rows = model._default_manager.all()
        # Not every model with a city is scoped (memberships are read to let people in): say which.
        if any(f.name == "city" for f in model._meta.get_fields()):
            rows = rows.filter(city=self.cities[slug])
        return rows


def seed_world() -> World:
    """The real demo (every app's `demo.seed`, as `manage.py seed_demo` runs it) for the two cities: loans
    in every state, listings, offers, deals, products, the reserve. Tasks enqueued on commit run at the
    end, as they would after the seeding transactions."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        by_slug = {city.slug: city for city in demo.seed() if city.slug in CITIES}
        for module in modules("demo"):
            for slug in CITIES:
                with city_scope(by_slug[slug]):
                    module.seed(city=by_slug[slug])
    return World(cities=by_slug, callers={slug: _callers(by_slug[slug]) for slug in CITIES})


def _callers(city: City) -> list[Caller]:
    """One demo user per role (the first by username), and a reader who enters through a city grant."""
    users: dict[str, User] = {}
    with scopes_disabled():
        memberships = Membership.objects.filter(city=city).select_related("user", "organization")
        for membership in memberships.order_by("user__username"):
            users.setdefault(str(membership.role), membership.user)
        missing = sorted(set(Role) - set(users))
        assert not missing, f"the demo has no user for {missing} in {city.slug}"
        callers = [_caller(str(role), str(role), users[str(role)], city) for role in Role]
        grant = CityGrant.objects.filter(city=city).select_related("user").order_by("user__username").first()
        assert grant is not None, f"the demo grants no reader access to {city.slug}"
        callers.append(_caller("official (city grant)", Role.OFFICIAL, grant.user, city))
    return callers


def _caller(label: str, role: str, user: User, city: City) -> Caller:
    client = APIClient()
    client.force_authenticate(user)
    found = actor_of(user, city)
    assert found is not None and str(found.role) == role, (label, found)
    return Caller(label=label, role=role, user=user, actor=found, client=client)


# --- calling -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    #: The exception the view raised, when the test client re-raised it (a 500).
    crash: str = ""

    @property
    def code(self) -> str:
        return self.body.get("code", "") if isinstance(self.body, dict) else ""

    def __str__(self) -> str:
        detail = self.crash or self.code
        return f"{self.status} ({detail})" if detail else str(self.status)


def call(
    client: APIClient, method: str, url: str, body: dict | None = None, query: dict | None = None
) -> Answer:
    """One request, whatever it writes rolled back (the world stays as seeded); a crash is a 500."""
    with transaction.atomic():
        try:
            response = client.generic(
                method,
                f"{url}?{urlencode(query)}" if query else url,
                data=json.dumps(body) if body is not None else "",
                content_type="application/json",
            )
        except Exception as exc:  # noqa: BLE001 - a crash is an answer the harness reports
            answer = Answer(500, None, crash=_crash(exc))
        else:
            answer = Answer(response.status_code, _json(response))
        transaction.set_rollback(True)
    return answer


def _crash(exc: Exception) -> str:
    """The exception and the last line of the project's own code it went through."""
    root = Path(settings.BASE_DIR)
    ours = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if frame.filename.startswith(str(root)) and "/.venv/" not in frame.filename
    ]
    where = f" at {Path(ours[-1].filename).relative_to(root)}:{ours[-1].lineno}" if ours else ""
    return f"{type(exc).__name__}: {str(exc)[:200]}{where}"


def _json(response) -> Any:
    if "json" not in response.get("Content-Type", ""):
        return None
    return response.json()


def list_shape_problem(op: Operation, answer: Answer) -> str:
    """A 200 list answers in the shape its schema declares: a page has "results" and "count", a list the
    schema calls an array is one (a bare array where a page is promised is a schema lie); '' when fine."""
    if answer.status != 200 or op.method != "GET":
        return ""
    body = answer.body
    if op.paginated and not (isinstance(body, dict) and {"results", "count"} <= set(body)):
        return f"the schema promises a page {{count, results}}, the answer is {type(body).__name__}"
    if op.array and not isinstance(body, list):
        return f"the schema promises an array, the answer is {type(body).__name__}"
    if not op.paginated and not op.array and isinstance(body, list):
        return "the answer is an array, the schema declares no list"
    if not op.paginated and isinstance(body, dict) and {"results", "count"} <= set(body):
        return "the answer is a page, the schema declares none"
    return ""


def shape_problem(answer: Answer) -> str:
    """Errors leave as {"code", "detail", "fields"}; '' when this answer is fine."""
    if answer.status < 400 or answer.crash:
        return ""
    body = answer.body
    if not isinstance(body, dict) or not {"code", "detail", "fields"} <= set(body):
        return f"error {answer.status} is not {{code, detail, fields}}: {str(body)[:120]}"
    return ""


# --- what each caller must get ---------------------------------------------------------------------


@dataclass
class Problems:
    lines: list[str] = field(default_factory=list)

    def add(self, op: Operation, who: str, answer: Answer, expected: str) -> None:
        self.lines.append(f"{op} as {who}: {answer}, expected {expected}")

    def note(self, line: str) -> None:
        if line not in self.lines:
            self.lines.append(line)

    def check(
        self, op: Operation, who: str, answer: Answer, allowed: set[int] | frozenset[int], expected: str
    ):
        problem = shape_problem(answer) or list_shape_problem(op, answer)
        if problem:
            self.lines.append(f"{op} as {who}: {problem}")
        if answer.status not in allowed:
            self.add(op, who, answer, expected)

    def __bool__(self) -> bool:
        return bool(self.lines)

    def report(self, title: str) -> str:
        return f"{title} ({len(self.lines)}):\n" + "\n".join(f"  {line}" for line in self.lines)


def bodies(op: Operation) -> Iterator[tuple[str, dict | None]]:
    """The inputs a write is tried with: nothing at all, and nonsense in every field it declares."""
    yield "empty body", {}
    if op.body_fields:
        yield "nonsense body", dict.fromkeys(op.body_fields, ["nonsense"])


#: Any answer but a crash: what an undeclared operation is held to (it is reported for lacking x-roles).
NOT_A_CRASH = frozenset(range(200, 500))


def check_caller(world: World, op: Operation, caller: Caller, slug: str, problems: Problems) -> None:
    """Call `op` in city `slug` as `caller` and compare the answers with the declaration.

    An operation without x-roles is still called by every role, and held to what is true whatever it
    would declare: no crash, the error shape, refused writes for read-only callers and for empty
    input, 404 (or 403) for another city's object."""
    who = f"{caller.label} in {slug}"
    client = caller.client
    if not op.admits(caller.role):
        answer = call(
            client, op.method, op.url(slug, _some_object(world, op, slug)), None if op.reads else {}
        )
        problems.check(op, who, answer, {403}, "403 role_not_allowed")
        if answer.status == 403 and answer.code not in REFUSED_OUTRIGHT:
            problems.add(op, who, answer, "403 role_not_allowed")
        return
    if not op.reads and caller.read_only and not op.account:
        answer = call(client, op.method, op.url(slug, _some_object(world, op, slug)), {})
        problems.check(op, who, answer, {403}, "403 read_only_access")
        if answer.status == 403 and answer.code != CoreErrorCode.READ_ONLY_ACCESS:
            problems.add(op, who, answer, "403 read_only_access")
        if op.roles is not None and answer.code == CoreErrorCode.READ_ONLY_ACCESS:
            problems.note(
                f"{op} declares {caller.role} in x-roles, but the role only reads and can never write"
            )
        return
    if op.has_object:
        _check_object_operation(world, op, caller, slug, problems)
        _check_other_city(world, op, caller, slug, problems)
    elif op.reads:
        answer = call(client, op.method, op.url(slug))
        problems.check(op, who, answer, {200} if op.declared else NOT_A_CRASH, "200")
    else:
        for what, body in bodies(op):
            _check_write(op, who, what, call(client, op.method, op.url(slug), body), problems)


def _check_write(op: Operation, who: str, what: str, answer: Answer, problems: Problems) -> None:
    accepts = what == "empty body" and not op.body_required or not op.body_fields
    allowed = REFUSALS | ({200, 201, 202, 204} if accepts else set())
    problems.check(op, f"{who} ({what})", answer, allowed, "400/403/404/409" + (" or 2xx" if accepts else ""))
    _never_refused_by_role(op, f"{who} ({what})", answer, problems)


def _never_refused_by_role(op: Operation, who: str, answer: Answer, problems: Problems) -> None:
    if answer.status == 403 and answer.code == CoreErrorCode.ROLE_NOT_ALLOWED:
        problems.add(op, who, answer, "no role_not_allowed for a role in x-roles")


def _some_object(world: World, op: Operation, slug: str) -> int | None:
    """For a call the role check refuses before the view runs: any object of the city, or none."""
    if not op.has_object or op.model is None:
        return None
    found = world.any_of(op.model, slug)
    return found[0] if found else None


def _check_object_operation(
    world: World, op: Operation, caller: Caller, slug: str, problems: Problems
) -> None:
    who = f"{caller.label} in {slug}"
    model = op.model
    if model is None:
        # Reported by test_every_object_route_names_its_model; still, a missing object is not found.
        answer = call(caller.client, op.method, op.url(slug), None if op.reads else {})
        problems.check(op, f"{who}, missing #{MISSING_ID}", answer, {403, 404}, "404")
        return
    try:
        action = getattr(op.view, "visibility_action", "view")
        visible = world.visible(model, caller, slug, action)
        hidden = world.hidden(model, caller, slug, action)
    except LookupError as exc:
        problems.note(f"{op}: {exc} (its {{id}} names {model._meta.label}; register one in ipops.visibility)")
        return
    if op.reads:
        _check_visible_read(op, caller, slug, visible, problems)
    elif visible:
        for what, body in bodies(op):
            answer = call(caller.client, op.method, op.url(slug, visible[0]), body)
            _check_write(op, f"{who}, visible #{visible[0]}", what, answer, problems)
    if hidden is not None:
        answer = call(caller.client, op.method, op.url(slug, hidden), None if op.reads else {})
        problems.check(
            op, f"{who}, not visible #{hidden}", answer, {404} if op.declared else {403, 404}, "404"
        )


def _check_visible_read(
    op: Operation, caller: Caller, slug: str, visible: list[int], problems: Problems
) -> None:
    """A declared role reads at least one object its visibility rule admits (a rule narrower than the
    object's, like "offers on my listings", may refuse the others with 403/404)."""
    who = f"{caller.label} in {slug}"
    tried = []
    for pk in visible:
        answer = call(caller.client, op.method, op.url(slug, pk))
        tried.append(answer)
        problems.check(
            op, f"{who}, visible #{pk}", answer, {200, 403, 404} if op.declared else NOT_A_CRASH, "200"
        )
        _never_refused_by_role(op, f"{who}, visible #{pk}", answer, problems)
        if answer.status == 200:
            return
    if tried and op.declared:
        statuses = sorted({str(a) for a in tried})
        problems.note(
            f"{op} as {who}: none of the {len(tried)} visible objects answered 200 ({', '.join(statuses)})"
        )


def _check_other_city(world: World, op: Operation, caller: Caller, slug: str, problems: Problems) -> None:
    model = op.model
    if model is None:
        return
    other = world.other(slug)
    foreign = world.any_of(model, other.slug)
    if not foreign:
        problems.note(f"{op}: no {model._meta.label} in {other.slug} to try from {slug}")
        return
    answer = call(caller.client, op.method, op.url(slug, foreign[0]), None if op.reads else {})
    expected = {404} if op.declared else {403, 404}
    problems.check(op, f"{caller.label} in {slug}, {other.slug}'s #{foreign[0]}", answer, expected, "404")


def check_anonymous(world: World, op: Operation, slug: str, problems: Problems) -> None:
    """A client with no credentials: refused (401/403) unless the operation is public."""
    client = APIClient()
    who = f"anonymous in {slug}"
    if op.public:
        _check_public(world, op, client, who, slug, problems)
        return
    answer = call(client, op.method, op.url(slug, _some_object(world, op, slug)), None if op.reads else {})
    problems.check(op, who, answer, {401, 403}, "401/403")


def check_public(world: World, op: Operation, caller: Caller, slug: str, problems: Problems) -> None:
    """A logged-in caller of a public operation gets what a stranger gets."""
    _check_public(world, op, caller.client, f"{caller.label} in {slug}", slug, problems)


def _check_public(
    world: World, op: Operation, client: APIClient, who: str, slug: str, problems: Problems
) -> None:
    if not op.reads:
        for what, body in bodies(op):
            _check_write(op, who, what, call(client, op.method, op.url(slug), body), problems)
        return
    if not op.has_object:
        problems.check(op, who, call(client, op.method, op.url(slug)), {200}, "200")
        return
    if op.model is None:
        return
    # Nobody's visibility rule says what strangers see: walk the city's objects to the first public one.
    answers = []
    for pk in world.any_of(op.model, slug, limit=PUBLIC_OBJECTS_TRIED):
        answers.append(call(client, op.method, op.url(slug, pk)))
        problems.check(op, f"{who}, #{pk}", answers[-1], {200, 404}, "200/404")
        if answers[-1].status == 200:
            return
    problems.note(f"{op} as {who}: none of the city's first {len(answers)} objects answered 200")


# --- lists and details agree -------------------------------------------------------------------


def detail_of(op: Operation) -> Operation | None:
    """The detail read of the list `op` (`/things/` → `/things/{id}/`), if the API has one."""
    return next(
        (
            d
            for d in operations()
            if d.method == "GET" and d.path == f"{op.path}{{id}}/" and d.model is not None
        ),
        None,
    )


def check_list_within_visibility(world: World, op: Operation, slug: str, problems: Problems) -> None:
    """Every row a list shows, its detail shows too: the list's ids are ones the caller's visibility rule
    for the detail's model admits (a list may show fewer, e.g. only open requests, never more)."""
    detail = detail_of(op)
    if detail is None or detail.model is None:
        return
    for caller in world.callers[slug]:
        if not op.admits(caller.role) or not detail.admits(caller.role):
            continue
        answer = call(caller.client, "GET", op.url(slug), query={PAGE_SIZE_PARAM: Pagination.max_page_size})
        if answer.status != 200 or not isinstance(answer.body, dict):
            continue  # the answer itself is judged by the role matrix
        listed = {
            row["id"] for row in answer.body.get("results", []) if isinstance(row, dict) and "id" in row
        }
        try:
            with city_scope(world.cities[slug]):
                rows = world._rows(detail.model, slug)
                seen = set(
                    visibility.restrict(rows, caller.actor).filter(pk__in=listed).values_list("pk", flat=True)
                )
        except LookupError:
            return  # reported by the role matrix
        if listed - seen:
            problems.note(
                f"{op} as {caller.label} in {slug} lists {sorted(listed - seen)[:10]}, which "
                f"{detail.model._meta.label}'s visibility rule hides from the detail"
            )


# --- query budgets -------------------------------------------------------------------------------


#: Rows enough to tell a query per row from a query per page.
ENOUGH_ROWS = 20


def longest_list(
    world: World, op: Operation, slug: str, problems: Problems
) -> tuple[Caller, str, int] | None:
    """The caller (and, for a list under an object, the object) whose page holds the most rows, with two
    at least; else None, and the reason is noted (a list the demo leaves shorter than two rows cannot show
    a query per row, and a 200 that is not a page breaks the schema's promise)."""
    best: tuple[Caller, str, int] | None = None
    answered = False
    for caller in world.callers[slug]:
        if not op.admits(caller.role):
            continue
        urls = [op.url(slug)]
        if op.has_object:
            if op.model is None:
                return None  # reported by test_every_object_route_names_its_model
            try:
                urls = [
                    op.url(slug, pk)
                    for pk in world.visible(
                        op.model, caller, slug, getattr(op.view, "visibility_action", "view")
                    )
                ]
            except LookupError:
                return None
        for url in urls:
            answer = call(caller.client, "GET", url, query={PAGE_SIZE_PARAM: 1})
            if answer.status != 200:
                continue
            answered = True
            if not isinstance(answer.body, dict) or "results" not in answer.body:
                problems.note(f"{op}: the schema promises a page, the answer is {type(answer.body).__name__}")
                return None
            rows = answer.body.get("count", 0)
            if rows >= 2 and (best is None or rows > best[2]):
                best = (caller, url, rows)
                if rows >= ENOUGH_ROWS:
                    return best
    if best is None:
        why = "sees two rows" if answered else "gets a 200"
        problems.note(f"{op}: no caller in {slug} {why}, so its query budget cannot be checked")
    return best
