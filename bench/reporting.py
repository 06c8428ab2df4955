"""The reporting benchmark: the roll-up against its floor, one city's near-real-time refresh, the scoreboard.

`python -m bench.reporting` (also run by `make bench`) fills its own database (`ipops_bench_reporting`,
BENCH_REPORTING_DATABASE) with `bench.gen_reporting` at each scale of BENCH_REPORTING_SCALE (default
"city,national"; "small" for a quick run), then measures each scale in a fresh process (so its peak
memory is the measurement's own):

- the full roll-up as the nightly run does it (`rollup_cities` over each task's share of the cities: each
  source read once for the share) — wall time and the process's peak RSS; the same with as many worker
  processes as CPUs, taking shares as Celery workers do; and, for comparison, `rollup_city` for every city
  one after the other;
- the floor: one `GROUP BY city_id, month` per source table over the same rows and window, as the
  superuser (no row security), the best of three — and the ratio roll-up ÷ floor;
- one city's refresh (`refresh_city(city, ["deals"])`) after one new completed deal;
- the scoreboard: `reporting.selectors.scoreboard(actor)` (p95 of 50 calls, its queries), and the page
  `reporting-scoreboard` through the Django test client when that URL exists;
- a cProfile of one share's roll-up (top functions by cumulative time), unless BENCH_REPORTING_PROFILE=0.

It prints each figure beside its target and writes bench/results/reporting-<date>.md and .json.
"""

from __future__ import annotations

import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import db

ROOT = Path(__file__).resolve().parent.parent
NAME = os.environ.get("BENCH_REPORTING_DATABASE", "ipops_bench_reporting")
CALLS = int(os.environ.get("BENCH_REPORTING_CALLS", "50"))
TARGETS = {
    "ratio": 2.0,  # roll-up ÷ floor
    "peak_mb": 1024.0,
    "refresh_s": 1.0,
    "scoreboard_queries": 15,
    "scoreboard_p95_ms": 200.0,
}


