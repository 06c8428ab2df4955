"""Every operation of the API, called by every role of two cities as the schema declares it.

See `tests/api/endpoints.py` for what is checked. The world is the real demo of two cities, seeded
once for this module inside a transaction that is rolled back at its end; each call's writes are
rolled back too, so the calls do not depend on each other's order.
"""

from __future__ import annotations

import logging

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ipops.models import Role
from tests.api import endpoints
from tests.api.endpoints import CITIES, PAGE_SIZE_PARAM, Problems, World, call, operations
from tests.conftest import queries_of


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    # Thousands of refusals (and the crashes, already in the problems) would flood the report's log.
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.CRITICAL)
    with django_db_blocker.unblock(), transaction.atomic():
        yield endpoints.seed_world()
        transaction.set_rollback(True)
    request_log.setLevel(level)


def test_every_operation_declares_who_may_call_it():
    """`roles` on the view (x-roles), naming real roles, or `public = True` (x-public)."""
    problems = [f"{op}: neither x-roles nor x-public" for op in operations() if not op.declared]
    problems += [
        f"{op}: x-roles names no role {sorted(op.roles - set(Role))}"
        for op in operations()
        if op.roles and op.roles - set(Role)
    ]
    assert not problems, f"operations that do not say who may call them ({len(problems)}):\n  " + "\n  ".join(
        problems
    )


def test_every_routed_api_view_is_in_the_schema():
    """The harness calls what the schema lists: a view left out of it (`exclude=True`) would go unchecked."""
    listed = {op.view for op in operations()}
    missing = sorted(
        f"{view.__module__}.{view.__name__} at {route}"
        for view, route in endpoints.routed_api_views().items()
        if view not in listed
    )
    assert not missing, "API views the schema does not list:\n  " + "\n  ".join(missing)


def test_every_object_route_names_its_model():
    unnamed = sorted(
        {
            f"{op.view.__module__}.{op.view.__name__} ({op})"
            for op in operations()
            if op.has_object and op.model is None
        }
    )
    assert not unnamed, "views whose {id} names no model (`model = …` on the view):\n  " + "\n  ".join(
        unnamed
    )


@pytest.mark.parametrize("city", CITIES)
def test_every_operation_answers_every_role_as_declared(world: World, db, city):
    problems = Problems()
    for op in operations():
        if op.public:
            continue
        for caller in world.callers[city]:
            endpoints.check_caller(world, op, caller, city, problems)
    assert not problems, problems.report(f"answers that differ from the declarations in {city}")


def test_public_operations_answer_anyone_and_the_rest_refuse_strangers(world: World, db):
    problems = Problems()
    for op in operations():
        endpoints.check_anonymous(world, op, CITIES[0], problems)
        if op.public:
            for caller in world.callers[CITIES[0]][:1]:
                endpoints.check_public(world, op, caller, CITIES[0], problems)
    assert not problems, problems.report("answers to strangers that differ from the declarations")


@pytest.mark.parametrize("city", CITIES)
def test_lists_show_only_what_their_details_show(world: World, db, city):
    problems = Problems()
    for op in operations():
        if op.method == "GET" and op.paginated and not op.has_object:
            endpoints.check_list_within_visibility(world, op, city, problems)
    assert not problems, problems.report(f"lists showing rows their detail hides in {city}")


def test_list_queries_do_not_grow_with_the_page(world: World, db):
    """Zulip's and NetBox's query budgets: a page of one row and a page of twenty cost as many queries."""
    problems = Problems()
    city = CITIES[0]
    for op in operations():
        if op.method != "GET" or not op.paginated or (op.has_object and op.model is None):
            continue  # (a route whose {id} names no model is reported by its own test)
        found = endpoints.longest_list(world, op, city, problems)
        if found is None:
            continue  # (noted: no page of two rows to compare with)
        caller, url, rows = found
        big = min(rows, endpoints.ENOUGH_ROWS)
        call(caller.client, "GET", url, query={PAGE_SIZE_PARAM: big})  # warm: caches, the wall's mode
        counts = {}
        for size in (1, big):
            with CaptureQueriesContext(connection) as ctx:
                answer = call(caller.client, "GET", url, query={PAGE_SIZE_PARAM: size})
            problems.check(op, caller.label, answer, {200}, "200")
            counts[size] = len(queries_of(ctx))
        if counts[1] != counts[big]:
            problems.note(
                f"{op} as {caller.label}: {counts[1]} queries for a page of 1, {counts[big]} for a page of {big}"
            )
    assert not problems, problems.report("list endpoints whose query count grows with the page")


def test_the_operations_are_read_from_the_schema():
    """The harness sees the whole API: core, apps, the token exchange (a guard against an empty schema)."""
    paths = {op.path for op in operations()}
    assert "/api/v1/{city}/assets/{id}/" in paths
    assert "/api/v1/auth/token/" in paths
