"""The whole life of a pledge loan, through the API only: apply → value → three approvals → disburse →
repay until closed; and the other ending: overdue → default → loss allocation → reserve → recovery."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from ipops import clock
from ipops.models import AuditEvent, Encumbrance
from pledge_finance import rules
from pledge_finance.models import Loan, ReserveEntry, RiskReserve
from pledge_finance.tasks import mark_overdue
from tests.conftest import api

D = Decimal
pytestmark = pytest.mark.django_db


def _ok(response, status=200):
    assert response.status_code == status, response.json()
    return response.json()


def _apply_and_approve(w, *, amount="2345678.91", term=12, applied=datetime.date(2025, 1, 2)) -> dict:
    enterprise, appraiser = api(w.enterprise), api(w.appraiser)
    with clock.at(applied):
        loan = _ok(
            enterprise.post(
                w.url(),
                w.application(amount=amount, term_months=term, assets=[w.assets[0].pk, w.assets[1].pk]),
                format="json",
            ),
            201,
        )
        assert loan["state"] == "draft" and len(loan["assets"]) == 2
        loan = _ok(enterprise.post(w.url(f"{loan['id']}/submit/")))
        assert loan["state"] == "submitted"
    with clock.at(applied + datetime.timedelta(days=3)):
        # The appraiser sees the submitted loan and values it: 3,000,000 + 2,000,000; LTV 50% → cap 2,500,000.
        assert any(row["id"] == loan["id"] for row in _ok(appraiser.get(w.url()))["results"])
        loan = _ok(
            appraiser.post(
                w.url(f"{loan['id']}/valuation/"),
                {
                    "report_ref": "中评报字[2025]第0107号",
                    "asset_values": {str(w.assets[0].pk): "3000000.00", str(w.assets[1].pk): "2000000.00"},
                },
                format="json",
            )
        )
        assert loan["state"] == "valued"
        assert loan["appraised_value"] == "5000000.00" and loan["max_amount_by_value"] == "2500000.00"
    with clock.at(applied + datetime.timedelta(days=8)):
        # Any order: guarantor, bank, insurer.
        for user in (w.guarantor, w.bank, w.insurer):
            loan = _ok(
                api(user).post(
                    w.url(f"{loan['id']}/decisions/"),
                    {"decision": "approve", "comment": "材料齐全，同意"},
                    format="json",
                ),
                201,
            )
    assert loan["state"] == "approved"
    assert (loan["insurer_share"], loan["guarantor_share"], loan["bank_share"]) == (
        "0.600000",
        "0.200000",
        "0.200000",
    )
    assert [d["party"] for d in loan["decisions"]] == ["guarantor", "bank", "insurer"]
    return loan


def _disburse(w, loan, day=datetime.date(2025, 1, 15), rate="0.0435") -> dict:
    with clock.at(day):
        return _ok(
            api(w.bank).post(
                w.url(f"{loan['id']}/disbursement/"),
                {
                    "contract_number": "青银科贷字2025第015号",
                    "contract_signed_on": day.isoformat(),
                    "pledge_registration_number": "Y2025370000123",
                    "pledge_registered_on": day.isoformat(),
                    "disbursed_on": day.isoformat(),
                    "annual_rate": rate,
                },
                format="json",
            )
        )


def test_apply_approve_disburse_repay_until_closed(world):
    w = world
    loan = _apply_and_approve(w)
    loan = _disburse(w, loan)
    assert loan["state"] == "disbursed" and loan["maturity_date"] == "2026-01-15"
    schedule = loan["schedule"]
    assert len(schedule) == 12
    assert sum(D(i["principal_due"]) for i in schedule) == D("2345678.91")
    with world.scope():
        pledge = Encumbrance.objects.get(
            source=f"pledge_finance.loan:{loan['id']}", asset=w.assets[0], released_at__isnull=True
        )
        assert pledge.reference == "Y2025370000123" and pledge.holder_id == w.org(w.bank).pk

    # A product edit after approval doesn't touch the loan's shares.
    _ok(
        api(w.bureau).patch(
            w.url(f"products/{w.product.pk}/"),
            {"insurer_share": "0.5", "guarantor_share": "0.3", "bank_share": "0.2"},
            format="json",
        )
    )

    for inst in schedule:
        due = datetime.date.fromisoformat(inst["due_date"])
        total = D(inst["principal_due"]) + D(inst["interest_due"])
        with clock.at(due):
            loan = _ok(
                api(w.bank).post(
                    w.url(f"{loan['id']}/repayments/"),
                    {"amount": str(total), "paid_on": due.isoformat(), "reference": f"RP{inst['number']}"},
                    format="json",
                ),
                201,
            )
    assert loan["state"] == "repaid" and loan["closed_on"] == "2026-01-15"
    assert (loan["insurer_share"], loan["guarantor_share"]) == ("0.600000", "0.200000")
    assert all(i["status"] == "paid" for i in loan["schedule"])
    assert sum(D(r["principal"]) for r in loan["repayments"]) == D("2345678.91")
    assert [e["kind"] for e in loan["timeline"]][:3] == ["create", "submit", "value"]
    assert loan["timeline"][-1]["kind"] == "close"
    with world.scope():
        assert not Encumbrance.objects.filter(
            source=f"pledge_finance.loan:{loan['id']}", released_at__isnull=True
        ).exists()
        actions = set(
            AuditEvent.objects.filter(
                object_type="pledge_finance.loan", object_id=str(loan["id"])
            ).values_list("action", flat=True)
        )
    assert {
        "loan_create",
        "loan_submit",
        "loan_value",
        "loan_decision_approve",
        "loan_approve",
        "loan_disburse",
        "loan_repayment",
        "loan_close",
    } <= actions
    # Released: the same asset can back a new application.
    with clock.at(datetime.date(2026, 2, 1)):
        again = _ok(api(w.enterprise).post(w.url(), w.application(), format="json"), 201)
        _ok(api(w.enterprise).post(w.url(f"{again['id']}/submit/")))


def test_default_allocates_an_uneven_loss_exactly_and_draws_on_the_reserve(world):
    w = world
    loan = _disburse(w, _apply_and_approve(w))
    schedule = loan["schedule"]
    for inst in schedule[:2]:  # February and March paid, then nothing
        due = datetime.date.fromisoformat(inst["due_date"])
        with clock.at(due):
            _ok(
                api(w.bank).post(
                    w.url(f"{loan['id']}/repayments/"),
                    {
                        "amount": str(D(inst["principal_due"]) + D(inst["interest_due"])),
                        "paid_on": due.isoformat(),
                    },
                    format="json",
                ),
                201,
            )

    # Nightly: April's instalment becomes overdue.
    with clock.at(datetime.date(2025, 4, 20)):
        assert mark_overdue.apply(args=[w.city.pk]).get() == 1
        assert mark_overdue.apply(args=[w.city.pk]).get() == 0  # idempotent
        loan = _ok(api(w.bank).get(w.url(f"{loan['id']}/")))
    assert [i["status"] for i in loan["schedule"][:4]] == ["paid", "paid", "overdue", "pending"]
    assert loan["overdue_count"] == 1 and loan["next_due_on"] == "2025-05-15"

    default_on = datetime.date(2025, 6, 30)
    with clock.at(default_on):
        loan = _ok(
            api(w.bank).post(
                w.url(f"{loan['id']}/default/"),
                {"default_on": default_on.isoformat(), "reason": "连续逾期三期，企业停产"},
                format="json",
            )
        )
    assert loan["state"] == "defaulted"

    # The loss, computed independently: principal still owed + unpaid interest of instalments due by the
    # default date + interest on the principal from the last due date (15 June) to 30 June, actual/360.
    outstanding = sum(D(i["principal_due"]) for i in schedule[2:])
    unpaid_interest = sum(D(i["interest_due"]) for i in schedule[2:5])
    assert [i["due_date"] for i in schedule[2:5]] == ["2025-04-15", "2025-05-15", "2025-06-15"]
    accrued = (outstanding * D("0.0435") * 15 / 360).quantize(D("0.01"))
    loss = outstanding + unpaid_interest + accrued
    assert D(loan["loss_principal"]) == outstanding
    assert D(loan["loss_interest"]) == unpaid_interest + accrued
    assert D(loan["loss_total"]) == loss
    assert int(loss * 100) % 5 != 0, "the example must not split evenly by 60/20/20"

    parts = {a["party"]: D(a["loss"]) for a in loan["allocation"]}
    assert sum(parts.values()) == loss
    for party, share in (("insurer", D("0.6")), ("guarantor", D("0.2")), ("bank", D("0.2"))):
        assert abs(parts[party] - loss * share) < D("0.01")
    paid = {a["party"]: D(a["reserve_paid"]) for a in loan["allocation"]}
    assert paid == {p: (parts[p] * D("0.3")).quantize(D("0.01")) for p in parts}

    with world.scope():
        reserve = RiskReserve.objects.get()
        assert reserve.balance == D("30000000") - sum(paid.values())
        payouts = ReserveEntry.objects.filter(kind="payout", loan_id=loan["id"])
        assert sorted(-e.amount for e in payouts) == sorted(paid.values())
        # The pledge stays until the patents are disposed of.
        assert (
            Encumbrance.objects.filter(
                source=f"pledge_finance.loan:{loan['id']}", released_at__isnull=True
            ).count()
            == 2
        )

    ledger = _ok(api(w.bureau).get(w.url("reserve/ledger/")))
    assert [row["kind"] for row in ledger["results"]][0] == "opening"  # in the order it happened

    # A recovery of an uneven amount goes back 60/20/20, to the fen; the reserve gets back 30% of each part.
    with clock.at(datetime.date(2025, 9, 1)):
        loan = _ok(
            api(w.bank).post(
                w.url(f"{loan['id']}/recoveries/"),
                {
                    "amount": "100000.01",
                    "received_on": "2025-09-01",
                    "source": "质押专利处置（挂牌转让）",
                    "release_pledge": True,
                },
                format="json",
            ),
            201,
        )
    back = {a["party"]: D(a["recovered"]) for a in loan["allocation"]}
    assert sum(back.values()) == D("100000.01")
    assert back == rules.recovery_split(
        D("100000.01"), {"insurer": D("0.6"), "guarantor": D("0.2"), "bank": D("0.2")}
    )
    refunds = {a["party"]: D(a["refunded_to_reserve"]) for a in loan["allocation"]}
    assert all(abs(refunds[p] - back[p] * D("0.3")) <= D("0.01") for p in back)
    with world.scope():
        assert RiskReserve.objects.get().balance == D("30000000") - sum(paid.values()) + sum(refunds.values())
        assert not Encumbrance.objects.filter(
            source=f"pledge_finance.loan:{loan['id']}", released_at__isnull=True
        ).exists()
        assert Loan.objects.get(pk=loan["id"]).pledge_released_at is not None
    assert {e["kind"] for e in loan["timeline"]} >= {"overdue", "default", "recovery", "release"}


def test_one_rejection_rejects_and_frees_the_assets(world):
    w = world
    with clock.at(datetime.date(2025, 3, 1)):
        loan = _ok(api(w.enterprise).post(w.url(), w.application(), format="json"), 201)
        _ok(api(w.enterprise).post(w.url(f"{loan['id']}/submit/")))
        _ok(
            api(w.appraiser).post(
                w.url(f"{loan['id']}/valuation/"),
                {"appraised_value": "5000000", "report_ref": "R-1"},
                format="json",
            )
        )
        _ok(
            api(w.bank).post(
                w.url(f"{loan['id']}/decisions/"), {"decision": "approve", "comment": "同意"}, format="json"
            ),
            201,
        )
        loan = _ok(
            api(w.insurer).post(
                w.url(f"{loan['id']}/decisions/"),
                {"decision": "reject", "comment": "行业风险过高"},
                format="json",
            ),
            201,
        )
    assert loan["state"] == "rejected" and loan["insurer_share"] is None
    late = api(w.guarantor).post(
        w.url(f"{loan['id']}/decisions/"), {"decision": "approve", "comment": "同意"}, format="json"
    )
    assert late.status_code == 409 and late.json()["code"] == "invalid_transition"
    with world.scope():
        assert not Encumbrance.objects.filter(
            source=f"pledge_finance.loan:{loan['id']}", released_at__isnull=True
        ).exists()


def test_valuation_refuses_an_amount_above_value_times_ltv(world):
    w = world
    with clock.at(datetime.date(2025, 3, 1)):
        loan = _ok(api(w.enterprise).post(w.url(), w.application(amount="2000000"), format="json"), 201)
        _ok(api(w.enterprise).post(w.url(f"{loan['id']}/submit/")))
        r = api(w.appraiser).post(
            w.url(f"{loan['id']}/valuation/"),
            {"appraised_value": "3999999.99", "report_ref": "R-2"},
            format="json",
        )
        assert r.status_code == 400 and r.json()["code"] == "amount_exceeds_ltv"
        assert r.json()["fields"]["appraised_value"][0]["detail"] == "199.999999 万元"  # exact, in 万元
        with world.scope():
            assert Loan.objects.get(pk=loan["id"]).appraised_value is None
        _ok(
            api(w.appraiser).post(
                w.url(f"{loan['id']}/valuation/"),
                {"appraised_value": "4000000.00", "report_ref": "R-2"},
                format="json",
            )
        )


def test_schema_documents_every_loan_action(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for tail in (
        "loans/",
        "loans/{id}/",
        "loans/{id}/submit/",
        "loans/{id}/valuation/",
        "loans/{id}/decisions/",
        "loans/{id}/disbursement/",
        "loans/{id}/repayments/",
        "loans/{id}/default/",
        "loans/{id}/recoveries/",
        "loans/products/",
        "loans/reserve/",
        "loans/reserve/ledger/",
    ):
        assert f"/api/v1/{{city}}/{tail}" in paths, tail
    assert "DisburseRequest" in schema["components"]["schemas"]