def ensure_database() -> str:
    import psycopg

    admin = db.with_database(db.server_url(), "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [NAME]).fetchone():
            conn.execute(f'CREATE DATABASE "{NAME}"')
    url = db.with_database(db.server_url(), NAME)
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    return url


def _maxrss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _p95(samples: list[float]) -> float:
    samples = sorted(samples)
    return round(samples[int(0.95 * (len(samples) - 1))], 1)


# --- the measurements (in their own process) ----------------------------------------------------------------


def _floor(city_ids: list[int], date_from, date_to) -> dict:
    """One grouped query per source table over the roll-up's rows and window: the least the database must
    do to read them. Best of three (the roll-up meets the same warm cache)."""
    from django.db import connection

    queries = {
        "deals": (
            "SELECT city_id, date_trunc('month', completed_at AT TIME ZONE 'Asia/Shanghai'), count(*), "
            "sum(agreed_price) FROM trading_transaction WHERE city_id = ANY(%s) AND status = 'completed' "
            "AND (completed_at AT TIME ZONE 'Asia/Shanghai')::date BETWEEN %s AND %s GROUP BY 1, 2"
        ),
        "loans": (
            "SELECT city_id, date_trunc('month', disbursed_on), count(*), sum(amount) FROM pledge_finance_loan "
            "WHERE city_id = ANY(%s) AND disbursed_on BETWEEN %s AND %s GROUP BY 1, 2"
        ),
        "claims": (
            "SELECT c.city_id, date_trunc('month', b.paid_on), count(*), sum(c.approved_amount) "
            "FROM subsidies_claim c JOIN subsidies_paymentbatch b ON b.id = c.batch_id "
            "WHERE c.city_id = ANY(%s) AND c.state = 'paid' AND b.paid_on BETWEEN %s AND %s GROUP BY 1, 2"
        ),
    }
    out: dict = {}
    with connection.cursor() as cur:
        for name, sql in queries.items():
            times, rows = [], 0
            for _ in range(3):
                t0 = time.perf_counter()
                cur.execute(sql, [city_ids, date_from, date_to])
                rows = len(cur.fetchall())
                times.append(time.perf_counter() - t0)
            out[name] = {"s": round(min(times), 3), "groups": rows}
            # Whether PostgreSQL runs the floor's query with parallel workers (then it uses every core).
            cur.execute("EXPLAIN (FORMAT JSON) " + sql, [city_ids, date_from, date_to])
            planned = re.findall(r'"Workers Planned": (\d+)', json.dumps(cur.fetchone()[0]))
            out[name]["parallel_workers"] = max((int(n) for n in planned), default=0)
    out["total_s"] = round(sum(v["s"] for v in out.values()), 3)
    return out


def _shares(city_ids: list[int]) -> list[list[int]]:
    """The cities as the nightly fan-out hands them to tasks (`CityJob.per_task` a task)."""
    from ipops.tasks import in_shares
    from reporting.apps import ROLLUP_CITIES_PER_TASK

    return in_shares(city_ids, ROLLUP_CITIES_PER_TASK)


def _rollup(city_ids: list[int]) -> dict:
    """The full roll-up in one process, as the nightly run does it (`rollup_cities`, a task's share of
    cities at a time: each source read once for the share)."""
    from reporting.services.rollup import rollup_cities

    per_share = []
    t0 = time.perf_counter()
    for share in _shares(city_ids):
        t = time.perf_counter()
        outcomes = rollup_cities(share)
        assert all(isinstance(v, int) for v in outcomes.values()), outcomes
        per_share.append(time.perf_counter() - t)
    return {
        "s": round(time.perf_counter() - t0, 3),
        "shares": len(per_share),
        "per_city_s": round((time.perf_counter() - t0) / len(city_ids), 4),
        "per_share_max_s": round(max(per_share), 3),
    }


def _rollup_one_by_one(city_ids: list[int]) -> dict:
    """For comparison: `rollup_city` for each city in turn (run now; every source read per city)."""
    from reporting.services.rollup import rollup_city

    per_city = []
    t0 = time.perf_counter()
    for pk in city_ids:
        t = time.perf_counter()
        rollup_city(pk)
        per_city.append(time.perf_counter() - t)
    return {
        "s": round(time.perf_counter() - t0, 3),
        "per_city_median_s": round(statistics.median(per_city), 3),
        "per_city_max_s": round(max(per_city), 3),
    }


def _rollup_share(city_ids: list[int]) -> None:
    from django.db import connection

    from reporting.services.rollup import rollup_cities

    connection.close()  # a forked process opens its own connection
    outcomes = rollup_cities(city_ids)
    assert all(isinstance(v, int) for v in outcomes.values()), outcomes


def _rollup_workers(city_ids: list[int], workers: int) -> dict:
    """The roll-up as deployed: beat fans out one task per share of cities to a pool of workers (here
    `workers` processes, each taking the next share when it is free, as a worker with prefetch 1 does)."""
    import multiprocessing

    from django.db import connection

    shares = _shares(city_ids)
    if len(shares) < 2:  # one task: one worker takes it, and the one-process figure is the figure
        return {"s": None, "workers": 1}
    connection.close()
    context = multiprocessing.get_context("fork")
    t0 = time.perf_counter()
    with context.Pool(workers, maxtasksperchild=None) as pool:
        pool.map(_rollup_share, shares, chunksize=1)
    return {"s": round(time.perf_counter() - t0, 3), "workers": workers}


def _profile(city_ids: list[int]) -> str:
    import cProfile
    import io
    import pstats

    from reporting.services.rollup import rollup_cities

    profiler = cProfile.Profile()
    profiler.runcall(rollup_cities, city_ids)
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(30)
    return buffer.getvalue()


def _refresh(slug: str, times: int = 5) -> dict:
    from bench.gen_reporting import new_deal
    from ipops.models import City
    from reporting.services.rollup import refresh_city

    city = City.objects.get(slug=slug)
    samples = []
    for _ in range(times):
        new_deal(slug)
        t0 = time.perf_counter()
        rows = refresh_city(city.pk, ["deals"])
        samples.append(time.perf_counter() - t0)
    return {
        "city": slug,
        "rows": rows,
        "median_s": round(statistics.median(samples), 3),
        "max_s": round(max(samples), 3),
    }


def _scoreboard(slug: str) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ipops.access import actor_for
    from ipops.models import City, User
    from ipops.tenancy import city_scope
    from reporting.selectors import scoreboard

    city = City.objects.get(slug=slug)
    user = User.objects.get(username=f"{slug}.bureau")
    with city_scope(city):
        actor = actor_for(user, city)
        assert actor is not None
        for _ in range(3):
            scoreboard(actor)
        with CaptureQueriesContext(connection) as ctx:
            board = scoreboard(actor)
        samples = []
        for _ in range(CALLS):
            t0 = time.perf_counter()
            scoreboard(actor)
            samples.append((time.perf_counter() - t0) * 1000)
    return {
        "indicators": len(board.rows),
        "queries": len(ctx.captured_queries),
        "p95_ms": _p95(samples),
        "median_ms": round(statistics.median(samples), 1),
    }


def _scoreboard_page(slug: str) -> dict:
    from django.conf import settings
    from django.test.utils import override_settings
    from django.urls import NoReverseMatch, reverse

    from ipops.models import User

    # Static URLs unhashed: the benchmark needs no collectstatic (the manifest costs a dict lookup).
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        try:
            url = reverse("reporting-scoreboard", kwargs={"city": slug})
        except NoReverseMatch:
            return {"skipped": "the URL reporting-scoreboard does not exist in this checkout yet"}
        return _page_times(url, User.objects.get(username=f"{slug}.bureau"))


def _page_times(url: str, user) -> dict:
    from django.db import connection
    from django.test import Client

    client = Client()
    client.force_login(user)
    for _ in range(3):
        response = client.get(url)
        assert response.status_code == 200, response.status_code
    # Counted by an execute wrapper: the request's start resets Django's query log under a capture.
    statements: list[str] = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(url)
    samples = []
    for _ in range(CALLS):
        t0 = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - t0) * 1000)
    return {
        "url": url,
        "queries": len([q for q in statements if not q.lstrip().upper().startswith("SELECT SET_CONFIG")]),
        "statements_with_the_city_wall": len(statements),
        "p95_ms": _p95(samples),
        "median_ms": round(statistics.median(samples), 1),
    }


