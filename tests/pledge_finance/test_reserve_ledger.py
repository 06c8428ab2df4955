"""The risk reserve's ledger reads as a running balance: movements in the order they happened (by their day,
then as booked), each balance the previous one plus the amount — on the page, in the API and in the export."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from ipops import clock
from pledge_finance import services
from pledge_finance.models import Loan, ReserveEntry, RiskReserve
from tests.conftest import api
from tests.pledge_finance.conftest import build_world, client_for, loan_to_state
from tests.support import nothing_changed

pytestmark = pytest.mark.django_db
D = Decimal
DEFAULT_ON = datetime.date(2025, 6, 30)
DECLARED_ON = datetime.date(2025, 8, 1)


@pytest.fixture
def w(qingdao):
    """Movements booked out of their days' order: two defaults of 30 June declared on 1 August, then a
    top-up entered in mid-August under 1 May, and a recovery of 20 July recorded in September."""
    w = build_world(qingdao)
    first = loan_to_state(w, "disbursed", assets=[w.assets[0]])
    second = loan_to_state(w, "disbursed", assets=[w.assets[1]])
    with w.scope():
        with clock.at(DECLARED_ON):
            for loan in (first, second):
                services.loan_declare_default(
                    actor=w.actor(w.bank),
                    loan=Loan.objects.get(pk=loan.pk),
                    default_on=DEFAULT_ON,
                    reason="逾期",
                )
        with clock.at(datetime.date(2025, 8, 15)):
            services.reserve_top_up(
                actor=w.actor(w.bureau),
                amount=D("5000000"),
                note="2025年度追加",
                booked_on=datetime.date(2025, 5, 1),
            )
        with clock.at(datetime.date(2025, 9, 1)):
            services.loan_record_recovery(
                actor=w.actor(w.bank),
                loan=Loan.objects.get(pk=first.pk),
                amount=D("300000.01"),
                received_on=datetime.date(2025, 7, 20),
                source="质押专利拍卖",
            )
    return w


def assert_running(rows: list[tuple[datetime.date, Decimal, Decimal]], opening: Decimal) -> None:
    """Every row: the previous balance plus the amount is the balance; rows by day."""
    assert rows[0][1] == rows[0][2] == opening
    for (_day, _amount, before), (_next_day, amount, after) in zip(rows, rows[1:], strict=False):
        assert before + amount == after, (before, amount, after)
    days = [day for day, _a, _b in rows]
    assert days == sorted(days)


def test_the_ledger_runs_in_the_order_things_happened_and_adds_up_row_to_row(w):
    with w.scope():
        reserve = RiskReserve.objects.get()
        booked = list(ReserveEntry.objects.order_by("id").values_list("kind", "booked_on"))
    # The payouts are dated when the money left the reserve (the declaration), not the default date.
    assert [day for kind, day in booked if kind == "payout"] == [DECLARED_ON] * 6
    assert ("top_up", datetime.date(2025, 5, 1)) in booked and (
        "refund",
        datetime.date(2025, 7, 20),
    ) in booked

    body = client_for(w.bureau).get(f"/{w.city.slug}/loans/reserve/").content.decode()
    rows = [
        (datetime.date.fromisoformat(day), D(amount), D(balance))
        for amount, balance, day in re.findall(
            r'data-amount="([-\d.]+)" data-balance="([-\d.]+)" data-day="([\d-]+)"', body
        )
    ]
    assert len(rows) == len(booked) == 1 + 1 + 6 + 3
    assert_running(rows, D("30000000.00"))
    assert rows[-1][2] == reserve.balance
    assert [day for day, _a, _b in rows][:3] == [
        datetime.date(2024, 1, 1),
        datetime.date(2025, 5, 1),
        datetime.date(2025, 7, 20),
    ]

    # The API lists the same rows, in the same order, with the same balances.
    ledger = api(w.bureau).get(f"/api/v1/{w.city.slug}/loans/reserve/ledger/?page_size=100").json()
    assert [
        (datetime.date.fromisoformat(r["booked_on"]), D(r["amount"]), D(r["balance_after"]))
        for r in ledger["results"]
    ] == rows

    # So does the export, in 元 with the unit in the header.
    export = client_for(w.official).get(f"/{w.city.slug}/loans/reserve/export.xlsx")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    headers = [c.value for c in sheet[1]]
    amount, balance = headers.index("金额（元）"), headers.index("变动后余额（元）")
    assert sheet.cell(row=2, column=amount + 1).number_format == "#,##0.00"
    exported = [
        (r[0].date(), D(str(r[amount])).quantize(D("0.01")), D(str(r[balance])).quantize(D("0.01")))
        for r in sheet.iter_rows(min_row=2, values_only=True)
    ]
    assert exported == rows


def test_a_top_up_cannot_be_dated_ahead(w):
    tomorrow = clock.today() + datetime.timedelta(days=1)
    with nothing_changed(RiskReserve, ReserveEntry):
        r = api(w.bureau).post(
            f"/api/v1/{w.city.slug}/loans/reserve/ledger/",
            {"amount": "1000", "note": "预拨", "booked_on": tomorrow.isoformat()},
            format="json",
        )
    assert r.status_code == 400
    assert r.json()["fields"]["booked_on"][0]["code"] == "in_future"


def test_a_top_up_answers_with_its_running_balance(w):
    with w.scope():
        balance = RiskReserve.objects.get().balance
    r = api(w.bureau).post(
        f"/api/v1/{w.city.slug}/loans/reserve/ledger/", {"amount": "1000", "note": "追加"}, format="json"
    )
    assert r.status_code == 201
    assert D(r.json()["balance_after"]) == balance + D("1000")


def test_only_the_bureau_and_officials_export_the_ledger(w):
    for who in ("bank", "insurer", "enterprise", "appraiser"):
        assert client_for(getattr(w, who)).get(f"/{w.city.slug}/loans/reserve/export.xlsx").status_code == 403


def test_another_citys_bureau_cannot_export_this_ledger(w, other_city):
    r = client_for(other_city.bureau).get(f"/{w.city.slug}/loans/reserve/export.xlsx")
    assert r.status_code in (403, 404)
