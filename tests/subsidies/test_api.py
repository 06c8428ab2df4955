"""The subsidies API: a claim from start to payment booked against the special budget, refusals that write
nothing, who sees which claim and bank account, the public notice and objections without login, the
calculator and the sandbox (the endpoint harness in tests/api calls every operation as every role too)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from ipops import clock
from ipops.tenancy import city_scope
from subsidies import demo, services
from subsidies.models import Claim, ClaimState, Objection, PaymentBatch, Policy, PolicyYear
from tests.conftest import actor, api, make_user
from tests.funds.conftest import open_budget
from tests.support import nothing_changed

pytestmark = pytest.mark.django_db
D = Decimal
APPROVED_ON = datetime.date(2026, 9, 29)
#: Five working days from 30 Sep 2026, across the National Day holiday and its make-up Saturday.
NOTICE_ENDS = "2026-10-12"
PAID_ON = datetime.date(2026, 10, 20)
ACCOUNT = "6222021234567890"
BANK = {"bank_name": "青岛银行", "bank_account": ACCOUNT}


def _base(city) -> str:
    return f"/api/v1/{city.slug}/"


def _catalogue(city):
    """Qingdao's catalogue, saved by the bureau; the bureau's user."""
    bureau = make_user(city, "bureau_staff")
    with city_scope(city), clock.at(demo.OPENS):
        for spec in demo.CATALOGUE:
            services.policy_save(actor=actor(bureau, city), data=spec)
    return bureau


def _policy_id(city, code: str) -> int:
    with city_scope(city):
        return Policy.objects.get(code=code).pk


def _start(client, city, code: str, inputs: dict | None = None) -> dict:
    body: dict = {"policy": _policy_id(city, code)}
    if inputs is not None:
        body["inputs"] = inputs
    r = client.post(f"{_base(city)}claims/", body, format="json")
    assert r.status_code == 201, r.json()
    return r.json()


def _submitted(client, city, code: str, inputs: dict | None = None) -> dict:
    claim = _start(client, city, code, inputs)
    r = client.post(f"{_base(city)}claims/{claim['id']}/submit/", BANK, format="json")
    assert r.status_code == 200, r.json()
    return r.json()


def _approved(city, bureau, enterprise, code="QD-GB-E", inputs=None) -> dict:
    with clock.at(APPROVED_ON):
        claim = _submitted(api(enterprise), city, code, inputs)
        r = api(bureau).post(f"{_base(city)}claims/{claim['id']}/approve/", {}, format="json")
    assert r.status_code == 200, r.json()
    return r.json()


def test_a_claim_from_start_to_payment_booked_against_the_special_budget(qingdao):
    open_budget(qingdao)
    bureau = _catalogue(qingdao)
    enterprise = make_user(qingdao, "enterprise")
    base = _base(qingdao)
    mine, staff = api(enterprise), api(bureau)
    with clock.at(APPROVED_ON):
        draft = _start(mine, qingdao, "QD-GB-E")
        assert (draft["state"], draft["rule_amount"], draft["automatic"]) == ("draft", "100000.00", False)
        assert draft["computation"] == [{"code": "fixed", "amount": "100000.00", "facts": {}}]
        assert set(draft["actions"]) == {"submit", "withdraw"}
        r = mine.post(f"{base}claims/{draft['id']}/submit/", BANK, format="json")
        assert r.status_code == 200, r.json()
        # The claimant sees its own account whole; the bureau's screens only its last four digits.
        assert (r.json()["state"], r.json()["bank_account"]) == ("submitted", ACCOUNT)
        seen = staff.get(f"{base}claims/{draft['id']}/").json()
        assert (seen["bank_account"], seen["bank_account_masked"]) == (None, "**** 7890")
        assert set(seen["actions"]) == {"return", "approve", "reject"}
        listed = staff.get(f"{base}claims/", {"state": "submitted"}).json()
        assert [c["id"] for c in listed["results"]] == [draft["id"]]
        assert ACCOUNT not in str(listed)
        assert staff.get(f"{base}claims/queue-counts/").json()["submitted"] == 1
        r = staff.post(f"{base}claims/{draft['id']}/approve/", {}, format="json")
        assert r.status_code == 200, r.json()
        approved = r.json()
        assert (approved["state"], approved["approved_amount"]) == ("in_notice", "100000.00")
        assert (approved["notice_starts_on"], approved["notice_ends_on"]) == ("2026-09-29", NOTICE_ENDS)
        assert approved["actions"] == []
        # The public notice, without login: who, which policy, how much, until when — nothing else.
        notices = api().get(f"{base}notices/").json()
        assert notices["count"] == 1
        assert notices["results"][0] == {
            "id": draft["id"],
            "organization": approved["organization"]["name"],
            "policy_code": "QD-GB-E",
            "policy": approved["policy"]["name"],
            "amount": "100000.00",
            "notice_starts_on": "2026-09-29",
            "notice_ends_on": NOTICE_ENDS,
        }
    with city_scope(qingdao):
        assert services.notices_advance(city=qingdao, today=datetime.date(2026, 10, 13)) == 1
    with clock.at(PAID_ON):
        assert api().get(f"{base}notices/").json()["count"] == 0
        r = staff.post(
            f"{base}claims/batches/", {"claims": [draft["id"]], "paid_on": PAID_ON.isoformat()}, format="json"
        )
        assert r.status_code == 201, r.json()
        batch = r.json()
        assert (batch["total"], batch["count"], batch["paid_on"]) == ("100000.00", 1, "2026-10-20")
        # The bank's payment list carries the whole account number.
        assert [(line["claim"], line["amount"], line["bank_account"]) for line in batch["claims"]] == [
            (draft["id"], "100000.00", ACCOUNT)
        ]
        assert staff.get(f"{base}claims/batches/{batch['id']}/").json() == batch
        assert staff.get(f"{base}claims/batches/").json()["count"] == 1
        paid = mine.get(f"{base}claims/{draft['id']}/").json()
        assert (paid["state"], paid["batch"]) == ("paid", batch["id"])
        again = staff.post(f"{base}claims/batches/", {"claims": [draft["id"]]}, format="json")
        assert again.status_code == 409 and again.json()["code"] == "nothing_payable"
        spent = staff.get(f"{base}budget/expenditures/").json()["results"]
        booked = [e for e in spent if e["reference"] == batch["reference"]]
        assert [(e["amount"], e["category"], e["source_kind"]) for e in booked] == [
            ("100000.00", "subsidy_award", "municipal")
        ]
        use = staff.get(f"{base}policies/budget-use/", {"year": 2026}).json()
        row = next(p for p in use["policies"] if p["policy"]["code"] == "QD-GB-E")
        assert (row["approved"], row["paid"], row["approved_count"], row["left"]) == (
            "100000.00",
            "100000.00",
            1,
            "4900000.00",
        )


def test_bad_input_is_refused_with_field_codes_and_writes_nothing(qingdao):
    bureau = _catalogue(qingdao)
    enterprise = make_user(qingdao, "enterprise")
    base = _base(qingdao)
    mine, staff = api(enterprise), api(bureau)
    with clock.at(APPROVED_ON):
        submitted = _submitted(mine, qingdao, "QD-NAV", {"case": "海洋装备专利导航", "items": 1})
        assert submitted["rule_amount"] == "150000.00"
        with nothing_changed(Claim, Policy, PolicyYear, Objection, PaymentBatch):
            r = mine.post(f"{base}claims/", {"policy": "x", "inputs": {"base": "y"}}, format="json")
            assert r.status_code == 400
            assert r.json()["fields"]["policy"][0]["code"] == "invalid"
            assert r.json()["fields"]["inputs.base"][0]["code"] == "invalid"
            r = mine.post(f"{base}claims/", {"policy": 2_000_000_000}, format="json")
            assert (r.status_code, r.json()["code"]) == (400, "policy_not_found")
            assert "policy" in r.json()["fields"]
            r = mine.post(
                f"{base}claims/",
                {"policy": _policy_id(qingdao, "QD-ADV"), "inputs": {"level": "world_champion"}},
                format="json",
            )
            assert (r.status_code, r.json()["code"]) == (400, "unknown_level")
            assert r.json()["fields"]["inputs.level"][0]["code"] == "unknown_level"
            # The same organisation, policy and period again.
            r = mine.post(
                f"{base}claims/",
                {"policy": _policy_id(qingdao, "QD-NAV"), "inputs": {"case": "海洋装备专利导航", "items": 1}},
                format="json",
            )
            assert (r.status_code, r.json()["code"]) == (409, "duplicate_claim")
            r = mine.post(f"{base}claims/{submitted['id']}/confirm/", {"bank_name": "", "bank_account": "12"})
            assert r.status_code in (400, 409)
            r = staff.post(
                f"{base}claims/{submitted['id']}/approve/",
                {"amount": "150000.01", "reason": ""},
                format="json",
            )
            assert (r.status_code, r.json()["code"]) == (400, "amount_above_rule")
            assert r.json()["fields"]["amount"][0]["code"] == "amount_above_rule"
            r = staff.post(f"{base}claims/{submitted['id']}/approve/", {"amount": "120000"}, format="json")
            assert (r.status_code, r.json()["code"]) == (400, "reason_required")
            r = staff.post(f"{base}claims/{submitted['id']}/reject/", {"reason": ""}, format="json")
            assert r.status_code == 400 and "reason" in r.json()["fields"]
            r = staff.post(
                f"{base}policies/",
                {
                    "code": "QD-NEW",
                    "name": "新政策",
                    "claimant_kinds": ["enterprise"],
                    "rule_kind": "fixed",
                    "params": {"amount": "-1"},
                    "frequency": "one_time",
                    "opens_on": "2026-01-01",
                },
                format="json",
            )
            assert (r.status_code, r.json()["code"]) == (400, "invalid_rule_parameter")
            assert r.json()["fields"]["params.amount"][0]["code"] == "invalid_rule_parameter"
            r = staff.patch(
                f"{base}policies/{_policy_id(qingdao, 'QD-NAV')}/", {"code": "QD-GB-E"}, format="json"
            )
            assert (r.status_code, r.json()["code"]) == (409, "policy_code_taken")
        r = staff.post(
            f"{base}claims/{submitted['id']}/approve/",
            {"amount": "120000", "reason": "验收报告部分内容未完成"},
            format="json",
        )
        assert r.status_code == 200, r.json()
        assert (r.json()["rule_amount"], r.json()["approved_amount"]) == ("150000.00", "120000.00")
        assert r.json()["reduction_reason"] == "验收报告部分内容未完成"


def test_the_bureau_keeps_the_catalogue_and_runs_the_automatic_task(qingdao):
    bureau = _catalogue(qingdao)
    staff = api(bureau)
    base = _base(qingdao)
    with clock.at(APPROVED_ON):
        r = staff.post(
            f"{base}policies/",
            {
                "code": "QD-NEW",
                "name": "新政策",
                "claimant_kinds": ["enterprise"],
                "rule_kind": "fixed",
                "params": {"amount": "30000"},
                "frequency": "annual",
                "opens_on": "2026-01-01",
                "annual_budget": "600000",
            },
            format="json",
        )
        assert r.status_code == 201, r.json()
        created = r.json()
        assert (created["annual_budget"], created["mode"], created["notice_days"]) == (
            "600000.00",
            "application",
            5,
        )
        r = staff.patch(f"{base}policies/{created['id']}/", {"active": False}, format="json")
        assert r.status_code == 200 and r.json()["active"] is False
        # An inactive policy leaves the catalogue claimants see, not the bureau's.
        listed = api(make_user(qingdao, "enterprise")).get(f"{base}policies/", {"page_size": 200}).json()
        assert created["id"] not in [p["id"] for p in listed["results"]]
        assert staff.get(f"{base}policies/{created['id']}/").status_code == 200
        r = staff.post(f"{base}claims/automatic-run/")
        assert r.status_code == 200 and r.json() == {"created": 0}


def test_another_city_and_another_enterprise_get_404_and_officials_only_read(qingdao, jinan):
    bureau = _catalogue(qingdao)
    _catalogue(jinan)
    enterprise = make_user(qingdao, "enterprise")
    other = make_user(qingdao, "enterprise")
    official = make_user(qingdao, "official")
    in_jinan = make_user(jinan, "enterprise")
    base = _base(qingdao)
    with clock.at(APPROVED_ON):
        claim = _submitted(api(enterprise), qingdao, "QD-GB-E")
        theirs = _submitted(api(in_jinan), jinan, "QD-GB-E")
        jinan_policy = _policy_id(jinan, "QD-GB-E")
        with nothing_changed(Claim, Policy, Objection):
            for path in (f"claims/{theirs['id']}/", f"policies/{jinan_policy}/"):
                r = api(bureau).get(f"{base}{path}")
                assert r.status_code == 404, path
            r = api(bureau).post(f"{base}claims/{theirs['id']}/approve/", {}, format="json")
            assert (r.status_code, r.json()["code"]) == (404, "claim_not_found")
            r = api(enterprise).post(f"{base}claims/", {"policy": jinan_policy}, format="json")
            assert (r.status_code, r.json()["code"]) == (400, "policy_not_found")
            # Another enterprise's claim does not exist for it, nor in its list.
            assert api(other).get(f"{base}claims/{claim['id']}/").status_code == 404
            assert api(other).post(f"{base}claims/{claim['id']}/withdraw/").status_code == 404
            assert api(other).get(f"{base}claims/").json()["count"] == 0
            # An official reads everything and writes nothing.
            seen = api(official).get(f"{base}claims/{claim['id']}/").json()
            assert (seen["bank_account"], seen["actions"]) == (None, [])
            r = api(official).post(f"{base}claims/{claim['id']}/approve/", {}, format="json")
            assert (r.status_code, r.json()["code"]) == (403, "read_only_access")
            r = api(official).patch(f"{base}policies/{_policy_id(qingdao, 'QD-GB-E')}/", {"active": False})
            assert r.status_code == 403
            assert api(official).get(f"{base}policies/budget-use/").status_code == 200
            assert api(official).get(f"{base}claims/objections/").status_code == 403
            # A claimant may not review, nor the bureau claim.
            r = api(enterprise).post(f"{base}claims/{claim['id']}/approve/", {}, format="json")
            assert (r.status_code, r.json()["code"]) == (403, "role_not_allowed")
            r = api(bureau).post(f"{base}claims/", {"policy": _policy_id(qingdao, "QD-GB-E")}, format="json")
            assert (r.status_code, r.json()["code"]) == (403, "role_not_allowed")


def test_anyone_may_object_during_the_notice_and_only_then(qingdao):
    bureau = _catalogue(qingdao)
    enterprise = make_user(qingdao, "enterprise")
    base = _base(qingdao)
    objection = {"lodged_by": "张三", "contact": "13800000000", "reason": "该企业贯标证书已过期。"}
    with clock.at(APPROVED_ON):
        submitted = _submitted(api(enterprise), qingdao, "QD-GB-E")
        with nothing_changed(Claim, Objection):
            r = api().post(f"{base}claims/{submitted['id']}/objections/", objection, format="json")
            assert (r.status_code, r.json()["code"]) == (409, "notice_over")
            r = api().post(f"{base}claims/{submitted['id']}/objections/", {}, format="json")
            assert r.status_code == 400 and {"lodged_by", "contact", "reason"} <= set(r.json()["fields"])
        r = api(bureau).post(f"{base}claims/{submitted['id']}/approve/", {}, format="json")
        assert r.status_code == 200
    with clock.at(datetime.date(2026, 10, 9)):
        r = api().post(f"{base}claims/{submitted['id']}/objections/", objection, format="json")
        assert r.status_code == 201, r.json()
        receipt = r.json()
        assert set(receipt) == {"id", "claim", "lodged_at"}
        assert api(enterprise).get(f"{base}claims/{submitted['id']}/").json()["state"] == "held"
        listed = api(bureau).get(f"{base}claims/objections/", {"open": "true"}).json()
        assert [(o["id"], o["lodged_by"], o["claim"]["id"]) for o in listed["results"]] == [
            (receipt["id"], "张三", submitted["id"])
        ]
        r = api(bureau).post(
            f"{base}claims/objections/{receipt['id']}/resolve/",
            {"upheld": False, "resolution": "证书在有效期内，异议不成立。"},
            format="json",
        )
        assert r.status_code == 200, r.json()
        assert (r.json()["upheld"], r.json()["claim"]["state"]) == (False, "in_notice")
        r = api(bureau).post(
            f"{base}claims/objections/{receipt['id']}/resolve/",
            {"upheld": True, "resolution": "再议"},
            format="json",
        )
        assert (r.status_code, r.json()["code"]) == (409, "objection_already_resolved")
    with clock.at(datetime.date(2026, 10, 13)), nothing_changed(Claim, Objection):
        r = api().post(f"{base}claims/{submitted['id']}/objections/", objection, format="json")
        assert (r.status_code, r.json()["code"]) == (409, "notice_over")


def test_the_calculator_shows_an_enterprise_the_catalogue_with_amounts(qingdao):
    _catalogue(qingdao)
    enterprise = make_user(qingdao, "enterprise")
    base = _base(qingdao)
    with clock.at(APPROVED_ON):
        _submitted(api(enterprise), qingdao, "QD-GB-E")
        r = api(enterprise).get(f"{base}policies/calculator/")
        assert r.status_code == 200, r.json()
        calc = r.json()
        assert api(make_user(qingdao, "official")).get(f"{base}policies/calculator/").status_code == 403
    assert calc["as_of"] == APPROVED_ON.isoformat()
    offers = {o["policy"]["code"]: o for o in calc["offers"]}
    assert set(offers) == {spec["code"] for spec in demo.CATALOGUE}
    assert (offers["QD-GB-E"]["amount"], offers["QD-GB-E"]["claimed"]) == ("100000.00", True)
    assert {lv["level"]: lv["amount"] for lv in offers["QD-ADV"]["levels"]} == {
        "provincial_advantage": "50000.00",
        "provincial_demonstration": "100000.00",
        "national_advantage": "100000.00",
        "national_demonstration": "200000.00",
    }
    assert offers["QD-ADV"]["amount"] == "200000.00"
    # A policy for universities says why not; a record-based one with nothing on record, why not either.
    assert offers["QD-GB-U"]["amount"] is None and offers["QD-GB-U"]["why_not"]
    assert offers["QD-INT"]["amount"] is None and offers["QD-INT"]["why_not"]


def test_the_sandbox_reports_a_changed_cost_and_writes_nothing(qingdao):
    bureau = _catalogue(qingdao)
    enterprise = make_user(qingdao, "enterprise")
    base = _base(qingdao)
    with clock.at(datetime.date(2025, 6, 10)):
        last_year = _submitted(api(enterprise), qingdao, "QD-GB-E")
        r = api(bureau).post(f"{base}claims/{last_year['id']}/approve/", {}, format="json")
        assert r.status_code == 200, r.json()
    policy = _policy_id(qingdao, "QD-GB-E")
    with clock.at(APPROVED_ON), nothing_changed(Policy, Claim, PolicyYear):
        r = api(bureau).post(
            f"{base}policies/{policy}/sandbox/", {"params": {"amount": "150000"}}, format="json"
        )
        assert r.status_code == 200, r.json()
        tried = r.json()
        r = api(bureau).post(
            f"{base}policies/{policy}/sandbox/",
            {"params": {"amount": "150000"}, "claim_cap": "120000"},
            format="json",
        )
        capped = r.json()
        r = api(bureau).post(
            f"{base}policies/{policy}/sandbox/", {"params": {"amount": "abc"}}, format="json"
        )
        assert (r.status_code, r.json()["code"]) == (400, "invalid_rule_parameter")
        assert r.json()["fields"]["params.amount"][0]["code"] == "invalid_rule_parameter"
        r = api(enterprise).post(
            f"{base}policies/{policy}/sandbox/", {"params": {"amount": "1"}}, format="json"
        )
        assert (r.status_code, r.json()["code"]) == (403, "role_not_allowed")
    assert (tried["last_year"], tried["budget"]) == (2025, "5000000.00")
    assert (tried["last_year_now"], tried["last_year_then"]) == ("100000.00", "150000.00")
    assert [(line["now"], line["then"]) for line in tried["last_year_lines"]] == [("100000.00", "150000.00")]
    assert capped["last_year_then"] == "120000.00"
    with city_scope(qingdao):
        assert Policy.objects.get(pk=policy).params == {"amount": "100000"}
        assert Claim.objects.get(pk=last_year["id"]).state == ClaimState.IN_NOTICE


def test_an_automatic_claim_is_confirmed_in_one_step(qingdao):
    """免申即享 through the API: the claim the platform filled in waits for the bank account only."""
    _catalogue(qingdao)
    enterprise = make_user(qingdao, "enterprise")
    # As the automatic task leaves it (its cases from the records are covered in test_claims).
    with city_scope(qingdao):
        claim = Claim.objects.create(
            city=qingdao,
            policy=Policy.objects.get(code="QD-GB-E"),
            organization=actor(enterprise, qingdao).organization,
            year=2026,
            period="once",
            state=ClaimState.TO_CONFIRM,
            automatic=True,
            computation=[{"code": "fixed", "amount": "100000.00", "facts": {}}],
            rule_amount=D("100000"),
        )
    base = _base(qingdao)
    with clock.at(APPROVED_ON):
        r = api(enterprise).get(f"{base}claims/{claim.pk}/")
        assert set(r.json()["actions"]) == {"confirm", "withdraw"}
        r = api(enterprise).post(f"{base}claims/{claim.pk}/confirm/", BANK, format="json")
        assert r.status_code == 200, r.json()
        assert (r.json()["state"], r.json()["automatic"], r.json()["bank_account"]) == (
            "submitted",
            True,
            ACCOUNT,
        )