def measure(scale_name: str) -> dict:
    """Every figure of one scale (run in a fresh process: `python -m bench.reporting --measure NAME`)."""
    from bench.gen_reporting import SCALES, slugs
    from ipops import clock
    from ipops.models import City
    from ipops.tenancy import city_scope
    from reporting.models import Indicator
    from reporting.services.rollup import _window

    scale = SCALES[scale_name]
    names = slugs(scale)
    cities = {c.slug: c for c in City.objects.filter(slug__in=names)}
    city_ids = [cities[s].pk for s in names]
    first = cities[names[0]]
    with city_scope(first):
        indicators = list(Indicator.objects.filter(active=True))
    date_from, date_to = _window(first, indicators, clock.today())
    baseline_mb = _maxrss_mb()
    out: dict = {"scale": scale_name, "cities": len(city_ids), "window": [str(date_from), str(date_to)]}
    out["floor"] = _floor(city_ids, date_from, date_to)
    out["rollup"] = _rollup(city_ids)
    out["rollup"]["peak_rss_mb"] = _maxrss_mb()
    out["rollup"]["baseline_rss_mb"] = baseline_mb
    out["rollup_one_by_one"] = _rollup_one_by_one(city_ids)
    out["ratio"] = round(out["rollup"]["s"] / out["floor"]["total_s"], 2) if out["floor"]["total_s"] else None
    workers = int(os.environ.get("BENCH_REPORTING_WORKERS", str(os.cpu_count() or 2)))
    out["rollup_workers"] = _rollup_workers(city_ids, workers)
    out["ratio_workers"] = (
        round(out["rollup_workers"]["s"] / out["floor"]["total_s"], 2)
        if out["floor"]["total_s"] and out["rollup_workers"]["s"]
        else None
    )
    out["refresh"] = _refresh(names[0])
    out["scoreboard"] = _scoreboard(names[0])
    out["scoreboard_page"] = _scoreboard_page(names[0])
    if os.environ.get("BENCH_REPORTING_PROFILE", "1") != "0":
        out["profile"] = _profile(_shares(city_ids)[0])
    return out


# --- the run -------------------------------------------------------------------------------------------------


def _mark(value, target, *, lower_is_better: bool = True) -> str:
    if value is None:
        return "—"
    ok = value <= target if lower_is_better else value >= target
    return "ok" if ok else "MISSED"


