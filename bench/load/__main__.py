"""`python -m bench.load` (`make load`): how many requests per second the demo serves with p95 < 200 ms.

Against its own demo database (LOAD_DATABASE_NAME, default `ipops_load`, on DATABASE_URL's server:
created, migrated and seeded with the demo and its nightly jobs the first time), it serves the app as
production does — gunicorn with 2 sync workers, DEBUG off, static files collected and served by
WhiteNoise, persistent database connections — and drives it with the locust scenarios of
`bench/locustfile.py` (anonymous market, enterprise, bank, bureau; weights 4:3:1:2), headless:

0. a 20-second warm-up (LOAD_WARMUP_SECONDS), not counted;
1. a short step search (LOAD_STEPS users, default 10,20,40,80: from 10, the
   scenarios' weights, so that every scenario has its users; LOAD_STEP_SECONDS each, default 45):
   the highest user count at which every scenario's p95 stays under LOAD_P95_MS (200) with no error;
2. the final run at that count for LOAD_SECONDS (default 300), or at LOAD_USERS if given (no search).

It prints requests per second, median / p95 / p99 overall and per scenario, the error rate (any failed
request counts: an HTTP error, a refused offer) and the machine's load average sampled through the run
(its 2 cores are shared with whatever else runs here, the load generator included: read the figures with
it). Results go to bench/results/load-<time>.json.

With LOAD_REDIS_URL set, tasks go to that broker and a Celery worker (concurrency 1, a private queue)
runs them, as in production; without it tasks run in the web process (the demo's quick start).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from bench import db
from bench.load.accounts import log_in_everyone, save_accounts

ROOT = Path(__file__).resolve().parent.parent.parent
DATABASE = os.environ.get("LOAD_DATABASE_NAME", "ipops_load")
P95_MS = float(os.environ.get("LOAD_P95_MS", "200"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def prepare_database(env: dict) -> None:
    """Create, migrate and (once) seed the load database, as `make run` does."""
    import psycopg

    # First: with DEBUG off every command needs the hashed static files' manifest (the favicon's URL).
    # Collecting (and compressing) takes minutes on this machine: skipped when nothing changed since.
    manifest = ROOT / "staticfiles" / "staticfiles.json"
    sources = [p for d in ROOT.glob("*/static") for p in d.rglob("*") if p.is_file()]
    sources += [p for p in (ROOT / "static").rglob("*") if p.is_file()]
    if not manifest.exists() or max(p.stat().st_mtime for p in sources) > manifest.stat().st_mtime:
        _manage(env, "collectstatic", "--noinput", "-v", "0")
    admin = db.with_database(db.server_url(), "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
    _manage(env, "migrate", "--no-input", "-v", "0")
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        seeded = conn.execute("SELECT count(*) FROM ipops_city").fetchone()[0]
    if not seeded:
        print("seeding the demo (a few minutes, once)")
        _manage(env, "seed_demo")
        for job in ("registry_snapshot", "match_refresh", "indicator_rollup"):
            _manage(env, "run_job", job)


class LoadAverage(threading.Thread):
    """/proc/loadavg every 5 seconds while a run lasts."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(5):
            self.samples.append(float(Path("/proc/loadavg").read_text().split()[0]))

    def summary(self) -> dict:
        s = self.samples or [0.0]
        return {"min": min(s), "mean": round(sum(s) / len(s), 2), "max": max(s), "samples": len(s)}


def run_locust(host: str, users: int, seconds: int, accounts: Path, env: dict) -> dict:
    """One headless locust run; its figures (from the locustfile's LOAD_STATS) and the load average."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        stats = Path(f.name)
    load = LoadAverage()
    load.start()
    try:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "--host",
                host,
                "-u",
                str(users),
                "-r",
                str(max(users // 2, 1)),
                "-t",
                f"{seconds}s",
                "--reset-stats",  # measure from the moment every user is running
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={**env, "LOAD_ACCOUNTS": str(accounts), "LOAD_STATS": str(stats), "PYTHONPATH": str(ROOT)},
            check=False,  # locust exits 1 when a request failed: the figures say which
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # its own tables: the figures are in LOAD_STATS
        )
        report = json.loads(stats.read_text())
    finally:
        load.stop.set()
        load.join()
        stats.unlink(missing_ok=True)
    report["users"] = users
    report["load_average"] = load.summary()
    return report


def passes(report: dict) -> bool:
    """Every scenario's p95 under the bound, and not one failed request."""
    if report["total"]["failures"]:
        return False
    return all((row["p95_ms"] or 0) < P95_MS for row in report["scenarios"].values())


