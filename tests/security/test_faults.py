"""Reliability under faults, against the real web server (gunicorn, two workers) in a process of its own:

- a web worker killed while requests run: the master replaces it and the requests after it succeed;
- the database restarted while requests write: the requests after it succeed, and no write is half there
  (a private PostgreSQL for the test, never the shared server other sessions and CI's own connection use);
- Redis down: pages and the API keep working, and the tasks wait in the outbox.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from ipops.models import OutboxMessage
from ipops.security.tokens import issue_token
from ipops.tenancy import scopes_disabled
from tests.conftest import make_asset, make_org, make_user
from tests.support import database_url_of_this_test
from trading.models import BuyRequest

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
#: Nothing listens there: "Redis is down".
NO_REDIS = "redis://127.0.0.1:1/0"
REFRESH = "trading.tasks.refresh_buy_request_matches"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    base: str
    log: Path
    http: requests.Session

    def workers(self) -> set[int]:
        out = subprocess.run(  # noqa: S603 — our own arguments
            ["ps", "--ppid", str(self.process.pid), "-o", "pid="],  # noqa: S607
            capture_output=True,
            text=True,
        ).stdout
        return {int(pid) for pid in out.split()}

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.base + path, timeout=60, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.http.post(self.base + path, timeout=60, **kwargs)


@contextlib.contextmanager
def gunicorn(database_url: str, **env: str) -> Iterator[Server]:
    """`gunicorn ipops.wsgi -w 2` on a free port against `database_url`; stopped on the way out."""
    if shutil.which("gunicorn", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("gunicorn is not installed")
    port = _free_port()
    log = Path(tempfile.mkstemp(prefix="gunicorn-", suffix=".log")[1])
    environment = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": "", **env}
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603 — our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "ipops.wsgi",
                "-w",
                "2",
                "-b",
                f"127.0.0.1:{port}",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    http = requests.Session()
    http.trust_env = False  # never through a proxy from the environment
    server = Server(process, f"http://127.0.0.1:{port}", log, http)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, log.read_text()
            with contextlib.suppress(requests.ConnectionError):
                if server.get("/healthz/").status_code == 200 and len(server.workers()) == 2:
                    break
            assert time.monotonic() < deadline, "gunicorn did not start\n" + log.read_text()
            time.sleep(0.3)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.unlink(missing_ok=True)


def _city_with_a_buyer(city) -> str:
    """A listed patent and a buyer with an API token; returns the token."""
    make_asset(city, make_org(city), title="一种动力电池热管理系统及其控制方法")
    buyer = make_user(city, "enterprise")
    return issue_token(buyer)


def _wait_for(condition, *, seconds: float = 60, step: float = 0.2):
    deadline = time.monotonic() + seconds
    while not (result := condition()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(step)
    return result


class Load:
    """Requests in a loop from a thread until stopped: what each answered, or the connection error."""

    def __init__(self, send):
        self.send, self.answers, self.stop = send, [], threading.Event()
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        n = 0
        while not self.stop.is_set():
            try:
                self.answers.append((n, self.send(n).status_code))
            except requests.ConnectionError as exc:  # the worker died with the request in it
                self.answers.append((n, type(exc).__name__))
            n += 1

    def __enter__(self) -> Load:
        self.thread.start()
        _wait_for(lambda: len(self.answers) >= 3)
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=120)

    def more(self, n: int) -> None:
        """Let `n` more requests finish."""
        done = len(self.answers)
        _wait_for(lambda: len(self.answers) >= done + n, seconds=120)


def test_a_killed_web_worker_is_replaced_and_the_requests_after_it_succeed(qingdao):
    make_asset(qingdao, make_org(qingdao))
    with gunicorn(database_url_of_this_test(), REDIS_URL=NO_REDIS) as server:
        before = server.workers()
        assert len(before) == 2
        with Load(lambda n: server.get("/qingdao/market/")) as load:
            victim = min(before)
            os.kill(victim, signal.SIGKILL)  # mid-request, most likely: both workers are busy
            killed_at = len(load.answers)

            def replaced() -> set[int] | None:
                workers = server.workers()
                return workers if len(workers) == 2 and victim not in workers else None

            after = _wait_for(replaced)
            replaced_at = len(load.answers)
            load.more(20)
        assert server.process.poll() is None  # the master lives on
    assert victim not in after and len(after & before) == 1  # one new worker in the dead one's place
    # Only a request the dead worker held can fail, and never with a server error.
    failed = [(n, a) for n, a in load.answers if a != 200]
    assert all(not isinstance(a, int) for _, a in failed), failed
    assert len(failed) <= 1 and all(killed_at - 2 <= n <= replaced_at for n, _ in failed), failed
    assert all(a == 200 for _, a in load.answers[replaced_at + 1 :])


def test_with_redis_down_pages_and_the_api_keep_working_and_tasks_wait_in_the_outbox(qingdao):
    token = _city_with_a_buyer(qingdao)
    with gunicorn(database_url_of_this_test(), REDIS_URL=NO_REDIS) as server:
        assert server.get("/qingdao/market/").status_code == 200
        auth = {"Authorization": f"Token {token}"}
        created = server.post(
            "/api/v1/qingdao/buy-requests/", json={"title": "求购动力电池热管理技术"}, headers=auth
        )
        assert created.status_code == 201, created.text
        listed = server.get("/api/v1/qingdao/buy-requests/", headers=auth)
        assert listed.status_code == 200 and [r["id"] for r in listed.json()["results"]] == [
            created.json()["id"]
        ]
    with scopes_disabled():
        assert BuyRequest.objects.count() == 1
    (waiting,) = OutboxMessage.objects.all()
    assert (waiting.task, waiting.args, waiting.sent_at) == (
        REFRESH,
        [qingdao.pk, created.json()["id"]],
        None,
    )
    assert waiting.attempts == 1 and waiting.last_error


# --- the database restarted ----------------------------------------------------------------------------


@contextlib.contextmanager
def private_postgres() -> Iterator[tuple[str, object]]:
    """A PostgreSQL server of the test's own (pgserver's binaries, a temporary data directory, a Unix socket)
    holding a copy of the test database (schema, row-level security, triggers and the test's rows).
    Yields (its URL, the pgserver handle); deleted on the way out."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            import pgserver
            from pgserver._commands import POSTGRES_BIN_PATH
        except ImportError:  # pragma: no cover
            pytest.skip("pgserver is not installed")
    data = tempfile.mkdtemp(prefix="ipops-pg-", dir="/tmp")  # short: a socket path has ~100 characters
    server = pgserver.get_server(data, cleanup_mode="delete")
    try:
        server.psql("CREATE ROLE ipops_tenant NOLOGIN;")  # the policies and grants name it
        server.psql("CREATE DATABASE faults;")
        source = database_url_of_this_test()
        dump = subprocess.run(  # noqa: S603 — pgserver's own pg_dump (16) reads the shared server (15 or 16)
            [str(POSTGRES_BIN_PATH / "pg_dump"), "--no-owner", source], capture_output=True, check=True
        ).stdout
        # Column options a patched server may add that a stock one does not know.
        dump = re.sub(rb"(?m)^ALTER TABLE ONLY .* SET \(pg_attver=\d+\);\n", b"", dump)
        url = server.get_uri("faults")
        subprocess.run(  # noqa: S603
            [str(POSTGRES_BIN_PATH / "psql"), url, "-q", "-v", "ON_ERROR_STOP=1"],
            input=dump,
            capture_output=True,
            check=True,
        )
        yield url, server
    finally:
        server.cleanup()


def _restart(server) -> None:
    """Restart the private server: fast shutdown (open sessions are cut, their transactions rolled back)."""
    from pgserver._commands import pg_ctl

    pg_ctl(
        ["-w", "-m", "fast", "-l", str(server.log), "restart"], pgdata=server.pgdata, user=server.system_user
    )


def _rows(url: str, sql: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchall()


def test_after_a_database_restart_requests_succeed_and_no_write_is_half_there(qingdao):
    token = _city_with_a_buyer(qingdao)
    auth = {"Authorization": f"Token {token}"}
    with private_postgres() as (url, pg), gunicorn(url, REDIS_URL=NO_REDIS, CONN_MAX_AGE="600") as server:

        def write(n: int) -> requests.Response:
            return server.post(
                "/api/v1/qingdao/buy-requests/", json={"title": f"求购 重启 {n}"}, headers=auth
            )

        with Load(write) as load:
            load.more(4)  # the workers hold connections (kept: CONN_MAX_AGE) from before the restart
            _restart(pg)
            restarted_at = len(load.answers)
            load.more(10)
        # Restarted again while idle: every worker keeps a connection the server has dropped; it is checked
        # (CONN_HEALTH_CHECKS) and replaced before a request uses it, so not even the first request fails.
        _restart(pg)
        after = [server.get("/qingdao/market/").status_code for _ in range(4)]
        created = server.post("/api/v1/qingdao/buy-requests/", json={"title": "求购 之后"}, headers=auth)
        # Read before the server stops: its connections close with it.
        rows = _rows(url, "SELECT id, title FROM trading_buyrequest")
        messages = _rows(
            url, "SELECT args FROM ipops_outboxmessage WHERE task LIKE '%refresh_buy_request_matches'"
        )
    # Requests after the restart succeed: the kept connections were checked and replaced.
    assert after == [200] * 4 and created.status_code == 201, created.text
    # (Only the one request in flight when the restart finished may have failed.)
    assert all(a == 201 for _, a in load.answers[restarted_at + 1 :]), load.answers
    # Nothing half-written: an answered write is there once; an interrupted one is there whole or not at all.
    titles = [title for _, title in rows]
    for n, answer in load.answers:
        assert titles.count(f"求购 重启 {n}") == (1 if answer == 201 else titles.count(f"求购 重启 {n}")) <= 1
    # ... and each buy request came with its task message (one transaction), no message without its row.
    assert sorted(args[1] for (args,) in messages) == sorted(pk for pk, _ in rows)