def table(results: dict) -> str:
    lines = [
        "| scale | figure | value | target | floor | |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in results["scales"].items():
        floor = r["floor"]
        rollup = r["rollup"]
        page = r["scoreboard_page"]
        sb = r["scoreboard"]
        rows = [
            (
                "roll-up wall time, one process",
                f"{rollup['s']} s ({r['cities']} cities in {rollup['shares']} tasks' shares; "
                f"{rollup['per_city_s']} s a city, slowest share {rollup['per_share_max_s']} s)",
                f"≤ 2× floor = {round(2 * floor['total_s'], 2)} s",
                f"{floor['total_s']} s (deals {floor['deals']['s']}, loans {floor['loans']['s']}, "
                f"claims {floor['claims']['s']})",
                _mark(r["ratio"], TARGETS["ratio"]),
            ),
            ("roll-up ÷ floor", f"{r['ratio']}×", "≤ 2×", "", _mark(r["ratio"], TARGETS["ratio"])),
            (
                "for comparison: each city on its own (`rollup_city`, as run now does)",
                f"{r['rollup_one_by_one']['s']} s (per city median {r['rollup_one_by_one']['per_city_median_s']} s, "
                f"max {r['rollup_one_by_one']['per_city_max_s']} s)",
                "",
                "",
                "",
            ),
            (
                f"roll-up wall time, {r['rollup_workers']['workers']} worker processes (the beat fan-out)",
                f"{r['rollup_workers']['s']} s ({r['ratio_workers']}× the floor)"
                if r["rollup_workers"]["s"]
                else "one task (one city): the one-process figure above",
                f"≤ 2× floor = {round(2 * floor['total_s'], 2)} s",
                f"the floor's deals query: {floor['deals'].get('parallel_workers', 0)} parallel workers planned",
                _mark(r["ratio_workers"], TARGETS["ratio"]) if r["ratio_workers"] else "",
            ),
            (
                "roll-up peak memory (process RSS)",
                f"{rollup['peak_rss_mb']} MB (Django loaded: {rollup['baseline_rss_mb']} MB)",
                "≤ 1024 MB",
                "",
                _mark(rollup["peak_rss_mb"], TARGETS["peak_mb"]),
            ),
            (
                "refresh one city after one new deal",
                f"median {r['refresh']['median_s']} s, max {r['refresh']['max_s']} s ({r['refresh']['rows']} rows)",
                "≤ 1 s" if name == "national" else "(the target is set at national scale)",
                "",
                _mark(r["refresh"]["max_s"], TARGETS["refresh_s"]) if name == "national" else "",
            ),
            (
                "scoreboard selector",
                f"p95 {sb['p95_ms']} ms, median {sb['median_ms']} ms, {sb['queries']} queries "
                f"({sb['indicators']} indicators)",
                "≤ 200 ms, ≤ 15 queries",
                "",
                "ok"
                if sb["p95_ms"] <= TARGETS["scoreboard_p95_ms"]
                and sb["queries"] <= TARGETS["scoreboard_queries"]
                else "MISSED",
            ),
        ]
        if "skipped" in page:
            rows.append(("scoreboard page", f"skipped: {page['skipped']}", "≤ 200 ms, ≤ 15 queries", "", "—"))
        else:
            rows.append(
                (
                    "scoreboard page",
                    f"p95 {page['p95_ms']} ms, median {page['median_ms']} ms, {page['queries']} queries",
                    "≤ 200 ms, ≤ 15 queries",
                    "",
                    "ok"
                    if page["p95_ms"] <= TARGETS["scoreboard_p95_ms"]
                    and page["queries"] <= TARGETS["scoreboard_queries"]
                    else "MISSED",
                )
            )
        for figure, value, target, fl, mark in rows:
            lines.append(f"| {name} | {figure} | {value} | {target} | {fl} | {mark} |")
    return "\n".join(lines)


def main() -> None:
    if sys.argv[1:2] == ["--measure"]:
        db.setup_django(db.with_database(db.server_url(), NAME))
        print(json.dumps(measure(sys.argv[2]), default=str))
        return
    scales = [
        s.strip() for s in os.environ.get("BENCH_REPORTING_SCALE", "city,national").split(",") if s.strip()
    ]
    url = ensure_database()
    db.setup_django(url)
    from django.db import connection

    from bench.gen_reporting import SCALES, generate

    results: dict = {"when": time.strftime("%Y-%m-%d %H:%M:%S"), "cpus": os.cpu_count(), "scales": {}}
    generated = {}
    for name in scales:
        scale = SCALES[name]
        print(
            f"== {name}: {scale.cities} cities, {scale.deals:,} deals, {scale.loans:,} loans, "
            f"{scale.claims:,} claims"
        )
        generated[name] = generate(scale)
    connection.close()
    for name in scales:
        print(f"== measuring {name}")
        done = subprocess.run(
            [sys.executable, "-m", "bench.reporting", "--measure", name],
            cwd=ROOT,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        result = json.loads(done.stdout.strip().splitlines()[-1])
        result["generation"] = generated[name]
        results["scales"][name] = result
        print({k: v for k, v in result.items() if k != "profile"})
    report = table(results)
    print(report)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"reporting-{time.strftime('%Y%m%d-%H%M%S')}"
    notes = [
        f"# Reporting benchmark, {results['when']} ({results['cpus']} CPUs)",
        "",
        report,
        "",
        "Generation: rows by INSERT … SELECT generate_series; during the load the loaded tables' triggers "
        "were off (DISABLE TRIGGER ALL: row history and the deferred foreign-key checks) and their secondary "
        "indexes dropped; both were restored as the migrations made them, then VACUUM ANALYZE.",
        "",
    ]
    for name, r in results["scales"].items():
        notes += [f"## {name}", "", "```", json.dumps(r["generation"]), json.dumps(r["floor"]), "```", ""]
        if r.get("profile"):
            notes += [f"### cProfile of one share's roll-up ({name})", "", "```", r["profile"], "```", ""]
    stem.with_suffix(".md").write_text("\n".join(notes))
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    print(f"written {stem}.md")


if __name__ == "__main__":
    main()