def show(report: dict) -> None:
    total = report["total"]
    print(
        f"  {report['users']:>3} users  {report['seconds']:>5.0f} s  {total['rps']:>6.1f} req/s  "
        f"p95 {total['p95_ms']} ms  failures {total['failures']}/{total['requests']}  "
        f"load avg {report['load_average']['mean']} (max {report['load_average']['max']})"
    )
    for name, row in report["scenarios"].items():
        print(
            f"      {name:12s} {row['rps']:>6.1f} req/s  median {row['median_ms']} ms  p95 {row['p95_ms']} ms"
            f"  p99 {row['p99_ms']} ms  failures {row['failures']}/{row['requests']}"
        )
    for error in report["errors"]:
        print(
            f"      ERROR {error['occurrences']}x {error['method']} {error['name']}: {error['error'][:200]}"
        )


def start_web(env: dict, port: int) -> subprocess.Popen:
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "ipops.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # gunicorn's own start and stop lines; the app logs warnings only
    )
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/", timeout=5):  # noqa: S310 - ours
                return web
        except OSError:
            if web.poll() is not None:
                raise RuntimeError("gunicorn did not start") from None
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz/")


def main() -> None:
    url = db.with_database(db.server_url(), DATABASE)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_ENV": "development",  # production's secure cookies need HTTPS, which this bench has not
        "DEBUG": "false",
        "CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
        "REDIS_URL": os.environ.get("LOAD_REDIS_URL", ""),
        "CELERY_QUEUE": "ipops-load",
    }
    prepare_database(env)
    port = _free_port()
    host = f"http://127.0.0.1:{port}"
    processes = [start_web(env, port)]
    if env["REDIS_URL"]:
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "ipops", "worker", "-Q", "ipops-load", "-c", "1"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    report: dict = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "cpus": os.cpu_count(),
        "web": "gunicorn, 2 sync workers, DEBUG off, WhiteNoise",
        "broker": bool(env["REDIS_URL"]),
        "p95_bound_ms": P95_MS,
        "steps": [],
    }
    try:
        with tempfile.TemporaryDirectory() as tmp:
            accounts = Path(tmp) / "accounts.json"
            everyone = log_in_everyone(host)
            save_accounts(everyone, accounts)
            report["accounts"] = {
                scenario: [
                    {"username": a.username, "offer_listings": len(a.listings), "loans": len(a.loans)}
                    for a in rows
                ]
                for scenario, rows in everyone.items()
            }
            # Warm-up, not measured: each worker's first search loads jieba's dictionary and first pages
            # compile their templates, seconds that would otherwise land in the first step's p95.
            warm = run_locust(host, 10, int(os.environ.get("LOAD_WARMUP_SECONDS", "20")), accounts, env)
            report["warm_up"] = {"requests": warm["total"]["requests"], "failures": warm["total"]["failures"]}
            chosen = int(os.environ.get("LOAD_USERS", "0"))
            if not chosen:
                step_seconds = int(os.environ.get("LOAD_STEP_SECONDS", "45"))
                print(
                    f"step search: p95 < {P95_MS:.0f} ms in every scenario, no error ({step_seconds} s a step)"
                )
                for users in [int(u) for u in os.environ.get("LOAD_STEPS", "10,20,40,80").split(",")]:
                    step = run_locust(host, users, step_seconds, accounts, env)
                    report["steps"].append(step)
                    show(step)
                    if not passes(step):
                        break
                    chosen = users
            if not chosen:
                print("no step kept p95 under the bound: the final run uses the smallest")
                chosen = report["steps"][0]["users"]
            seconds = int(os.environ.get("LOAD_SECONDS", "300"))
            print(f"final run: {chosen} users for {seconds} s")
            final = run_locust(host, chosen, seconds, accounts, env)
            show(final)
            final["passes"] = passes(final)
            final["error_rate"] = (
                final["total"]["failures"] / final["total"]["requests"] if final["total"]["requests"] else 0.0
            )
            report["final"] = final
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"load-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"written {path}")


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)  # progress as it happens, also into a log file
    main()
