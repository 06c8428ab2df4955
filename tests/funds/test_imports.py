"""Importing fund records and past budget expenditures from Excel: the template downloaded, filled and
uploaded through the pages, the preview, the commit, and a file with one bad row that imports nothing."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from funds import services
from funds.errors import FundsErrorCode
from funds.imports import EXPENDITURES, FUND_RECORDS
from funds.imports.expenditures import reference
from funds.models import BudgetSource, CapitalCall, Commitment, Distribution, Expenditure, Investment
from ipops import imports
from ipops.errors import ImportErrorCode
from ipops.models import ImportBatch, ImportStatus, LegalStatus, OrgKind
from ipops.tenancy import city_scope
from tests.conftest import actor, api, make_asset, make_org, make_user
from tests.funds.conftest import open_budget
from tests.support import nothing_changed

pytestmark = pytest.mark.django_db
D = Decimal
FUND = "青岛市知识产权产业投资基金"
COMPANY = "青岛海洋科技有限公司"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def manager(qingdao):
    """A fund manager with one registered market fund, and a company on the platform holding a patent."""
    org = make_org(qingdao, OrgKind.FUND_MANAGER, name="青岛知识产权基金管理有限公司")
    user = make_user(qingdao, "fund_manager", org=org)
    company = make_org(qingdao, OrgKind.ENTERPRISE, name=COMPANY)
    with city_scope(qingdao):
        make_asset(
            qingdao,
            company,
            number="202310000001.7",
            legal_status=LegalStatus.IN_FORCE,
            grant_date=datetime.date(2024, 1, 5),
            filing_date=datetime.date(2023, 1, 1),
        )
        services.fund_register(
            actor=actor(user, qingdao),
            kind="market",
            name=FUND,
            target_size="500000000",
            vintage_year=2024,
            term_years=7,
        )
    return user


def _fill(template: bytes, rows: dict[int, list[list]]) -> bytes:
    """Write rows under a downloaded template's headers, as a person would in Excel."""
    wb = load_workbook(io.BytesIO(template))
    for index, sheet_rows in rows.items():
        ws = wb.worksheets[index]
        for row in sheet_rows:
            ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _labels(sheet) -> list[str]:
    return [column.title for column in sheet.columns]


def _history_rows(call_amount=1500) -> dict[int, list[list]]:
    """Commitments (万元), a call on the first, an investment in the company, and its partial exit."""
    return {
        0: [
            [FUND, "青岛市财政局", "municipal", 3000, datetime.date(2024, 3, 1)],
            [FUND, "某社会资本合伙企业", "Social capital", "12000.5", "2024-03-02"],
        ],
        1: [[FUND, "青岛市财政局", "municipal", call_amount, "2024/4/1", "2024-04-15"]],
        2: [[FUND, COMPANY, None, 800, "2024-06-01", 12.5, None, 2, None]],
        3: [[FUND, "partial_exit", 300, "2025-06-30", COMPANY, 600, "首次退出"]],
    }


def test_template_round_trip_previews_then_imports_the_records_in_yuan(qingdao, manager):
    client = client_for(manager)
    template = client.get("/qingdao/funds/import/template.xlsx?kind=fund_records")
    assert template.status_code == 200
    assert load_workbook(io.BytesIO(template.content)).sheetnames[:4] == [
        str(s.name) for s in FUND_RECORDS.sheets
    ]
    with city_scope(qingdao):
        assert [c.value for c in load_workbook(io.BytesIO(template.content)).worksheets[0][1]] == _labels(
            FUND_RECORDS.sheets[0]
        )
    content = _fill(template.content, _history_rows())
    with nothing_changed(Commitment, CapitalCall, Investment, Distribution):
        uploaded = client.post(
            "/qingdao/funds/import/",
            {"kind": "fund_records", "file": SimpleUploadedFile("history.xlsx", content)},
        )
    assert uploaded.status_code == 302
    preview = client.get(uploaded["Location"])
    page = preview.content.decode()
    assert preview.status_code == 200 and 'data-status="previewed"' in page and 'id="commit"' in page

    committed = client.post(uploaded["Location"])
    assert committed.status_code == 302
    assert 'data-status="committed"' in client.get(uploaded["Location"]).content.decode()
    with city_scope(qingdao):
        amounts = dict(Commitment.objects.values_list("investor", "amount"))
        assert amounts == {"青岛市财政局": D("30000000.00"), "某社会资本合伙企业": D("120005000.00")}
        call = CapitalCall.objects.get()
        assert call.amount == D("15000000.00") and call.paid_on == datetime.date(2024, 4, 15)
        assert Commitment.objects.get(investor="青岛市财政局").paid_in == D("15000000.00")
        investment = Investment.objects.get()
        assert investment.investee.name == COMPANY and investment.patents_in_force == 1
        assert investment.stake == D("0.125") and investment.amount == D("8000000.00")
        assert investment.fair_value == D("6000000.00")  # the rest's value after the partial exit
        distribution = Distribution.objects.get()
        assert distribution.investment == investment and distribution.amount == D("3000000.00")
    # A second click finds it imported: nothing twice.
    client.post(uploaded["Location"])
    with city_scope(qingdao):
        assert Commitment.objects.count() == 2


