"""Page times as a person meets them: log in as every demo role in a real Chromium and open their pages.

`python -m bench.pages [--base-url URL]` against a served demo (`make run`), or, with no URL, it
serves this checkout itself the way `make run` does (runserver; DEBUG from the environment, default
off; static files collected) on a free port against DATABASE_URL. For each role it records:

- first page: from submitting the login form to the home page's `load` event, with an empty cache
  (a new browser context per role: what someone meets the first time they log in);
- pages: every navigation entry of that role, opened once cold and then once more (warm cache),
  each timed from navigation start to `load` (Navigation Timing);
- console errors and failed requests seen on the way.

It prints a table and writes bench/results/pages-<time>.json. Times are wall-clock on this machine:
compare runs made on the same machine, never assert them in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROLES = [
    "qingdao.enterprise",
    "qingdao.university",
    "qingdao.appraiser",
    "qingdao.bank",
    "qingdao.insurer",
    "qingdao.bureau",
    "qingdao.bureau-admin",
    "qingdao.official",
    "shandong.official",
]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOAD_MS = "(() => { const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd - n.startTime; })()"
#: Bytes that crossed the network for the page and its resources (0 for what came from the cache), and
#: how many resources were requested at all.
TRAFFIC = """(() => {
  const all = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
  return {bytes: all.reduce((s, e) => s + (e.transferSize || 0), 0), requests: all.length};
})()"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(checkout: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "false"), "LOG_LEVEL": "WARNING"}
    python = checkout / ".venv" / "bin" / "python"
    if env["DEBUG"].lower() in ("0", "false", "no", "off"):
        subprocess.run(
            [python, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=checkout, env=env, check=True
        )
    server = subprocess.Popen(
        [python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=checkout,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(f"{base}/healthz/", timeout=2).read()  # noqa: S310 - our own server
            return server, base
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not come up")


def _role_pages(browser, base: str, username: str, password: str) -> dict:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None
    )
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    page.on("response", lambda r: problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None)
    page.goto(f"{base}/accounts/login/", wait_until="load")
    login_traffic = page.evaluate(TRAFFIC)
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    started = time.perf_counter()
    page.click("#login-submit")
    page.wait_for_load_state("load")
    first_page_ms = (time.perf_counter() - started) * 1000
    first_traffic = page.evaluate(TRAFFIC)
    links = page.eval_on_selector_all("a[data-nav]", "els => els.map(e => e.href)")
    cold, warm, warm_bytes = [], [], []
    for href in dict.fromkeys(links):
        for times in (cold, warm):
            page.goto(href, wait_until="load")
            times.append(page.evaluate(LOAD_MS))
        warm_bytes.append(page.evaluate(TRAFFIC)["bytes"])
    context.close()
    return {
        "first_page_ms": round(first_page_ms, 1),
        "login_page_kb": round(login_traffic["bytes"] / 1024),
        "first_page_kb": round(first_traffic["bytes"] / 1024),
        "first_page_requests": first_traffic["requests"],
        "warm_page_kb_median": round(statistics.median(warm_bytes) / 1024) if warm_bytes else None,
        "pages": len(cold),
        "cold_median_ms": round(statistics.median(cold), 1) if cold else None,
        "warm_median_ms": round(statistics.median(warm), 1) if warm else None,
        "all_ms": [round(t, 1) for t in cold + warm],
        "problems": problems,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", help="a demo already served; default: serve this checkout")
    parser.add_argument("--checkout", default=str(ROOT), help="the checkout to serve (its .venv)")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    server = None
    base = args.base_url
    if not base:
        server, base = _serve(Path(args.checkout))
    password = os.environ.get("DEMO_PASSWORD", "ipops-demo-2026")
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    results = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
            for username in ROLES:
                results[username] = _role_pages(browser, base, username, password)
            browser.close()
    finally:
        if server:
            server.terminate()
            server.wait(timeout=10)
    every = [t for r in results.values() for t in r["all_ms"]]
    summary = {
        "label": args.label,
        "first_page_median_ms": round(statistics.median(r["first_page_ms"] for r in results.values()), 1),
        "first_page_max_ms": max(r["first_page_ms"] for r in results.values()),
        "page_median_ms": round(statistics.median(every), 1),
        "cold_page_median_ms": round(
            statistics.median(r["cold_median_ms"] for r in results.values() if r["cold_median_ms"]), 1
        ),
        "warm_page_median_ms": round(
            statistics.median(r["warm_median_ms"] for r in results.values() if r["warm_median_ms"]), 1
        ),
        "login_page_kb_median": statistics.median(r["login_page_kb"] for r in results.values()),
        "first_page_kb_median": statistics.median(r["first_page_kb"] for r in results.values()),
        "warm_page_kb_median": statistics.median(
            r["warm_page_kb_median"] for r in results.values() if r["warm_page_kb_median"] is not None
        ),
        "problems": sum(len(r["problems"]) for r in results.values()),
    }
    print(
        f"{'role':22} {'login KB':>8} {'first ms':>9} {'first KB':>8} {'reqs':>4} {'pages':>5} "
        f"{'cold med':>9} {'warm med':>9} {'warm KB':>7} problems"
    )
    for username, r in results.items():
        print(
            f"{username:22} {r['login_page_kb']:>8} {r['first_page_ms']:>9} {r['first_page_kb']:>8} "
            f"{r['first_page_requests']:>4} {r['pages']:>5} {r['cold_median_ms']!s:>9} "
            f"{r['warm_median_ms']!s:>9} {r['warm_page_kb_median']!s:>7} {len(r['problems'])}"
        )
    print(json.dumps(summary, ensure_ascii=False))
    out = ROOT / "bench" / "results" / f"pages-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"summary": summary, "roles": results}, ensure_ascii=False, indent=1))
    print(f"written {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
