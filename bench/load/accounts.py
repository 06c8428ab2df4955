"""The demo accounts a load run works as: logged in once (page session with its CSRF token; API token for
the accounts that call the API), with the ids each works on. No locust here: the runner calls it too."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import requests

PASSWORD = os.environ.get("LOAD_PASSWORD", "ipops-demo-2026")
CITIES = [c for c in os.environ.get("LOAD_CITIES", "qingdao,jinan,zhengzhou").split(",") if c]
#: Accounts per scenario, in every city; enterprises make offers, so each has an API token too.
ENTERPRISES = ("enterprise", "enterprise2", "university")
BANKS = ("bank", "bank2")
BUREAUS = ("bureau", "bureau-admin")
SEARCHES = ["电池", "芯片", "石墨烯", "无人机", "充电桩", "海洋", "电机", "检测", "新材料", "传感器"]
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Account:
    """A logged-in demo account: its page session's cookies, its API token and the ids it works on."""

    def __init__(self, username: str, city: str, cookies: dict, token: str = "") -> None:
        self.username = username
        self.city = city
        self.cookies = cookies
        self.token = token
        self.listings: list[int] = []  # listings it may make an offer on (enterprises)
        self.loans: list[int] = []  # loans it may open (banks)

    def as_dict(self) -> dict:
        return {
            "username": self.username,
            "city": self.city,
            "cookies": self.cookies,
            "token": self.token,
            "listings": self.listings,
            "loans": self.loans,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Account:
        account = cls(data["username"], data["city"], data["cookies"], data.get("token", ""))
        account.listings = data.get("listings", [])
        account.loans = data.get("loans", [])
        return account


def _patiently(send):
    """Send; when the server says too many logins (HTTP 429), wait as long as it asks and send again."""
    for _ in range(10):
        answer = send()
        if answer.status_code != 429:
            return answer
        time.sleep(float(answer.headers.get("Retry-After") or 30))
    return answer


def _page_login(host: str, username: str) -> dict:
    with requests.Session() as s:
        page = s.get(f"{host}/accounts/login/", timeout=60)
        page.raise_for_status()
        match = CSRF_INPUT.search(page.text)
        assert match, "no CSRF token on the login page"
        token = match.group(1)
        answer = _patiently(
            lambda: s.post(
                f"{host}/accounts/login/",
                data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
                headers={"Referer": f"{host}/accounts/login/"},
                allow_redirects=False,
                timeout=60,
            )
        )
        if answer.status_code != 302 or "sessionid" not in s.cookies:
            raise RuntimeError(f"login as {username} failed: HTTP {answer.status_code}")
        return s.cookies.get_dict()


def _token(host: str, username: str) -> str:
    answer = _patiently(
        lambda: requests.post(
            f"{host}/api/v1/auth/token/", json={"username": username, "password": PASSWORD}, timeout=60
        )
    )
    answer.raise_for_status()
    return answer.json()["token"]


def _all(host: str, url: str, token: str) -> list[dict]:
    rows: list[dict] = []
    while url and len(rows) < 500:
        answer = requests.get(url, headers={"Authorization": f"Token {token}"}, timeout=60)
        answer.raise_for_status()
        body = answer.json()
        rows += body["results"] if isinstance(body, dict) else body
        url = body.get("next") if isinstance(body, dict) else None
    return rows


def _offerable(host: str, account: Account) -> list[int]:
    """Published listings of the account's city it may offer on: tried once (an offer, withdrawn)."""
    api = f"{host}/api/v1/{account.city}"
    auth = {"Authorization": f"Token {account.token}"}
    found = []
    for row in _all(host, f"{api}/market/listings/", account.token)[:12]:
        made = requests.post(
            f"{api}/listings/{row['id']}/offers/", json={"price": "10000.00"}, headers=auth, timeout=60
        )
        if made.status_code != 201:
            continue  # its own listing, or one not open to offers now
        requests.post(f"{api}/offers/{made.json()['id']}/withdraw/", json={}, headers=auth, timeout=60)
        found.append(row["id"])
        if len(found) >= 4:
            break
    return found


def log_in_everyone(host: str) -> dict[str, list[Account]]:
    """Every scenario's accounts in every city, logged in once (and their working ids found)."""
    accounts: dict[str, list[Account]] = {"enterprise": [], "bank": [], "bureau": []}
    for city in CITIES:
        for name in ENTERPRISES:
            username = f"{city}.{name}"
            account = Account(username, city, _page_login(host, username), _token(host, username))
            account.listings = _offerable(host, account)
            accounts["enterprise"].append(account)
        for name in BANKS:
            username = f"{city}.{name}"
            account = Account(username, city, _page_login(host, username), _token(host, username))
            loans = _all(host, f"{host}/api/v1/{city}/loans/", account.token)
            account.loans = [row["id"] for row in loans][:20]
            accounts["bank"].append(account)
        for name in BUREAUS:
            username = f"{city}.{name}"
            accounts["bureau"].append(Account(username, city, _page_login(host, username)))
    return accounts


def save_accounts(accounts: dict[str, list[Account]], path: Path) -> None:
    path.write_text(json.dumps({k: [a.as_dict() for a in v] for k, v in accounts.items()}))


def load_accounts(path: Path) -> dict[str, list[Account]]:
    return {k: [Account.from_dict(a) for a in v] for k, v in json.loads(path.read_text()).items()}
