"""Load scenarios, one locust user class per kind of visitor (run them with `python -m bench.load`).

- **anonymous market**: a city's marketplace (search, a listing's page), the national marketplace
  (/market/ and its search API) and the city's public search API;
- **enterprise**: its home, the marketplace and a listing, its buyer workbench and assets, and an
  offer (报价) made through the API and withdrawn again (so the run can go on for ever);
- **bank**: its home, the loan queue, a loan's page and the portfolio;
- **bureau**: its home, the scoreboard (/<city>/indicators/), the special budget, the fund register and
  the subsidy queue.

Nobody logs in per simulated user: a run logs every demo account in once (the login page, with its CSRF
token, and the API token endpoint for the enterprises that make offers) and the simulated users of one
account share its session and token. So a run makes a few dozen logins whatever its user count, never
trips login throttling or lockouts, and measures the pages, not the password hasher. The runner logs in
once for all its steps and hands the sessions over in the file named by LOAD_ACCOUNTS; without it the
locustfile logs in itself at start.

Request names are "<scenario>: <page>" so the runner can sum them by scenario. At the end the figures
(per request name and per scenario: count, failures, RPS, median, p95, p99) are written to the JSON
file named by LOAD_STATS, if set.
"""

from __future__ import annotations

import json
import os
import random
from collections import defaultdict
from pathlib import Path

import gevent.lock
import requests
from locust import HttpUser, between, events, task
from locust.stats import StatsEntry

from bench.load.accounts import CITIES, SEARCHES, Account, load_accounts, log_in_everyone

ACCOUNTS: dict[str, list[Account]] = {}
PUBLIC: dict[str, list[int]] = {}  # published listings by city, for the anonymous visitor
#: One offer at a time per account: a second pending offer from one organisation on the same listing is
#: refused (offer_pending), rightly, so the simulated users sharing an account take turns to offer.
OFFERING: dict[str, gevent.lock.Semaphore] = defaultdict(gevent.lock.Semaphore)


@events.test_start.add_listener
def _prepare(environment, **_kwargs) -> None:
    host = environment.host.rstrip("/")
    path = os.environ.get("LOAD_ACCOUNTS", "")
    if path and Path(path).exists():
        ACCOUNTS.update(load_accounts(Path(path)))
    else:
        ACCOUNTS.update(log_in_everyone(host))
    for city in CITIES:
        answer = requests.get(f"{host}/api/v1/{city}/market/listings/", timeout=60)
        answer.raise_for_status()
        PUBLIC[city] = [row["id"] for row in answer.json()["results"]]


class _Visitor(HttpUser):
    abstract = True
    wait_time = between(1, 3)  # a person reading the page before the next click
    scenario = ""
    account: Account

    def on_start(self) -> None:
        accounts = ACCOUNTS.get(self.scenario)
        if accounts:
            self.account = random.choice(accounts)
            self.client.cookies.update(self.account.cookies)
            self.city = self.account.city
        else:
            self.city = random.choice(CITIES)

    def page(self, path: str, name: str, **params) -> None:
        self.client.get(path, params=params or None, name=f"{self.scenario}: {name}")

    def listing(self) -> int | None:
        ids = PUBLIC.get(self.city)
        return random.choice(ids) if ids else None


class AnonymousMarket(_Visitor):
    """Someone who has not logged in, looking for a patent to buy."""

    weight = 4
    scenario = "anonymous"

    @task(3)
    def city_market(self) -> None:
        self.page(f"/{self.city}/market/", "/<city>/market/ ?q", q=random.choice(SEARCHES))

    @task(2)
    def city_market_first_page(self) -> None:
        self.page(f"/{self.city}/market/", "/<city>/market/")

    @task(3)
    def listing_page(self) -> None:
        pk = self.listing()
        if pk:
            self.page(f"/{self.city}/market/{pk}/", "/<city>/market/<id>/")

    @task(2)
    def national_market(self) -> None:
        self.page("/market/", "/market/ ?q", q=random.choice(SEARCHES))

    @task(1)
    def national_search_api(self) -> None:
        self.page("/market/api/listings/", "/market/api/listings/ ?q", q=random.choice(SEARCHES))

    @task(2)
    def city_search_api(self) -> None:
        self.page(
            f"/api/v1/{self.city}/market/listings/",
            "/api/v1/<city>/market/listings/ ?q",
            q=random.choice(SEARCHES),
        )


