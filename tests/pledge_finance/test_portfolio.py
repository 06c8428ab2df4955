"""A bank's and an insurer's portfolio: an Excel export of exactly its own loans (amounts in 万元, rates as
percentages) and a chart whose figures add up to the page's."""

from __future__ import annotations

import datetime
import io
import json
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from ipops import clock
from pledge_finance import selectors, services
from pledge_finance.models import Loan
from tests.pledge_finance.conftest import build_world, client_for, loan_to_state

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = datetime.date(2025, 8, 1)


@pytest.fixture
def w(qingdao):
    """The bank lent twice (February and April 2025; one loan defaulted), the other bank once (March)."""
    w = build_world(qingdao)
    w.live = loan_to_state(w, "disbursed", assets=[w.assets[0]], disbursed_on=datetime.date(2025, 2, 10))
    w.gone = loan_to_state(
        w, "disbursed", assets=[w.assets[1]], amount=D("1500000"), disbursed_on=datetime.date(2025, 4, 3)
    )
    w.others = loan_to_state(
        w,
        "disbursed",
        assets=[w.assets2[0]],
        user=w.enterprise2,
        bank=w.bank2,
        disbursed_on=datetime.date(2025, 3, 20),
    )
    w.pending = loan_to_state(w, "valued", assets=[w.assets[2]])
    with w.scope(), clock.at(TODAY):
        services.loan_declare_default(
            actor=w.actor(w.bank), loan=Loan.objects.get(pk=w.gone.pk), default_on=TODAY, reason="逾期"
        )
    return w


def export_of(user, w) -> tuple[list[str], list[tuple], object]:
    with clock.at(TODAY):
        r = client_for(user).get(f"/{w.city.slug}/loans/portfolio/export.xlsx")
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).active
    headers = [c.value for c in sheet[1]]
    return headers, list(sheet.iter_rows(min_row=2, values_only=True)), sheet


def references(*loans) -> set[str]:
    return {Loan.objects.get(pk=loan.pk).reference for loan in loans}


def test_the_bank_exports_its_own_loans_and_no_other_banks(w):
    headers, rows, sheet = export_of(w.bank, w)
    with w.scope():
        assert {r[0] for r in rows} == references(w.live, w.gone, w.pending)
        assert Loan.objects.get(pk=w.others.pk).reference not in {r[0] for r in rows}
    amount, share, rate = (
        headers.index("金额（万元）"),
        headers.index("我方分担比例"),
        headers.index("年利率"),
    )
    loss = headers.index("我方损失（万元）")
    assert sheet.cell(row=2, column=amount + 1).number_format == "#,##0.00"
    assert sheet.cell(row=2, column=rate + 1).number_format == "0.00%"
    by_ref = {r[0]: r for r in rows}
    with w.scope():
        live = by_ref[Loan.objects.get(pk=w.live.pk).reference]
        gone = Loan.objects.get(pk=w.gone.pk)
        ours = gone.allocations.get(party="bank")
    assert live[amount] == 200 and live[share] == pytest.approx(0.2) and live[rate] == pytest.approx(0.0435)
    assert by_ref[gone.reference][loss] == pytest.approx(float(ours.loss / 10000))


def test_the_insurer_exports_every_loan_it_insures_with_its_own_share(w):
    headers, rows, _sheet = export_of(w.insurer, w)
    with w.scope():
        assert {r[0] for r in rows} == references(w.live, w.gone, w.others, w.pending)
    share, role = headers.index("我方分担比例"), headers.index("我方角色")
    approved = [r for r in rows if r[share] is not None]
    assert approved and all(r[share] == pytest.approx(0.6) and r[role] == "保险机构" for r in approved)


def test_the_chart_adds_up_to_the_portfolio_figures(w):
    with clock.at(TODAY):
        body = client_for(w.bank).get(f"/{w.city.slug}/loans/portfolio/").content.decode()
        with w.scope():
            figures = selectors.portfolio(w.actor(w.bank))
    assert 'data-chart="chart-lending"' in body and 'data-chart="chart-states"' in body
    lending = json.loads(
        re.search(r'<script id="chart-lending" type="application/json">(.*?)</script>', body).group(1)
    )
    assert lending["xAxis"]["data"] == ["2025年2月", "2025年3月", "2025年4月"]  # every month, lent or not
    disbursed, outstanding = (series["data"] for series in lending["series"])
    assert disbursed == [200.0, 0.0, 150.0]
    assert sum(disbursed) == pytest.approx(float(figures["disbursed_total"] / 10000))
    assert sum(outstanding) == pytest.approx(float(figures["outstanding"] / 10000))
    assert figures["outstanding"] > 0 and outstanding[2] == 0  # the April loan defaulted: nothing live
    states = json.loads(
        re.search(r'<script id="chart-states" type="application/json">(.*?)</script>', body).group(1)
    )
    counts = {point["name"]: point["value"] for point in states["series"][0]["data"]}
    assert counts == {"已放款": 1, "已违约": 1, "已评估，审查中": 1}


def test_only_the_parties_export_a_portfolio(w, other_city):
    for who in ("enterprise", "appraiser", "bureau", "official"):
        r = client_for(getattr(w, who)).get(f"/{w.city.slug}/loans/portfolio/export.xlsx")
        assert r.status_code == 403, who
    assert client_for(other_city.bank).get(f"/{w.city.slug}/loans/portfolio/export.xlsx").status_code in (
        403,
        404,
    )
