"""The fees an enterprise paid on its loan (premium, guarantee, appraisal, intermediary): recorded by the
loan's bank from the invoices on a disbursed or repaid loan, read by everyone who sees the loan; refused to
every other role, in any other state, with bad input (nothing written) and from another city."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from ipops import clock
from ipops.errors import ApplicationError
from ipops.models import AuditEvent
from pledge_finance import selectors, services
from pledge_finance.models import Loan, LoanFee, LoanState
from tests.conftest import api
from tests.pledge_finance.conftest import client_for, loan_to_state
from tests.support import assert_matrix, nothing_changed

D = Decimal
pytestmark = pytest.mark.django_db
DISBURSED_ON = datetime.date(2025, 1, 15)  # applied on 6 Dec 2024 (`loan_to_state`)
TODAY = datetime.date(2025, 2, 10)


def _premium(**over) -> dict:
    body = {
        "kind": "insurance_premium",
        "amount": "30000.00",
        "payee": "人保财险青岛分公司",
        "paid_on": "2025-01-13",
        "invoice_ref": "25370000000012345678",
    }
    body.update(over)
    return body


@pytest.fixture
def live(world) -> Loan:
    return loan_to_state(world, "disbursed", disbursed_on=DISBURSED_ON)


def test_the_bank_records_a_fee_and_everyone_who_sees_the_loan_reads_it(world, live):
    w = world
    with clock.at(TODAY):
        r = api(w.bank).post(w.url(f"{live.pk}/fees/"), _premium(), format="json")
        assert r.status_code == 201, r.json()
        fee = r.json()
        assert (fee["kind"], fee["amount"], fee["paid_on"]) == ("insurance_premium", "30000.00", "2025-01-13")
        r = api(w.bank).post(
            w.url(f"{live.pk}/fees/"),
            _premium(
                kind="appraisal_fee",
                amount="8000",
                payee="中资评估",
                paid_on="2024-12-16",
                invoice_ref="A-1",
            ),
            format="json",
        )
        assert r.status_code == 201, r.json()
    with world.scope():
        assert LoanFee.objects.filter(loan=live).count() == 2
        audit = AuditEvent.objects.filter(action="loan_record_fee").order_by("pk")
        assert [e.data["kind"] for e in audit] == ["insurance_premium", "appraisal_fee"]

    def listed(who):
        r = api(getattr(w, who)).get(w.url(f"{live.pk}/fees/"))
        return r.status_code, [(row["kind"], row["amount"]) for row in r.json().get("results", [])]

    expected = [("appraisal_fee", "8000.00"), ("insurance_premium", "30000.00")]  # oldest paid first
    readers = ("enterprise", "bank", "insurer", "guarantor", "appraiser", "bureau", "official")
    assert_matrix(dict.fromkeys(readers, (200, expected)), listed)
    # The loan's file carries them too, with the timeline's event.
    with clock.at(TODAY):
        detail = api(w.enterprise).get(w.url(f"{live.pk}/")).json()
    assert [f["invoice_ref"] for f in detail["fees"]] == ["A-1", "25370000000012345678"]
    assert "fee" in {e["kind"] for e in detail["timeline"]}


def test_the_fees_per_kind(world, live):
    with world.scope(), clock.at(TODAY):
        for n, (kind, amount) in enumerate(
            [("guarantee_fee", "20000"), ("insurance_premium", "30000"), ("guarantee_fee", "1000.50")]
        ):
            services.loan_fee_record(
                actor=world.actor(world.bank),
                loan=live,
                kind=kind,
                amount=amount,
                payee="某机构",
                paid_on=datetime.date(2025, 1, 10 + n),
                invoice_ref=f"F{n}",
            )
        totals = selectors.fees_by_kind(selectors.loan_fees(live))
        paid = selectors.fees_paid(
            enterprise_id=world.org(world.enterprise).pk, kind="guarantee_fee", year=2025
        )
    assert [(t.kind, t.amount, t.count) for t in totals] == [
        ("insurance_premium", D("30000.00"), 1),
        ("guarantee_fee", D("21000.50"), 2),
    ]
    assert [(p.loan.pk, p.year, p.amount, p.invoices) for p in paid] == [(live.pk, 2025, D("21000.50"), 2)]


def test_a_repaid_loan_takes_fees_too(world, live):
    with world.scope(), clock.at(datetime.date(2025, 6, 1)):
        owed = sum(i.open_amount for i in live.instalments.all())
        services.loan_record_repayment(
            actor=world.actor(world.bank), loan=live, amount=owed, paid_on=datetime.date(2025, 6, 1)
        )
        assert Loan.objects.get(pk=live.pk).state == LoanState.REPAID
        r = api(world.bank).post(world.url(f"{live.pk}/fees/"), _premium(), format="json")
    assert r.status_code == 201, r.json()


def _code(response) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


def test_only_the_loans_bank_records_fees(world, live):
    w = world
    approved = loan_to_state(w, "approved", assets=[w.assets[1]])
    expected = {
        "enterprise": (403, "role_not_allowed"),
        "insurer": (403, "role_not_allowed"),
        "guarantor": (403, "role_not_allowed"),
        "appraiser": (403, "role_not_allowed"),
        "bureau": (403, "role_not_allowed"),
        "official": (403, "read_only_access"),
        # Another bank does not even see the loan.
        "bank2": (404, "loan_not_found"),
    }
    with clock.at(TODAY), nothing_changed(LoanFee):
        assert_matrix(
            expected,
            lambda who: _code(
                api(getattr(w, who)).post(w.url(f"{live.pk}/fees/"), _premium(), format="json")
            ),
        )
        # Its own bank, before the money is paid out: no fees yet.
        r = api(w.bank).post(w.url(f"{approved.pk}/fees/"), _premium(), format="json")
        assert _code(r) == (409, "invalid_transition")
    with w.scope():
        assert Loan.objects.get(pk=approved.pk).state == LoanState.APPROVED


def test_bad_input_is_refused_field_by_field_and_writes_nothing(world, live):
    w = world
    url = w.url(f"{live.pk}/fees/")
    with world.scope(), clock.at(TODAY):
        services.loan_fee_record(actor=w.actor(w.bank), loan=live, **{**_premium(), "paid_on": TODAY})
    cases = {
        "empty": ({}, {"kind", "amount", "payee", "paid_on", "invoice_ref"}),
        "kind": (_premium(kind="stamp_duty", invoice_ref="X1"), {"kind": "invalid_choice"}),
        "zero": (_premium(amount="0", invoice_ref="X2"), {"amount": "amount_not_positive"}),
        "future": (_premium(paid_on="2025-02-11", invoice_ref="X3"), {"paid_on": "in_future"}),
        "before": (_premium(paid_on="2024-12-05", invoice_ref="X4"), {"paid_on": "before_application"}),
        "again": (_premium(), {"invoice_ref": "duplicate_invoice"}),
    }

    def refused(case):
        body, want = cases[case]
        r = api(w.bank).post(url, body, format="json")
        fields = r.json()["fields"]
        if isinstance(want, set):
            return r.status_code, set(fields) >= want
        return r.status_code, {name: [e["code"] for e in fields.get(name, [])] for name in want}

    expected = {
        case: (400, True) if isinstance(want, set) else (400, {k: [v] for k, v in want.items()})
        for case, (_body, want) in cases.items()
    }
    with clock.at(TODAY), nothing_changed(LoanFee):
        assert_matrix(expected, refused)


def test_the_service_collects_every_field_error_at_once(world, live):
    with world.scope(), clock.at(TODAY), nothing_changed(LoanFee):
        with pytest.raises(ApplicationError) as err:
            services.loan_fee_record(
                actor=world.actor(world.bank),
                loan=live,
                kind="",
                amount="-5",
                payee=" ",
                paid_on=datetime.date(2025, 3, 1),
                invoice_ref="",
            )
    assert {name: [e["code"] for e in errors] for name, errors in err.value.fields.items()} == {
        "kind": ["required"],
        "amount": ["amount_not_positive"],
        "payee": ["required"],
        "paid_on": ["in_future"],
        "invoice_ref": ["required"],
    }


def test_another_citys_loan_is_not_found(world, live, other_city):
    jinan = other_city
    with clock.at(TODAY), nothing_changed(LoanFee):
        for method in ("get", "post"):
            r = getattr(api(jinan.bank), method)(
                f"/api/v1/{jinan.city.slug}/loans/{live.pk}/fees/", _premium()
            )
            assert _code(r) == (404, "loan_not_found"), method


def test_the_bank_records_a_fee_on_the_loan_page_and_the_others_only_read_it(world, live):
    w = world
    page = f"/{w.city.slug}/loans/{live.pk}/"
    form = {
        "record_fee-kind": "guarantee_fee",
        "record_fee-amount": "20000",  # in 元: fees are small sums
        "record_fee-payee": "青岛担保中心",
        "record_fee-paid_on": "2025-01-13",
        "record_fee-invoice_ref": "G-2025-001",
    }
    with clock.at(TODAY):
        assert 'id="form-record_fee"' in client_for(w.bank).get(page).content.decode()
        r = client_for(w.bank).post(f"{page}record_fee/", form)
        assert r.status_code == 302
        with nothing_changed(LoanFee):
            again = client_for(w.bank).post(f"{page}record_fee/", form)
            assert again.status_code == 400
            assert "G-2025-001" in again.content.decode()
            assert client_for(w.insurer).post(f"{page}record_fee/", form).status_code == 403
        for who in ("enterprise", "insurer", "bureau"):
            body = client_for(getattr(w, who)).get(page).content.decode()
            assert 'data-fee="guarantee_fee"' in body and "G-2025-001" in body, who
            assert 'id="form-record_fee"' not in body, who
    with w.scope():
        fee = LoanFee.objects.get(loan=live)
    assert (fee.amount, fee.paid_on) == (D("20000.00"), datetime.date(2025, 1, 13))