def test_one_bad_row_among_good_ones_imports_nothing_and_is_reported(qingdao, manager):
    client = client_for(manager)
    template = client.get("/qingdao/funds/import/template.xlsx?kind=fund_records").content
    rows = _history_rows(call_amount=4000)  # more than the 3000 committed
    rows[0].append(["另一只基金", "某投资人", "social", 100, "2024-03-01"])  # not a fund of this manager
    content = _fill(template, rows)
    with nothing_changed(Commitment, CapitalCall, Investment, Distribution):
        uploaded = client.post(
            "/qingdao/funds/import/", {"kind": "fund_records", "file": SimpleUploadedFile("h.xlsx", content)}
        )
        page = client.get(uploaded["Location"]).content.decode()
        assert 'data-status="failed"' in page and 'id="commit"' not in page
        with city_scope(qingdao):
            batch = ImportBatch.objects.get()
        found = {(e["sheet"], e["row"], e["column"], e["code"]) for e in batch.errors}
        calls, commitments = FUND_RECORDS.sheets[1], FUND_RECORDS.sheets[0]
        assert (commitments.key, 4, commitments.columns[0].title, FundsErrorCode.FUND_NOT_FOUND) in found
        assert (calls.key, 2, calls.column("amount").title, FundsErrorCode.CALL_EXCEEDS_COMMITMENT) in found
        # The investment has no paid-in capital to draw on, and the exit then no investment.
        assert {e["sheet"] for e in batch.errors} == {"commitments", "calls", "investments", "distributions"}
        assert 'data-row="4"' in page
        # Committing anyway (a forged form) still imports nothing.
        client.post(uploaded["Location"])


