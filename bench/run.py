"""`make bench`: search and matching latency through the API at 100,000 and 1,000,000 listings.

For each size: fill the benchmark database (`bench.generate`), start the web process (gunicorn,
one sync worker, as in production but on this machine), send the queries over HTTP and report
the median and p95 latency of public search and of matching one buy request (served from the stored
matches, and computed live), plus the web
process's peak memory (VmHWM). Results go to bench/results/. Sizes: BENCH_SIZES (default
"100000,1000000"); requests per scenario: BENCH_REQUESTS (default 200).

Then the reporting benchmark (`bench.reporting`, its own database and process; BENCH_REPORTING=0 skips it,
BENCH_REPORTING_SCALE=small makes it quick).
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench import db

ROOT = Path(__file__).resolve().parent.parent
SEARCHES = [
    "电池 热管理",
    "石墨烯 导热",
    "芯片 封装",
    "无人机 避障",
    "轨道 制动",
    "海水淡化",
    "轮胎 胶料",
    "图像识别 深度学习",
    "充电桩",
    "智能冰箱 识别",
    "单克隆抗体",
    "液冷板 电池包",
    "BMS",
    "永磁 电机",
    "锂电池 SOC 估算",
    "海洋 监测 浮标",
    "空调 变频 控制",
]
# With text and without; common filters and rare ones (design patents are 5% of listings; A01B matches none):
# a rare filter is where "walk the newest until enough match" reads the whole table.
FILTERED = [
    {"q": "电池", "ipc": "H01M"},
    {"q": "复合材料", "price_max": "1000000"},
    {"q": "检测", "deal_type": "assignment", "industry": "ai"},
    {"q": "电池", "kind": "design"},
    {"ipc": "B61F"},
    {"ipc": "B61F", "price_max": "1000000"},
    {"kind": "design"},
    {"ipc": "A01B"},
    {"industry": "marine", "deal_type": "exclusive_licence"},
    {"price_min": "4900000"},
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, token: str = "") -> float:
    req = urllib.request.Request(url, headers={"Authorization": f"Token {token}"} if token else {})  # noqa: S310
    t0 = time.perf_counter()
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - our own local server
        resp.read()
        assert resp.status == 200, resp.status
    return (time.perf_counter() - t0) * 1000


def _stats(samples: list[float]) -> dict:
    samples = sorted(samples)
    return {
        "n": len(samples),
        "median_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 1),
        "max_ms": round(samples[-1], 1),
    }


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def measure(url: str, info: dict, requests: int) -> dict:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "false", "CONN_MAX_AGE": "600", "LOG_LEVEL": "WARNING"}
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "ipops.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/api/v1/{info['city']}"
    try:
        for _ in range(100):
            try:
                _get(f"{base}/market/listings/?page_size=1")
                break
            except OSError:
                time.sleep(0.2)
        search = f"{base}/market/listings/?"
        for q in SEARCHES:  # warm-up: caches, the tokeniser, connections
            _get(search + urllib.parse.urlencode({"q": q}))
        results = {}
        samples = [
            _get(search + urllib.parse.urlencode({"q": SEARCHES[i % len(SEARCHES)]})) for i in range(requests)
        ]
        results["search"] = _stats(samples)
        by_filter: dict[str, list[float]] = {}
        for i in range(requests):
            params = FILTERED[i % len(FILTERED)]
            by_filter.setdefault(urllib.parse.urlencode(params), []).append(
                _get(search + urllib.parse.urlencode(params))
            )
        results["search_filtered"] = _stats([t for samples in by_filter.values() for t in samples])
        worst = max(by_filter, key=lambda k: _stats(by_filter[k])["p95_ms"])
        results["search_filtered_worst"] = {"filter": urllib.parse.unquote(worst), **_stats(by_filter[worst])}
        samples = [_get(search + urllib.parse.urlencode({"page": 1})) for _ in range(requests // 4)]
        results["browse_newest"] = _stats(samples)
        brs = info["buy_requests"]
        for br in brs:
            _get(f"{base}/buy-requests/{br}/matches/", info["token"])
        samples = [
            _get(f"{base}/buy-requests/{brs[i % len(brs)]}/matches/", info["token"]) for i in range(requests)
        ]
        results["match_buy_request"] = _stats(samples)
        # The same, computed live (what the refresh tasks do for one buy request), for comparison.
        samples = [
            _get(f"{base}/buy-requests/{brs[i % len(brs)]}/matches/?live=true", info["token"])
            for i in range(requests // 2)
        ]
        results["match_buy_request_live"] = _stats(samples)
        workers = _children(web.pid)
        results["web_peak_rss_mb"] = {
            "worker": max((_hwm_mb(p) for p in workers), default=0.0),
            "master": _hwm_mb(web.pid),
        }
        return results
    finally:
        web.terminate()
        web.wait(timeout=30)


def main() -> None:
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "100000,1000000").split(",") if s.strip()]
    requests = int(os.environ.get("BENCH_REQUESTS", "200"))
    url = db.ensure_database()
    db.setup_django(url)
    from bench.generate import generate

    report = {"when": time.strftime("%Y-%m-%d %H:%M:%S"), "cpus": os.cpu_count(), "sizes": {}}
    for n in sizes:
        print(f"== {n:,} listings")
        info = generate(n)
        from django.db import connection

        connection.close()
        result = measure(url, info, requests)
        report["sizes"][n] = result
        for name, row in result.items():
            print(f"  {name:20s} {row}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"written {path}")
    if os.environ.get("BENCH_REPORTING", "1") != "0":
        subprocess.run([sys.executable, "-m", "bench.reporting"], cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
