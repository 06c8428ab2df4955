"""Every loan action by the wrong party (403/404), in the wrong state (409), from another city (404), with bad
input (400) — and in every case nothing changed."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from ipops.models import AuditEvent, Encumbrance, IPAsset
from pledge_finance import clock, services
from pledge_finance.models import (
    ApprovalDecision,
    Instalment,
    Loan,
    LoanProduct,
    LossAllocation,
    Recovery,
    Repayment,
    ReserveEntry,
    RiskReserve,
)
from tests.conftest import api
from tests.pledge_finance.conftest import build_world, loan_to_state

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = datetime.date(2025, 8, 1)


def defaulted(w):
    loan = loan_to_state(w, "disbursed")
    with w.scope(), clock.at(datetime.date(2025, 6, 30)):
        services.loan_declare_default(
            actor=w.actor(w.bank), loan=loan, default_on=datetime.date(2025, 6, 30), reason="逾期"
        )
    return loan


def in_state(w, state):
    return defaulted(w) if state == "defaulted" else loan_to_state(w, state)


DISBURSE = {
    "contract_number": "HT-1",
    "contract_signed_on": "2025-07-01",
    "pledge_registration_number": "Y1",
    "pledge_registered_on": "2025-07-01",
    "disbursed_on": "2025-07-02",
    "annual_rate": "0.0435",
}

#: action → (method, url tail, good body, the state it needs, who may do it, a wrong state, a bad body)
ACTIONS = {
    "update": ("patch", "", {"amount": "1500000"}, "draft", "enterprise", "submitted", {"amount": "abc"}),
    "submit": ("post", "submit/", {}, "draft", "enterprise", "submitted", None),
    "withdraw": ("post", "withdraw/", {}, "submitted", "enterprise", "disbursed", None),
    "valuation": (
        "post",
        "valuation/",
        {"appraised_value": "9000000", "report_ref": "R"},
        "submitted",
        "appraiser",
        "valued",
        {"appraised_value": "-5", "report_ref": "R"},
    ),
    "decision": (
        "post",
        "decisions/",
        {"decision": "approve", "comment": "同意"},
        "valued",
        "bank",
        "submitted",
        {"decision": "maybe", "comment": ""},
    ),
    "disbursement": (
        "post",
        "disbursement/",
        DISBURSE,
        "approved",
        "bank",
        "valued",
        {**DISBURSE, "annual_rate": "0.5"},
    ),
    "repayment": (
        "post",
        "repayments/",
        {"amount": "1000", "paid_on": "2025-07-01"},
        "disbursed",
        "bank",
        "approved",
        {"amount": "99999999", "paid_on": "2025-07-01"},
    ),
    "default": (
        "post",
        "default/",
        {"default_on": "2025-07-20", "reason": "逾期"},
        "disbursed",
        "bank",
        "approved",
        {"default_on": "2025-07-20", "reason": ""},
    ),
    "recovery": (
        "post",
        "recoveries/",
        {"amount": "1000", "received_on": "2025-07-20", "source": "处置"},
        "defaulted",
        "bank",
        "disbursed",
        {"amount": "99999999", "received_on": "2025-07-20", "source": "处置"},
    ),
}

#: Who may not act, and what they hear: 404 when the loan is none of their business, else 403.
WRONG_PARTIES = {
    "update": {
        "enterprise2": 404,
        "bank": 404,
        "bank2": 404,
        "bureau": 403,
        "official": 403,
        "appraiser": 404,
    },
    "submit": {"enterprise2": 404, "bank": 404, "insurer": 404, "bureau": 403, "official": 403},
    "withdraw": {"enterprise2": 404, "bank": 403, "guarantor": 403, "bureau": 403, "appraiser": 403},
    "valuation": {"enterprise": 403, "bank": 403, "bank2": 404, "bureau": 403, "official": 403},
    "decision": {
        "enterprise": 403,
        "bank2": 404,
        "appraiser": 403,
        "bureau": 403,
        "official": 403,
        "enterprise2": 404,
    },
    "disbursement": {
        "enterprise": 403,
        "insurer": 403,
        "guarantor": 403,
        "bank2": 404,
        "bureau": 403,
        "official": 403,
    },
    "repayment": {"enterprise": 403, "insurer": 403, "bank2": 404, "bureau": 403, "official": 403},
    "default": {"enterprise": 403, "guarantor": 403, "bank2": 404, "bureau": 403, "official": 403},
    "recovery": {"enterprise": 403, "insurer": 403, "bank2": 404, "bureau": 403, "official": 403},
}


def snapshot(w, loan_id=None) -> dict:
    with w.scope():
        loan = Loan.objects.filter(pk=loan_id).values().first() if loan_id else None
        if loan:
            loan.pop("updated_at")
        return {
            "loan": loan,
            "loans": Loan.objects.count(),
            "decisions": list(ApprovalDecision.objects.values_list("id", "decision")),
            "instalments": list(
                Instalment.objects.order_by("id").values_list(
                    "id", "principal_paid", "interest_paid", "status"
                )
            ),
            "repayments": Repayment.objects.count(),
            "allocations": list(LossAllocation.objects.values_list("id", "loss", "recovered")),
            "recoveries": Recovery.objects.count(),
            "reserve": list(RiskReserve.objects.values_list("balance", flat=True)),
            "ledger": ReserveEntry.objects.count(),
            "pledges": list(
                Encumbrance.objects.filter(released_at__isnull=True).values_list("id", "asset_id")
            ),
            "audit": AuditEvent.objects.count(),
            "products": list(LoanProduct.objects.values_list("id", "insurer_share")),
        }


def _call(w, user, action, loan_id, body):
    method, tail = ACTIONS[action][0], ACTIONS[action][1]
    with clock.at(TODAY):
        return getattr(api(user), method)(w.url(f"{loan_id}/{tail}"), body, format="json")


@pytest.mark.parametrize(
    ("action", "who", "status"),
    [(a, who, st) for a, parties in WRONG_PARTIES.items() for who, st in parties.items()],
)
def test_wrong_party_is_refused_and_nothing_changes(qingdao, action, who, status):
    w = build_world(qingdao)
    if who == "official":
        from tests.conftest import grant

        grant(w.official, qingdao)
    loan = in_state(w, ACTIONS[action][3])
    before = snapshot(w, loan.pk)
    r = _call(w, getattr(w, who), action, loan.pk, ACTIONS[action][2])
    assert r.status_code == status, r.json()
    assert r.json()["code"] in {"permission_denied", "loan_not_found", "read_only_access"}
    assert snapshot(w, loan.pk) == before


@pytest.mark.parametrize("action", list(ACTIONS))
def test_wrong_state_is_a_conflict_and_nothing_changes(qingdao, action):
    w = build_world(qingdao)
    _method, _tail, body, _state, who, wrong_state, _bad = ACTIONS[action]
    loan = in_state(w, wrong_state)
    before = snapshot(w, loan.pk)
    r = _call(w, getattr(w, who), action, loan.pk, body)
    assert r.status_code == 409, r.json()
    assert r.json()["code"] == "invalid_transition"
    assert snapshot(w, loan.pk) == before


@pytest.mark.parametrize("action", [a for a, spec in ACTIONS.items() if spec[6] is not None])
def test_bad_input_is_a_400_and_nothing_changes(qingdao, action):
    w = build_world(qingdao)
    _method, _tail, _body, state, who, _wrong, bad = ACTIONS[action]
    loan = in_state(w, state)
    before = snapshot(w, loan.pk)
    r = _call(w, getattr(w, who), action, loan.pk, bad)
    assert r.status_code == 400, r.json()
    assert r.json()["fields"], r.json()
    assert snapshot(w, loan.pk) == before


@pytest.mark.parametrize("action", list(ACTIONS))
def test_the_right_party_in_the_right_state_succeeds(qingdao, action):
    """The matrix above proves refusals; this proves each good request really is accepted."""
    w = build_world(qingdao)
    _method, _tail, body, state, who, _wrong, _bad = ACTIONS[action]
    loan = in_state(w, state)
    r = _call(w, getattr(w, who), action, loan.pk, body)
    assert r.status_code in (200, 201), r.json()


@pytest.mark.parametrize("action", list(ACTIONS))
def test_another_citys_loan_is_not_found_and_nothing_changes(qingdao, other_city, action):
    w = build_world(qingdao)
    _method, tail, body, state, who, _wrong, _bad = ACTIONS[action]
    loan = in_state(w, state)
    before = snapshot(w, loan.pk)
    # The same role in Jinan, through Jinan's URL, naming Qingdao's loan id.
    method = ACTIONS[action][0]
    with clock.at(TODAY):
        r = getattr(api(getattr(other_city, who)), method)(
            other_city.url(f"{loan.pk}/{tail}"), body, format="json"
        )
    assert r.status_code == 404, r.json()
    assert r.json()["code"] == "loan_not_found"
    # And a Qingdao URL refuses a Jinan user outright.
    r = api(getattr(other_city, who)).get(w.url(f"{loan.pk}/"))
    assert r.status_code == 403 and r.json()["code"] == "city_access_denied"
    assert snapshot(w, loan.pk) == before


def test_lists_show_each_party_only_its_loans(qingdao):
    w = build_world(qingdao)
    mine = loan_to_state(w, "valued")
    other_bank = loan_to_state(w, "submitted", bank=w.bank2, assets=[w.assets[1]])
    seen = {
        who: {row["id"] for row in api(getattr(w, who)).get(w.url()).json()["results"]}
        for who in ("enterprise", "enterprise2", "bank", "bank2", "insurer", "appraiser", "bureau")
    }
    assert seen["enterprise"] == {mine.pk, other_bank.pk}
    assert seen["enterprise2"] == set()
    assert seen["bank"] == {mine.pk}
    assert seen["bank2"] == {other_bank.pk}
    assert seen["insurer"] == {mine.pk, other_bank.pk}
    assert seen["appraiser"] == {
        mine.pk,
        other_bank.pk,
    }  # valued one by it, the other waiting for a valuation
    assert seen["bureau"] == {mine.pk, other_bank.pk}


def test_application_rules_give_clear_errors(qingdao):
    w = build_world(qingdao)
    with w.scope():
        lapsed = IPAsset.objects.create(
            city=qingdao,
            owner=w.org(w.enterprise),
            kind="invention",
            number="201910000019.6",
            title="x",
            legal_status="lapsed",
        )
    ent = api(w.enterprise)
    cases = [
        ({"term_months": 18}, 400, "term_not_allowed"),
        ({"amount": "50000000"}, 400, "amount_out_of_range"),
        ({"bank": w.org(w.insurer).pk}, 400, "institution_not_participating"),
        ({"assets": [w.assets2[0].pk]}, 409, "asset_not_owned"),
        ({"assets": [lapsed.pk]}, 409, "asset_not_in_force"),
        ({"product": 999999}, 400, "loan_product_not_found"),
        ({"purpose": ""}, 400, "invalid"),
    ]
    before = snapshot(w)
    for change, status, code in cases:
        r = ent.post(w.url(), w.application(**change), format="json")
        assert r.status_code == status, (change, r.json())
        assert r.json()["code"] == code, (change, r.json())
    assert snapshot(w) == before


def test_a_pledged_asset_cannot_back_a_second_application(qingdao):
    w = build_world(qingdao)
    loan_to_state(w, "submitted")
    r = api(w.enterprise).post(w.url(), w.application(), format="json")
    assert r.status_code == 409 and r.json()["code"] == "asset_already_pledged"


def test_each_institution_decides_once(qingdao):
    w = build_world(qingdao)
    loan = loan_to_state(w, "valued")
    first = api(w.bank).post(
        w.url(f"{loan.pk}/decisions/"), {"decision": "approve", "comment": "同意"}, format="json"
    )
    assert first.status_code == 201
    before = snapshot(w, loan.pk)
    again = api(w.bank).post(
        w.url(f"{loan.pk}/decisions/"), {"decision": "reject", "comment": "改主意"}, format="json"
    )
    assert again.status_code == 409 and again.json()["code"] == "already_decided"
    assert snapshot(w, loan.pk) == before


def test_product_shares_must_sum_to_exactly_100_percent(qingdao):
    w = build_world(qingdao)
    before = snapshot(w)
    r = api(w.bureau).patch(
        w.url(f"products/{w.product.pk}/"),
        {"insurer_share": "0.6", "guarantor_share": "0.2", "bank_share": "0.199999"},
        format="json",
    )
    assert r.status_code == 400 and r.json()["code"] == "shares_not_100_percent"
    r = api(w.bank).patch(w.url(f"products/{w.product.pk}/"), {"name": "x"}, format="json")
    assert r.status_code == 403
    assert snapshot(w) == before


def test_default_needs_an_overdue_instalment(qingdao):
    w = build_world(qingdao)
    loan = loan_to_state(w, "disbursed", disbursed_on=datetime.date(2025, 7, 1))
    before = snapshot(w, loan.pk)
    with clock.at(datetime.date(2025, 7, 20)):
        r = api(w.bank).post(
            w.url(f"{loan.pk}/default/"), {"default_on": "2025-07-20", "reason": "经营恶化"}, format="json"
        )
    assert r.status_code == 409 and r.json()["code"] == "loan_not_overdue"
    assert snapshot(w, loan.pk) == before
