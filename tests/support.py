"""Shared test helpers: one race harness, one "nothing changed" snapshot, one permission matrix.

Every app's tests use these instead of writing their own:

- `race(*calls, context=...)`: each call in its own thread with its own database connection, all
  released at once by a barrier; returns what each returned, or the `ApplicationError` it raised.
- `nothing_changed(*models)`: a context manager that fails if any row of these models (every city's),
  or any audit record, was added, changed or removed inside it — "bad input changes nothing".
- `assert_matrix(expected, outcome)`: call `outcome(case)` for every case and fail once, listing every
  case whose outcome differs from `expected[case]` (a role × action table reads as one failure).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from django.db import connection, models

from ipops.errors import ApplicationError
from ipops.models import AuditEvent
from ipops.tenancy import scopes_disabled


def race(
    *calls: Callable[[], Any],
    context: Callable[[], contextlib.AbstractContextManager] | None = None,
    timeout: float = 60,
) -> list[Any]:
    """Run every call at the same moment, each in its own thread and connection.

    `context()` (e.g. `lambda: city_scope(city)`) is entered in each thread before the barrier, so
    the calls start together with their scopes already set. Each result is the call's return value,
    or the `ApplicationError` it raised; any other exception fails the test.
    """
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    crashes: list[BaseException] = []

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            with context() if context is not None else contextlib.nullcontext():
                barrier.wait(timeout=timeout)
                results[index] = call()
        except ApplicationError as exc:
            results[index] = exc
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread below
            crashes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    if any(thread.is_alive() for thread in threads):
        raise AssertionError(f"a racing call did not finish within {timeout} s")
    if crashes:
        raise crashes[0]
    return results


def failures(results: list[Any]) -> list[ApplicationError]:
    """The `ApplicationError`s among `race` results."""
    return [r for r in results if isinstance(r, ApplicationError)]


def successes(results: list[Any]) -> list[Any]:
    return [r for r in results if not isinstance(r, ApplicationError)]


#: Columns that move without a business change (auto_now); left out of snapshots.
_VOLATILE = {"updated_at", "last_login"}


def snapshot(*models_: type[models.Model]) -> dict[str, list[tuple]]:
    """Every row of each model, in every city, as sorted tuples; audit records always included."""
    out: dict[str, list[tuple]] = {}
    with scopes_disabled():
        for model in (*models_, AuditEvent):
            names = [f.attname for f in model._meta.concrete_fields if f.attname not in _VOLATILE]
            rows = model._base_manager.order_by("pk").values_list(*names)
            out[model._meta.label] = [tuple(str(v) for v in row) for row in rows]
    return out


@contextlib.contextmanager
def nothing_changed(*models_: type[models.Model]) -> Iterator[None]:
    """Fail if any row of `models_` (or any audit record) differs after the block."""
    before = snapshot(*models_)
    yield
    after = snapshot(*models_)
    changed = {label for label in before if before[label] != after[label]}
    assert not changed, f"rows changed in {sorted(changed)}"


def assert_matrix(expected: Mapping[Any, Any], outcome: Callable[[Any], Any]) -> None:
    """`outcome(case)` must equal `expected[case]` for every case; every mismatch is listed at once."""
    wrong = []
    for case, want in expected.items():
        got = outcome(case)
        if got != want:
            wrong.append(f"  {case!r}: expected {want!r}, got {got!r}")
    assert not wrong, "permission matrix mismatches:\n" + "\n".join(wrong)


def listed_ids(client, url: str) -> set[int]:
    """Every id a paginated list endpoint returns to this client, following `next` links."""
    ids: set[int] = set()
    next_url: str | None = url
    while next_url:
        response = client.get(next_url, {"page_size": 100} if next_url == url else None)
        assert response.status_code == 200, (next_url, response.status_code)
        body = response.json()
        ids |= {row["id"] for row in body["results"]}
        next_url = body.get("next")
    return ids


def assert_list_and_detail_agree(client, list_url: str, detail_url: str, candidate_ids: set[int]) -> None:
    """The ids a list shows are exactly the candidates whose detail answers 200 (the rest 404).

    `detail_url` has `{pk}`; `candidate_ids` are every row of the model in the city (and a foreign one).
    """
    listed = listed_ids(client, list_url)
    answers = {pk: client.get(detail_url.format(pk=pk)).status_code for pk in candidate_ids}
    assert set(answers.values()) <= {200, 404}, answers
    opened = {pk for pk, code in answers.items() if code == 200}
    assert listed == opened, f"listed only: {sorted(listed - opened)}, opened only: {sorted(opened - listed)}"


def database_url_of_this_test() -> str:
    """A libpq URL for the database this test uses, for processes the test starts (workers, web servers)."""
    from urllib.parse import quote

    s = connection.settings_dict
    host = s.get("HOST") or ""
    if host.startswith("/"):  # a Unix socket directory (the embedded server)
        return f"postgresql://{s['USER']}@/{s['NAME']}?host={quote(host)}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgresql://{auth}@{host or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


@contextlib.contextmanager
def celery_worker(*, log_level: str = "warning") -> Iterator[tuple[str, Any]]:
    """A real Celery worker (solo pool) on a private queue, against the test database and the real Redis:
    yields (queue, process). Tasks sent with `queue=queue`, or while `task_default_queue` names it, reach
    only this worker. Stopped (terminated, killed if need be) on the way out. Skips without REDIS_URL."""
    import os
    import subprocess
    import sys
    import uuid
    from pathlib import Path

    import pytest
    from django.conf import settings

    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: no broker to test against (CI sets it)")
    url = database_url_of_this_test()
    queue = f"ipops-test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": settings.REDIS_URL, "CELERY_QUEUE": queue}
    worker = subprocess.Popen(  # noqa: S603 — our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "ipops",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "-l",
            log_level,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],  # fmt: skip
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield queue, worker
    finally:
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