def test_the_bureau_imports_past_expenditures_booked_with_the_batch_reference(qingdao):
    open_budget(qingdao)
    bureau = make_user(qingdao, "bureau_staff")
    with city_scope(qingdao):
        content = imports.filled_workbook(
            EXPENDITURES,
            {
                "expenditures": [
                    {
                        "source": "central_1",
                        "category": "service_purchase",
                        "amount": 120,
                        "spent_on": datetime.date(2024, 5, 20),
                        "in_cluster_zone": False,
                    },
                    {
                        "source": "municipal",
                        "category": "cluster_zone",
                        "amount": "35.5",
                        "spent_on": "2024-06-01",
                        "in_cluster_zone": True,
                        "market_based": False,
                        "note": "集聚区运营",
                    },
                ]
            },
        )
    response = api(bureau).post(
        "/api/v1/qingdao/funds/imports/",
        {"kind": "expenditures", "file": SimpleUploadedFile("spent.xlsx", content), "commit": "false"},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "previewed" and body["row_errors"] == []
    commit = api(bureau).post(f"/api/v1/qingdao/funds/imports/{body['id']}/commit/")
    assert commit.status_code == 200 and commit.json()["status"] == "committed"
    assert api(bureau).post(f"/api/v1/qingdao/funds/imports/{body['id']}/commit/").json()["code"] == (
        ImportErrorCode.IMPORT_ALREADY_COMMITTED
    )
    with city_scope(qingdao):
        batch = ImportBatch.objects.get()
        spent = list(
            Expenditure.objects.order_by("spent_on").values_list("amount", "reference", "market_based")
        )
        assert spent == [
            (D("1200000.00"), reference(batch), True),  # market-based by its category
            (D("355000.00"), reference(batch), False),
        ]
        assert BudgetSource.objects.get(kind="central_1").spent == D("1200000.00")


def test_a_forbidden_central_use_is_reported_on_its_row_and_nothing_is_booked(qingdao):
    open_budget(qingdao)
    bureau = make_user(qingdao, "bureau_staff")
    rows = [
        {
            "source": "municipal",
            "category": "training",
            "amount": 5,
            "spent_on": "2024-05-01",
            "in_cluster_zone": False,
        },
        {
            "source": "central_1",
            "category": "renovation",
            "amount": 50,
            "spent_on": "2024-05-02",
            "in_cluster_zone": True,
        },
    ]
    with city_scope(qingdao):
        content = imports.filled_workbook(EXPENDITURES, {"expenditures": rows})
    with nothing_changed(Expenditure, BudgetSource):
        response = api(bureau).post(
            "/api/v1/qingdao/funds/imports/",
            {"kind": "expenditures", "file": SimpleUploadedFile("spent.xlsx", content), "commit": "true"},
            format="multipart",
        )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == ImportErrorCode.IMPORT_ROWS_INVALID
    (error,) = body["batch"]["row_errors"]
    category = EXPENDITURES.sheets[0].column("category")
    assert (error["row"], error["code"]) == (3, FundsErrorCode.CENTRAL_MONEY_FORBIDDEN_USE)
    with city_scope(qingdao):
        assert error["column"] == category.title
        assert body["batch"]["status"] == ImportStatus.FAILED


def test_limits_and_roles_through_the_api(qingdao, manager):
    official = make_user(qingdao, "official")
    bureau = make_user(qingdao, "bureau_staff")
    too_big = SimpleUploadedFile("big.xlsx", b"0" * (imports.MAX_BYTES + 1))
    answer = api(bureau).post(
        "/api/v1/qingdao/funds/imports/", {"kind": "expenditures", "file": too_big}, format="multipart"
    )
    assert answer.status_code == 413 and answer.json()["code"] == ImportErrorCode.FILE_TOO_LARGE
    csv = SimpleUploadedFile("spent.xlsx", "来源,类别\n".encode())
    answer = api(bureau).post(
        "/api/v1/qingdao/funds/imports/", {"kind": "expenditures", "file": csv}, format="multipart"
    )
    assert answer.status_code == 400 and answer.json()["code"] == ImportErrorCode.FILE_TYPE_NOT_ALLOWED
    # The bureau does not import a fund's records (only its manager does); officials import nothing.
    records = SimpleUploadedFile("h.xlsx", imports.filled_workbook(FUND_RECORDS, {}))
    answer = api(bureau).post(
        "/api/v1/qingdao/funds/imports/", {"kind": "fund_records", "file": records}, format="multipart"
    )
    assert answer.status_code == 403
    assert api(official).get("/api/v1/qingdao/funds/imports/template/").status_code == 403
    assert client_for(official).get("/qingdao/funds/import/").status_code == 403
    # Each role's template is its own kind.
    manager_template = api(manager).get("/api/v1/qingdao/funds/imports/template/")
    assert manager_template.status_code == 200 and "fund_records" in manager_template["Content-Disposition"]
    assert "expenditures" in api(bureau).get("/api/v1/qingdao/funds/imports/template/")["Content-Disposition"]


def test_missing_headers_are_named_on_the_page(qingdao, manager):
    client = client_for(manager)
    with city_scope(qingdao):
        content = imports.filled_workbook(FUND_RECORDS, {})
    wb = load_workbook(io.BytesIO(content))
    wb.worksheets[0].delete_cols(4)  # the amount
    wb.worksheets[0].append([FUND, "某人", "social", "2024-03-01"])
    buffer = io.BytesIO()
    wb.save(buffer)
    answer = client.post(
        "/qingdao/funds/import/",
        {"kind": "fund_records", "file": SimpleUploadedFile("h.xlsx", buffer.getvalue())},
    )
    assert answer.status_code == 400
    page = answer.content.decode()
    assert f'data-code="{ImportErrorCode.MISSING_COLUMNS}"' in page
    with city_scope(qingdao):
        assert FUND_RECORDS.sheets[0].column("amount").title in page
