"""Every loan action by the wrong party (403/404), in the wrong state (409), from another city (404), with bad
input (400) — and in every case nothing changed. For every role, the lists show exactly what the details
open."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from ipops import clock
from ipops.models import Encumbrance, IPAsset
from ipops.tenancy import scopes_disabled
from pledge_finance import services
from pledge_finance.lifecycles import LOAN
from pledge_finance.models import (
    ApprovalDecision,
    Instalment,
    Loan,
    LoanAsset,
    LoanProduct,
    LossAllocation,
    ProductInstitution,
    Recovery,
    Repayment,
    ReserveEntry,
    RiskReserve,
)
from tests.conftest import api, grant, make_city, make_user
from tests.pledge_finance.conftest import build_world, loan_to_state
from tests.support import assert_list_and_detail_agree, assert_matrix, listed_ids, nothing_changed

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = datetime.date(2025, 8, 1)
#: What a refused or failed request must leave as it was.
PLEDGE_MODELS = (
    Loan,
    LoanAsset,
    ApprovalDecision,
    Instalment,
    Repayment,
    LossAllocation,
    Recovery,
    RiskReserve,
    ReserveEntry,
    LoanProduct,
    ProductInstitution,
    Encumbrance,
)


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

ROLE = (403, "role_not_allowed")  # a role that never takes this step: refused before the loan is looked up
HIDDEN = (404, "loan_not_found")  # the role may, but the loan is none of this party's business
READ_ONLY = (403, "read_only_access")  # an official reads, never writes
#: Who may not act, and what they hear.
WRONG_PARTIES = {
    "update": {
        "enterprise2": HIDDEN,
        "bank": ROLE,
        "bank2": ROLE,
        "bureau": ROLE,
        "official": READ_ONLY,
        "appraiser": ROLE,
    },
    "submit": {"enterprise2": HIDDEN, "bank": ROLE, "insurer": ROLE, "bureau": ROLE, "official": READ_ONLY},
    "withdraw": {"enterprise2": HIDDEN, "bank": ROLE, "guarantor": ROLE, "bureau": ROLE, "appraiser": ROLE},
    "valuation": {
        "enterprise": ROLE,
        "bank": ROLE,
        "bank2": ROLE,
        "bureau": ROLE,
        "official": READ_ONLY,
        "other_appraiser": HIDDEN,
    },
    "decision": {
        "enterprise": ROLE,
        "bank2": HIDDEN,
        "appraiser": ROLE,
        "bureau": ROLE,
        "official": READ_ONLY,
        "enterprise2": ROLE,
    },
    "disbursement": {
        "enterprise": ROLE,
        "insurer": ROLE,
        "guarantor": ROLE,
        "bank2": HIDDEN,
        "bureau": ROLE,
        "official": READ_ONLY,
    },
    "repayment": {
        "enterprise": ROLE,
        "insurer": ROLE,
        "bank2": HIDDEN,
        "bureau": ROLE,
        "official": READ_ONLY,
    },
    "default": {
        "enterprise": ROLE,
        "guarantor": ROLE,
        "bank2": HIDDEN,
        "bureau": ROLE,
        "official": READ_ONLY,
    },
    "recovery": {"enterprise": ROLE, "insurer": ROLE, "bank2": HIDDEN, "bureau": ROLE, "official": READ_ONLY},
}


def _call(w, user, action, loan_id, body):
    method, tail = ACTIONS[action][0], ACTIONS[action][1]
    with clock.at(TODAY):
        return getattr(api(user), method)(w.url(f"{loan_id}/{tail}"), body, format="json")


@pytest.mark.parametrize("action", list(WRONG_PARTIES))
def test_wrong_party_is_refused_and_nothing_changes(qingdao, action):
    w = build_world(qingdao)
    w.other_appraiser = make_user(qingdao, "service")  # an appraiser outside this product
    loan = in_state(w, ACTIONS[action][3])

    def outcome(who):
        r = _call(w, getattr(w, who), action, loan.pk, ACTIONS[action][2])
        return r.status_code, r.json()["code"]

    with nothing_changed(*PLEDGE_MODELS):
        assert_matrix(WRONG_PARTIES[action], outcome)


@pytest.mark.parametrize("action", list(ACTIONS))
def test_wrong_state_is_a_conflict_and_nothing_changes(qingdao, action):
    w = build_world(qingdao)
    _method, _tail, body, _state, who, wrong_state, _bad = ACTIONS[action]
    loan = in_state(w, wrong_state)
    with nothing_changed(*PLEDGE_MODELS):
        r = _call(w, getattr(w, who), action, loan.pk, body)
    assert r.status_code == 409, r.json()
    assert r.json()["code"] == "invalid_transition"


@pytest.mark.parametrize("action", [a for a, spec in ACTIONS.items() if spec[6] is not None])
def test_bad_input_is_a_400_and_nothing_changes(qingdao, action):
    w = build_world(qingdao)
    _method, _tail, _body, state, who, _wrong, bad = ACTIONS[action]
    loan = in_state(w, state)
    with nothing_changed(*PLEDGE_MODELS):
        r = _call(w, getattr(w, who), action, loan.pk, bad)
    assert r.status_code == 400, r.json()
    assert r.json()["fields"], r.json()


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
    method, tail, body, state, who, _wrong, _bad = ACTIONS[action]
    loan = in_state(w, state)
    with nothing_changed(*PLEDGE_MODELS):
        # The same role in Jinan, through Jinan's URL, naming Qingdao's loan id.
        with clock.at(TODAY):
            r = getattr(api(getattr(other_city, who)), method)(
                other_city.url(f"{loan.pk}/{tail}"), body, format="json"
            )
        assert r.status_code == 404, r.json()
        assert r.json()["code"] == "loan_not_found"
        # And a Qingdao URL refuses a Jinan user outright.
        r = api(getattr(other_city, who)).get(w.url(f"{loan.pk}/"))
        assert r.status_code == 403 and r.json()["code"] == "city_access_denied"


# --- who sees what: the lists and the details agree, for every role -------------------------------------


@pytest.fixture
def loans_everywhere(qingdao, other_city):
    """Qingdao's loans in several states and with both banks; Jinan's loan; users of every kind."""
    w = build_world(qingdao)
    w.draft = loan_to_state(w, "draft", assets=[w.assets[0]])
    w.other_bank = loan_to_state(w, "submitted", bank=w.bank2, assets=[w.assets[1]])
    w.valued = loan_to_state(w, "valued", assets=[w.assets2[0]], user=w.enterprise2)
    w.live = loan_to_state(w, "disbursed", assets=[w.assets[2]])
    w.jinan_loan = loan_to_state(other_city, "submitted")
    w.university = make_user(qingdao, "university")
    w.fund_manager = make_user(qingdao, "fund_manager")
    w.other_appraiser = make_user(qingdao, "service")
    w.granted_reader = make_user(make_city("zhengzhou", "郑州"), "official")
    grant(w.granted_reader, qingdao)
    w.jinan_enterprise = other_city.enterprise
    return w


def test_every_role_lists_exactly_the_loans_it_may_open(loans_everywhere):
    w = loans_everywhere
    with scopes_disabled():
        every_loan = set(Loan._base_manager.values_list("pk", flat=True))  # both cities
    city = {w.draft.pk, w.other_bank.pk, w.valued.pk, w.live.pk}
    submitted = city - {w.draft.pk}
    expected = {
        "enterprise": {w.draft.pk, w.other_bank.pk, w.live.pk},
        "enterprise2": {w.valued.pk},
        "bank": {w.valued.pk, w.live.pk},
        "bank2": {w.other_bank.pk},
        "insurer": submitted,
        "guarantor": submitted,
        # The one it valued, the one waiting for a valuation; not the draft, not another's valuation.
        "appraiser": {w.other_bank.pk, w.valued.pk, w.live.pk},
        "other_appraiser": set(),
        "bureau": city,
        "official": city,
        "granted_reader": city,
    }

    def listed(who):
        client = api(getattr(w, who))
        assert_list_and_detail_agree(client, w.url(), w.url("{pk}/"), every_loan)
        return listed_ids(client, w.url())

    assert_matrix(expected, listed)


def _answer(response) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


def test_a_loans_detail_lists_exactly_the_steps_the_caller_may_take(loans_everywhere):
    w = loans_everywhere
    loans = {"draft": w.draft, "submitted": w.other_bank, "valued": w.valued, "disbursed": w.live}
    people = ("enterprise", "enterprise2", "bank", "bank2", "insurer", "appraiser", "bureau", "official")
    expected = {}
    with w.scope():
        for who in people:
            actor = w.actor(getattr(w, who))
            for state, loan in loans.items():
                if Loan.objects.restrict(actor).filter(pk=loan.pk).exists():
                    expected[who, state] = LOAN.available_names(actor, Loan.objects.get(pk=loan.pk))
    assert expected["enterprise", "draft"] == ["submit", "withdraw"]
    assert expected["bank", "disbursed"] == ["repay", "record_fee", "default"]
    assert_matrix(
        expected,
        lambda case: api(getattr(w, case[0])).get(w.url(f"{loans[case[1]].pk}/")).json()["actions"],
    )


@pytest.mark.parametrize("who", ["university", "fund_manager"])
def test_roles_that_never_see_a_loan_are_refused_its_list_and_details(loans_everywhere, who):
    w = loans_everywhere
    client = api(getattr(w, who))
    urls = {"list": w.url(), "detail": w.url(f"{w.live.pk}/")}
    assert_matrix(
        dict.fromkeys(urls, (403, "role_not_allowed")), lambda case: _answer(client.get(urls[case]))
    )


def test_another_citys_user_lists_and_opens_only_its_own_loans(loans_everywhere):
    w = loans_everywhere
    client = api(w.jinan_enterprise)
    jinan_url = "/api/v1/jinan/loans/"
    with scopes_disabled():
        every_loan = set(Loan._base_manager.values_list("pk", flat=True))
    assert_list_and_detail_agree(client, jinan_url, jinan_url + "{pk}/", every_loan)
    assert listed_ids(client, jinan_url) == {w.jinan_loan.pk}
    assert _answer(client.get(w.url())) == (403, "city_access_denied")


def test_every_role_lists_exactly_the_products_it_may_open(loans_everywhere):
    w = loans_everywhere
    with w.scope():
        closed = services.product_create(
            actor=w.actor(w.bureau),
            name="已停办的产品",
            is_active=False,
            allowed_terms=[12],
            institutions={
                "bank": [w.org(w.bank).pk],
                "insurer": [w.org(w.insurer).pk],
                "guarantor": [w.org(w.guarantor).pk],
                "appraiser": [w.org(w.appraiser).pk],
            },
        )
    with scopes_disabled():
        every_product = set(LoanProduct._base_manager.values_list("pk", flat=True))
    open_only, both = {w.product.pk}, {w.product.pk, closed.pk}
    expected = {
        "enterprise": open_only,
        "bank": open_only,
        "appraiser": open_only,
        "university": open_only,
        "bureau": both,
        "official": both,
        "granted_reader": both,
    }

    def listed(who):
        client = api(getattr(w, who))
        url = w.url("products/")
        assert_list_and_detail_agree(client, url, url + "{pk}/", every_product)
        return listed_ids(client, url)

    assert_matrix(expected, listed)


# --- the rules of an application ---------------------------------------------------------------------


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
    cases = {
        "term": ({"term_months": 18}, (400, "term_not_allowed")),
        "amount": ({"amount": "50000000"}, (400, "amount_out_of_range")),
        "bank": ({"bank": w.org(w.insurer).pk}, (400, "institution_not_participating")),
        "not owned": ({"assets": [w.assets2[0].pk]}, (409, "asset_not_owned")),
        "lapsed": ({"assets": [lapsed.pk]}, (409, "asset_not_in_force")),
        "product": ({"product": 999999}, (400, "loan_product_not_found")),
        "purpose": ({"purpose": ""}, (400, "invalid")),
    }
    with nothing_changed(*PLEDGE_MODELS):
        assert_matrix(
            {case: want for case, (_change, want) in cases.items()},
            lambda case: _answer(ent.post(w.url(), w.application(**cases[case][0]), format="json")),
        )


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
    assert "decide" not in first.json()["actions"]
    with nothing_changed(*PLEDGE_MODELS):
        again = api(w.bank).post(
            w.url(f"{loan.pk}/decisions/"), {"decision": "reject", "comment": "改主意"}, format="json"
        )
    assert again.status_code == 409 and again.json()["code"] == "already_decided"


def test_product_shares_must_sum_to_exactly_100_percent(qingdao):
    w = build_world(qingdao)
    with nothing_changed(*PLEDGE_MODELS):
        r = api(w.bureau).patch(
            w.url(f"products/{w.product.pk}/"),
            {"insurer_share": "0.6", "guarantor_share": "0.2", "bank_share": "0.199999"},
            format="json",
        )
        assert r.status_code == 400 and r.json()["code"] == "shares_not_100_percent"
        r = api(w.bank).patch(w.url(f"products/{w.product.pk}/"), {"name": "x"}, format="json")
        assert r.status_code == 403


def test_default_needs_an_overdue_instalment(qingdao):
    w = build_world(qingdao)
    loan = loan_to_state(w, "disbursed", disbursed_on=datetime.date(2025, 7, 1))
    with nothing_changed(*PLEDGE_MODELS), clock.at(datetime.date(2025, 7, 20)):
        r = api(w.bank).post(
            w.url(f"{loan.pk}/default/"), {"default_on": "2025-07-20", "reason": "经营恶化"}, format="json"
        )
    assert r.status_code == 409 and r.json()["code"] == "loan_not_overdue"


def test_amounts_in_refusals_read_in_wan_not_raw_yuan(qingdao):
    """People type 万元, so a refusal that names an amount names it in 万元 (never "50000000.00")."""
    w = build_world(qingdao)
    refused = api(w.enterprise).post(w.url(), w.application(amount="50000000"), format="json")
    assert refused.status_code == 400
    detail = refused.json()["fields"]["amount"][0]["detail"]
    assert "万元" in detail and "00000" not in detail
