"""Schemathesis over the whole API schema, as an enterprise and as the bureau of a seeded demo city.

Every operation of the OpenAPI schema the app serves gets data generated from its own declaration (valid
and invalid: Schemathesis's positive and negative modes), sent through the real WSGI stack, and every
answer is checked: never a 5xx, and a documented status's body matches its documented schema and media
type. The city path parameter is the caller's city; ids are whatever Schemathesis makes up (so most
detail reads answer 404, which is declared nowhere and so not judged beyond "not a 5xx").

Bounded in time: `SCHEMATHESIS_EXAMPLES` examples per operation and mode (default 3), and past
`SCHEMATHESIS_BUDGET` seconds per caller (default 75) every remaining operation gets a single example,
so the whole module stays within about three minutes on a busy two-core machine. Every problem is
collected and the test fails once, listing them all (request, status, what was wrong).

Status codes are not judged against the schema: operations declare only their success answer; error
answers share one documented shape, checked by tests/api (the endpoint harness).
"""

from __future__ import annotations

import json
import logging
import os
import time
from contextlib import contextmanager

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from ipops.models import Role
from tests.api import endpoints

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "3"))
BUDGET_SECONDS = float(os.environ.get("SCHEMATHESIS_BUDGET", "75"))
CITY = endpoints.CITIES[0]
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


class AsUser(WSGIHandler):
    """The project's WSGI application with `user` signed in, as DRF's test client signs in
    (`force_authenticate`): how a caller proves who it is is not what this test probes (tests/api and the
    token tests do), what it can send is."""

    def __init__(self, user):
        super().__init__()
        self.user = user

    def get_response(self, request):
        request._force_auth_user = self.user
        return super().get_response(request)


@contextmanager
def connection_kept():
    """Requests through WSGI close the database connection when they end, as in production; here they
    run inside the test's transaction, so keep it (what Django's test client does)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.CRITICAL)  # thousands of expected 4xx
    with django_db_blocker.unblock(), transaction.atomic():
        yield endpoints.seed_world()
        transaction.set_rollback(True)
    request_log.setLevel(level)


@pytest.fixture(scope="module")
def schema(world):
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return schemathesis.openapi.from_dict(json.loads(response.content))


def demo_user(world, role: str):
    """The demo's first user of `role` in the city (the endpoint harness's caller)."""
    return next(c.user for c in world.callers[CITY] if c.label == role)


def describe(case, response=None) -> str:
    query = f"?{case.query}" if case.query else ""
    body = f" body={json.dumps(case.body, ensure_ascii=False, default=str)[:300]}" if case.body else ""
    answer = ""
    if response is not None:
        answer = f" -> {response.status_code} {response.text[:300]}"
    return f"{case.method} {case.formatted_path}{query}{body}{answer}"


def fuzz(schema, app, label: str, answered: dict[str, set[int]]) -> list[str]:
    """Every operation called with generated data; what went wrong, one line each. `answered` collects
    the statuses each operation gave."""
    problems: list[str] = []
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        examples = EXAMPLES if time.monotonic() - started < BUDGET_SECONDS else 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            where = f"{label} {mode}"
            strategy = operation.as_strategy(generation_mode=mode, path_parameters={"city": CITY})

            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                derandomize=True,  # the same requests on every run: a failure in CI reproduces here
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy)
            def call(case):
                with transaction.atomic():
                    try:
                        response = case.call(app=app)
                        answered.setdefault(case.operation.label, set()).add(response.status_code)
                        case.validate_response(response, checks=CHECKS)
                    except FailureGroup as group:
                        titles = "; ".join(sorted({f.title for f in group.exceptions}))
                        problems.append(f"{where}: {titles}: {describe(case, response)}")  # noqa: B023 - run at once
                    except Exception as exc:  # noqa: BLE001 - a crash is a finding like any other
                        problems.append(f"{where}: {type(exc).__name__}: {exc}: {describe(case)}")  # noqa: B023
                    transaction.set_rollback(True)

            try:
                call()
            except Unsatisfiable:
                # No invalid request exists when the only parameter is the city, which is fixed.
                if mode is GenerationMode.POSITIVE:
                    problems.append(f"{label} {mode}: cannot generate {operation.label}")
            except Exception as exc:  # noqa: BLE001 - e.g. a schema Schemathesis cannot generate data for
                problems.append(f"{label} {mode}: cannot generate {operation.label}: {exc}")
    return problems


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.BUREAU_ADMIN])
def test_every_operation_survives_generated_input(schema, world, db, role):
    started = time.monotonic()
    app = AsUser(demo_user(world, str(role)))
    with connection_kept():
        problems = fuzz(schema, app, f"as {role} in {CITY}", answered := {})
    print(f"schemathesis as {role}: {time.monotonic() - started:.0f} s")  # noqa: T201 - the budget, seen with -s
    # The fuzzing reached the application: a signed-in caller whose requests mostly bounce off a 401 or
    # the router would pass while probing nothing.
    succeeded = sorted(op for op, statuses in answered.items() if any(200 <= s < 300 for s in statuses))
    print(f"{len(answered)} operations called, {len(succeeded)} answered 2xx at least once")  # noqa: T201
    assert len(answered) == len(list(schema.get_all_operations()))
    assert len(succeeded) >= 10, succeeded
    unique = sorted(set(problems))
    assert not unique, f"{len(unique)} problems:\n" + "\n".join(unique)