class Enterprise(_Visitor):
    """An enterprise browsing the market, its workbench and assets, and making offers."""

    weight = 3
    scenario = "enterprise"

    @task(2)
    def home(self) -> None:
        self.page(f"/{self.city}/", "/<city>/ (home)")

    @task(3)
    def market(self) -> None:
        self.page(f"/{self.city}/market/", "/<city>/market/ ?q", q=random.choice(SEARCHES))

    @task(3)
    def listing_page(self) -> None:
        pk = self.listing()
        if pk:
            self.page(f"/{self.city}/market/{pk}/", "/<city>/market/<id>/")

    @task(1)
    def buyer_workbench(self) -> None:
        self.page(f"/{self.city}/trading/buy/", "/<city>/trading/buy/")

    @task(1)
    def assets(self) -> None:
        self.page(f"/{self.city}/assets/", "/<city>/assets/")

    @task(1)
    def offer(self) -> None:
        """报价 through the API, then withdrawn: the write path (locks, audit, the listing's state)."""
        lock = OFFERING[self.account.username]
        if not self.account.listings or not lock.acquire(blocking=False):
            return
        try:
            pk = random.choice(self.account.listings)
            auth = {"Authorization": f"Token {self.account.token}"}
            api = f"/api/v1/{self.city}"
            price = f"{random.randint(100, 900) * 1000}.00"
            with self.client.post(
                f"{api}/listings/{pk}/offers/",
                json={"price": price, "message": "负载测试报价"},
                headers=auth,
                name="enterprise: POST /api/v1/<city>/listings/<id>/offers/",
                catch_response=True,
            ) as made:
                if made.status_code != 201:
                    made.failure(f"HTTP {made.status_code}: {made.text[:200]}")
                    return
                offer = made.json()["id"]
            self.client.post(
                f"{api}/offers/{offer}/withdraw/",
                json={},
                headers=auth,
                name="enterprise: POST /api/v1/<city>/offers/<id>/withdraw/",
            )
        finally:
            lock.release()


class Bank(_Visitor):
    """A bank's credit officer working through the pledge-loan queue."""

    weight = 1
    scenario = "bank"

    @task(1)
    def home(self) -> None:
        self.page(f"/{self.city}/", "/<city>/ (home)")

    @task(3)
    def queue(self) -> None:
        self.page(f"/{self.city}/loans/queue/", "/<city>/loans/queue/")

    @task(3)
    def loan(self) -> None:
        if self.account.loans:
            self.page(f"/{self.city}/loans/{random.choice(self.account.loans)}/", "/<city>/loans/<id>/")

    @task(1)
    def portfolio(self) -> None:
        self.page(f"/{self.city}/loans/portfolio/", "/<city>/loans/portfolio/")

    @task(1)
    def loans_api(self) -> None:
        self.client.get(
            f"/api/v1/{self.city}/loans/",
            headers={"Authorization": f"Token {self.account.token}"},
            name="bank: /api/v1/<city>/loans/",
        )


class Bureau(_Visitor):
    """The IP bureau's dashboards."""

    weight = 2
    scenario = "bureau"

    @task(2)
    def home(self) -> None:
        self.page(f"/{self.city}/", "/<city>/ (home)")

    @task(2)
    def scoreboard(self) -> None:
        self.page(f"/{self.city}/indicators/", "/<city>/indicators/")

    @task(1)
    def budget(self) -> None:
        self.page(f"/{self.city}/funds/budget/", "/<city>/funds/budget/")

    @task(1)
    def funds(self) -> None:
        self.page(f"/{self.city}/funds/", "/<city>/funds/")

    @task(1)
    def subsidy_queue(self) -> None:
        self.page(f"/{self.city}/subsidies/queue/", "/<city>/subsidies/queue/")


def _figures(entry: StatsEntry, seconds: float) -> dict:
    return {
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "rps": round(entry.num_requests / seconds, 2) if seconds else 0.0,
        "median_ms": entry.get_response_time_percentile(0.5) if entry.num_requests else None,
        "p95_ms": entry.get_response_time_percentile(0.95) if entry.num_requests else None,
        "p99_ms": entry.get_response_time_percentile(0.99) if entry.num_requests else None,
        "max_ms": round(entry.max_response_time or 0),
    }


@events.quitting.add_listener
def _write_stats(environment, **_kwargs) -> None:
    path = os.environ.get("LOAD_STATS", "")
    if not path or environment.stats is None:
        return
    stats = environment.stats
    total = stats.total
    seconds = max((total.last_request_timestamp or 0) - total.start_time, 0.0)
    scenarios: dict[str, StatsEntry] = defaultdict(
        lambda: StatsEntry(stats, "", "", use_response_times_cache=False)
    )
    by_name = {}
    for (name, method), entry in sorted(stats.entries.items()):
        scenarios[name.split(":", 1)[0]].extend(entry)
        by_name[f"{method} {name}"] = _figures(entry, seconds)
    errors = [
        {"name": e.name, "method": e.method, "error": str(e.error), "occurrences": e.occurrences}
        for e in stats.errors.values()
    ]
    report = {
        "seconds": round(seconds, 1),
        "total": _figures(total, seconds),
        "scenarios": {name: _figures(entry, seconds) for name, entry in sorted(scenarios.items())},
        "requests": by_name,
        "errors": errors,
    }
    Path(path).write_text(json.dumps(report, indent=2, ensure_ascii=False))
