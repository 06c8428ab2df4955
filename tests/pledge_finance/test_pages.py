"""Pages: each role sees its own view of the loans, acts through forms, and is refused elsewhere."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from ipops import clock
from pledge_finance import services, views
from pledge_finance.lifecycles import LOAN
from pledge_finance.models import Loan
from tests.pledge_finance.conftest import build_world, client_for, loan_to_state
from tests.support import assert_matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(qingdao):
    w = build_world(qingdao)
    w.valued = loan_to_state(w, "valued", assets=[w.assets[0]])
    w.live = loan_to_state(w, "disbursed", assets=[w.assets[1]])
    w.gone = loan_to_state(w, "disbursed", assets=[w.assets[2]])
    with w.scope(), clock.at(datetime.date(2025, 6, 30)):
        services.loan_declare_default(
            actor=w.actor(w.bank), loan=w.gone, default_on=datetime.date(2025, 6, 30), reason="逾期"
        )
    return w


def page(w, tail=""):
    return f"/{w.city.slug}/loans/{tail}"


@pytest.mark.parametrize(
    ("who", "tail", "expect"),
    [
        ("enterprise", "", "我的质押贷款"),
        ("bank", "", "参与的贷款"),
        ("bureau", "", "全市质押贷款"),
        ("official", "", "全市质押贷款"),
        ("enterprise", "apply/", "专利权质押保险贷款"),
        ("bank", "queue/", "待我方决定"),
        ("appraiser", "queue/", "待评估的申请"),
        ("insurer", "portfolio/", "违约：我方承担的损失"),
        ("bureau", "products/", "专利权质押保险贷款"),
        ("bureau", "reserve/", "风险补偿准备金"),
        ("official", "reserve/", "风险补偿准备金"),
    ],
)
def test_each_role_lands_on_its_page_in_chinese(w, who, tail, expect):
    r = client_for(getattr(w, who)).get(page(w, tail))
    assert r.status_code == 200
    assert expect in r.content.decode()


def test_loan_detail_shows_schedule_shares_allocation_and_timeline(w):
    for who in ("enterprise", "bank", "insurer", "guarantor", "bureau", "official"):
        body = client_for(getattr(w, who)).get(page(w, f"{w.gone.pk}/")).content.decode()
        for marker in ('id="schedule"', 'id="allocation"', 'id="timeline"', 'data-event="default"', "60%"):
            assert marker in body, (who, marker)
    other = client_for(w.bank2).get(page(w, f"{w.gone.pk}/"))
    assert other.status_code == 404


ROLES = (
    "enterprise",
    "enterprise2",
    "bank",
    "bank2",
    "insurer",
    "guarantor",
    "appraiser",
    "bureau",
    "official",
)


def test_each_role_is_offered_exactly_the_steps_the_lifecycle_allows_it(w):
    """The buttons on the loan page are `LOAN.available(actor, loan)`, for every role and state."""
    loans = {
        "draft": loan_to_state(w, "draft", assets=[w.assets2[0]], user=w.enterprise2),
        "submitted": loan_to_state(w, "submitted", assets=[w.assets2[1]], user=w.enterprise2),
        "valued": w.valued,
        "disbursed": w.live,
        "defaulted": w.gone,
    }
    with w.scope():
        loans = {state: Loan.objects.get(pk=loan.pk) for state, loan in loans.items()}
        expected = {
            (who, state): set(LOAN.available_names(w.actor(getattr(w, who)), loan))
            for who in ROLES
            for state, loan in loans.items()
        }

    def buttons(case):
        who, state = case
        r = client_for(getattr(w, who)).get(page(w, f"{loans[state].pk}/"))
        if r.status_code == 404:
            return set()
        return set(re.findall(r'id="action-([a-z_]+)"', r.content.decode()))

    assert_matrix(expected, buttons)
    # Not vacuous: each party has its step where the lifecycle gives it one.
    assert expected[("enterprise2", "draft")] == {"submit", "withdraw"}
    assert expected[("appraiser", "submitted")] == {"value"}
    assert expected[("insurer", "valued")] == {"decide"}
    assert expected[("bank", "disbursed")] == {"repay", "record_fee", "default"}
    assert expected[("bank", "defaulted")] == {"recover", "release_pledge"}
    assert not any(expected[("bureau", state)] | expected[("official", state)] for state in loans)


def test_the_page_has_a_form_for_every_step_a_person_takes():
    assert set(views.STEPS) == {step.action for step in LOAN.steps if step.manual}


def test_bank_decides_and_disburses_through_the_forms(w):
    bank = client_for(w.bank)
    r = bank.post(page(w, f"{w.valued.pk}/decide/"), {"decide-decision": "approve", "decide-comment": "同意"})
    assert r.status_code == 302
    for user in (w.insurer, w.guarantor):
        client_for(user).post(
            page(w, f"{w.valued.pk}/decide/"), {"decide-decision": "approve", "decide-comment": "同意"}
        )
    with w.scope():
        assert Loan.objects.get(pk=w.valued.pk).state == "approved"
    today = datetime.date.today().isoformat()
    bad = bank.post(
        page(w, f"{w.valued.pk}/disburse/"),
        {
            "disburse-contract_number": "HT",
            "disburse-contract_signed_on": today,
            "disburse-pledge_registration_number": "Y1",
            "disburse-pledge_registered_on": today,
            "disburse-disbursed_on": today,
            "disburse-annual_rate": "50",  # 50%: above the legal ceiling
        },
    )
    assert bad.status_code == 400 and 'data-error-for="annual_rate"' in bad.content.decode()
    ok = bank.post(
        page(w, f"{w.valued.pk}/disburse/"),
        {
            "disburse-contract_number": "HT",
            "disburse-contract_signed_on": today,
            "disburse-pledge_registration_number": "Y1",
            "disburse-pledge_registered_on": today,
            "disburse-disbursed_on": today,
            "disburse-annual_rate": "4.35",  # percent, as people type it
        },
    )
    assert ok.status_code == 302
    with w.scope():
        assert Loan.objects.get(pk=w.valued.pk).state == "disbursed"


def test_wrong_party_cannot_act_through_pages(w):
    r = client_for(w.insurer).post(
        page(w, f"{w.live.pk}/repay/"), {"repay-amount": "0.01", "repay-paid_on": "2025-03-01"}
    )
    assert r.status_code == 403
    r = client_for(w.enterprise2).post(
        page(w, f"{w.live.pk}/repay/"), {"repay-amount": "0.01", "repay-paid_on": "2025-03-01"}
    )
    assert r.status_code == 404
    r = client_for(w.official).post(page(w, f"{w.live.pk}/repay/"), {})
    assert r.status_code == 403


def test_enterprise_applies_step_by_step(w):
    ent = client_for(w.enterprise2)
    body = ent.get(page(w, f"apply/{w.product.pk}/")).content.decode()
    assert w.assets2[0].title in body
    r = ent.post(
        page(w, f"apply/{w.product.pk}/"),
        {
            "bank": w.org(w.bank).pk,
            "insurer": w.org(w.insurer).pk,
            "guarantor": w.org(w.guarantor).pk,
            "assets": [str(w.assets2[0].pk)],
            "amount": "150",  # 万元
            "term_months": "12",
            "purpose": "扩大生产",
        },
    )
    assert r.status_code == 302
    with w.scope():
        loan = Loan.objects.get(enterprise=w.org(w.enterprise2))
    detail = ent.get(r["Location"]).content.decode()
    assert 'id="action-submit"' in detail
    assert ent.post(page(w, f"{loan.pk}/submit/")).status_code == 302
    with w.scope():
        assert Loan.objects.get(pk=loan.pk).state == "submitted"


def test_bureau_exports_loans_and_sees_the_ledger(w):
    bureau = client_for(w.bureau)
    r = bureau.get(page(w, "export.xlsx"))
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet.max_row == 1 + 3
    headers = [c.value for c in sheet[1]]
    amount = headers.index("金额（万元）") + 1  # the unit in the header; the cells are numbers in 万元
    assert sheet.cell(row=2, column=amount).number_format == "#,##0.00"
    assert isinstance(sheet.cell(row=2, column=amount).value, float | int)
    ledger = bureau.get(page(w, "reserve/")).content.decode()
    assert 'data-kind="payout"' in ledger and 'data-kind="opening"' in ledger
    assert client_for(w.bank).get(page(w, "export.xlsx")).status_code == 403
    assert client_for(w.bank).get(page(w, "reserve/")).status_code == 403


def test_bureau_edits_a_product(w):
    bureau = client_for(w.bureau)
    assert bureau.get(page(w, f"products/{w.product.pk}/edit/")).status_code == 200
    data = {
        "name": "专利权质押保险贷款",
        "insurer_share": "50",
        "guarantor_share": "30",
        "bank_share": "30",
        "loan_to_value": "50",
        "allowed_terms": "12, 24",
        "repayment_method": "bullet",
        "min_rate": "3",
        "max_rate": "6",
        "min_amount": "10",  # 万元
        "max_amount": "500",
        "is_active": "on",
        "banks": [w.org(w.bank).pk],
        "insurers": [w.org(w.insurer).pk],
        "guarantors": [w.org(w.guarantor).pk],
        "appraisers": [w.org(w.appraiser).pk],
    }
    bad = bureau.post(page(w, f"products/{w.product.pk}/edit/"), data)
    assert bad.status_code == 400
    assert (
        bureau.post(page(w, f"products/{w.product.pk}/edit/"), {**data, "bank_share": "20"}).status_code
        == 302
    )
    w.product.refresh_from_db()
    assert w.product.allowed_terms == [12, 24] and w.product.repayment_method == "bullet"
    # Percentages and 万元 as typed reach the product as ratios and 元.
    assert (w.product.insurer_share, w.product.bank_share, w.product.max_rate) == (
        Decimal("0.500000"),
        Decimal("0.200000"),
        Decimal("0.060000"),
    )
    assert w.product.max_amount == Decimal("5000000.00")
