"""Claims through the services: the lifecycle from application to payment, the caps and the budget that
hold when staff approve at the same moment, 免申即享 from the loan ledger, objections and payment batches
booked against the special budget."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from funds.models import BudgetSource, Expenditure
from ipops import clock
from ipops.errors import ApplicationError
from ipops.tenancy import city_scope
from subsidies import demo, services
from subsidies.errors import SubsidyErrorCode
from subsidies.models import Claim, ClaimState, Policy, PolicyYear
from tests.conftest import actor, make_city, make_user
from tests.funds.conftest import open_budget
from tests.support import failures, nothing_changed, race

D = Decimal
pytestmark = pytest.mark.django_db(transaction=True)
APPROVED_ON = datetime.date(2026, 9, 29)  # the notice starts the next day: see test_rules' worked case


def _catalogue(city, **over):
    bureau = make_user(city, "bureau_staff")
    with city_scope(city), clock.at(demo.OPENS):
        for spec in demo.CATALOGUE:
            data = dict(spec)
            data.update(over.get(spec["code"], {}))
            services.policy_save(actor=actor(bureau, city), data=data)
    return bureau


def _submitted(city, user, code, inputs=None):
    with city_scope(city), clock.at(APPROVED_ON):
        who = actor(user, city)
        claim = services.claim_start(actor=who, policy=Policy.objects.get(code=code).pk, inputs=inputs or {})
        return services.claim_submit(
            actor=who, claim=claim, bank_name="青岛银行", bank_account="6222021234567890"
        )


def test_an_award_from_application_to_payment_booked_once_against_the_budget():
    city = make_city("qingdao")
    open_budget(city)
    bureau = _catalogue(city)
    enterprise = make_user(city, "enterprise")
    claim = _submitted(city, enterprise, "QD-GB-E")
    assert claim.rule_amount == D("100000")
    with city_scope(city), clock.at(APPROVED_ON):
        claim = services.claim_approve(actor=actor(bureau, city), claim=claim)
    assert claim.state == ClaimState.IN_NOTICE
    # Five working days from 30 Sep 2026 across the National Day holiday and its make-up Saturday.
    assert (claim.notice_starts_on, claim.notice_ends_on) == (APPROVED_ON, datetime.date(2026, 10, 12))
    with city_scope(city):
        assert services.notices_advance(city=city, today=datetime.date(2026, 10, 12)) == 0
        assert services.notices_advance(city=city, today=datetime.date(2026, 10, 13)) == 1
        assert services.notices_advance(city=city, today=datetime.date(2026, 10, 13)) == 0
        with clock.at(datetime.date(2026, 10, 20)):
            batch = services.batch_pay(actor=actor(bureau, city), claims=[claim.pk])
            with pytest.raises(ApplicationError) as err:
                services.batch_pay(actor=actor(bureau, city), claims=[claim.pk])
        assert err.value.code == SubsidyErrorCode.NOTHING_PAYABLE
        claim.refresh_from_db()
        assert claim.state == ClaimState.PAID
        booked = Expenditure.objects.get(reference=f"subsidies.paymentbatch:{batch.pk}")
        assert (booked.amount, booked.category, booked.source.kind) == (
            D("100000"),
            "subsidy_award",
            "municipal",
        )


def test_a_duplicate_claim_and_an_ineligible_claimant_are_refused():
    city = make_city("qingdao")
    _catalogue(city)
    enterprise = make_user(city, "enterprise")
    university = make_user(city, "university")
    _submitted(city, enterprise, "QD-GB-E")
    with city_scope(city), clock.at(APPROVED_ON), nothing_changed(Claim):
        with pytest.raises(ApplicationError) as err:
            services.claim_start(actor=actor(enterprise, city), policy=Policy.objects.get(code="QD-GB-E").pk)
        assert err.value.code == SubsidyErrorCode.DUPLICATE_CLAIM
        with pytest.raises(ApplicationError) as err:
            services.claim_start(actor=actor(university, city), policy=Policy.objects.get(code="QD-GB-E").pk)
        assert err.value.code == SubsidyErrorCode.NOT_ELIGIBLE


def test_staff_lower_an_amount_with_a_reason_and_never_raise_it():
    city = make_city("qingdao")
    bureau = _catalogue(city)
    claim = _submitted(
        city, make_user(city, "enterprise"), "QD-NAV", {"case": "海洋装备专利导航", "items": 1}
    )
    with city_scope(city), clock.at(APPROVED_ON):
        who = actor(bureau, city)
        with pytest.raises(ApplicationError) as err:
            services.claim_approve(actor=who, claim=claim, amount="150000.01", reason="")
        assert err.value.code == SubsidyErrorCode.AMOUNT_ABOVE_RULE
        with pytest.raises(ApplicationError) as err:
            services.claim_approve(actor=who, claim=claim, amount="120000")
        assert err.value.code == SubsidyErrorCode.REASON_REQUIRED
        approved = services.claim_approve(
            actor=who, claim=claim, amount="120000", reason="验收报告部分内容未完成"
        )
    assert (approved.rule_amount, approved.approved_amount) == (D("150000"), D("120000"))


def test_a_later_higher_level_pays_only_the_difference():
    city = make_city("qingdao")
    bureau = _catalogue(city)
    enterprise = make_user(city, "enterprise")
    first = _submitted(city, enterprise, "QD-ADV", {"level": "provincial_advantage"})
    with city_scope(city), clock.at(APPROVED_ON):
        services.claim_approve(actor=actor(bureau, city), claim=first)
    later = _submitted(city, enterprise, "QD-ADV", {"level": "national_demonstration"})
    assert later.rule_amount == D("150000")
    assert [s["code"] for s in later.computation] == ["tier", "family_difference"]


def test_two_staff_approving_at_once_never_pass_the_policy_budget():
    city = make_city("qingdao")
    bureau = _catalogue(city, **{"QD-GB-E": {"annual_budget": D("150000")}})
    other = make_user(city, "bureau_staff")
    claims = [_submitted(city, make_user(city, "enterprise"), "QD-GB-E") for _ in range(2)]

    def approve(user, claim):
        def run():
            with city_scope(city), clock.at(APPROVED_ON):
                services.claim_approve(actor=actor(user, city), claim=claim.pk)

        return run

    outcomes = race(approve(bureau, claims[0]), approve(other, claims[1]))
    assert [e.code for e in failures(outcomes)] == [SubsidyErrorCode.BUDGET_EXHAUSTED]
    with city_scope(city):
        year = PolicyYear.objects.get(policy__code="QD-GB-E")
        assert (year.approved_amount, year.approved_count) == (D("100000"), 1)


def test_two_staff_approving_at_once_never_pass_the_quota():
    city = make_city("qingdao")
    bureau = _catalogue(city, **{"QD-HVP": {"annual_quota": 1}})
    other = make_user(city, "bureau_staff")
    claims = [_submitted(city, make_user(city, "university"), "QD-HVP", {"items": 1}) for _ in range(2)]

    def approve(user, claim):
        def run():
            with city_scope(city), clock.at(APPROVED_ON):
                services.claim_approve(actor=actor(user, city), claim=claim.pk)

        return run

    outcomes = race(approve(bureau, claims[0]), approve(other, claims[1]))
    assert [e.code for e in failures(outcomes)] == [SubsidyErrorCode.QUOTA_EXHAUSTED]


def test_an_objection_holds_the_award_and_an_upheld_one_returns_its_budget():
    city = make_city("qingdao")
    bureau = _catalogue(city)
    claim = _submitted(city, make_user(city, "enterprise"), "QD-GB-E")
    with city_scope(city), clock.at(APPROVED_ON):
        services.claim_approve(actor=actor(bureau, city), claim=claim)
        objection = services.objection_lodge(
            city=city,
            claim=claim.pk,
            lodged_by="王先生",
            contact="13800000000",
            reason="该企业认证证书已过期",
        )
        claim.refresh_from_db()
        assert claim.state == ClaimState.HELD
        assert services.notices_advance(city=city, today=datetime.date(2026, 12, 1)) == 0
        services.objection_resolve(
            actor=actor(bureau, city), objection=objection, upheld=True, resolution="核实属实"
        )
        claim.refresh_from_db()
        assert claim.state == ClaimState.REJECTED
        year = PolicyYear.objects.get(policy__code="QD-GB-E")
        assert (year.approved_amount, year.approved_count) == (D("0"), 0)
        with pytest.raises(ApplicationError) as err:
            services.objection_lodge(
                city=city, claim=claim.pk, lodged_by="李", contact="x", reason="再次异议"
            )
        assert err.value.code == SubsidyErrorCode.NOTICE_OVER


def test_a_batch_that_would_overspend_the_budget_is_refused_whole():
    city = make_city("qingdao")
    open_budget(city, municipal=D("150000"))
    bureau = _catalogue(city)
    claims = [_submitted(city, make_user(city, "enterprise"), "QD-GB-E") for _ in range(2)]
    with city_scope(city), clock.at(APPROVED_ON):
        for claim in claims:
            services.claim_approve(actor=actor(bureau, city), claim=claim)
    with city_scope(city):
        services.notices_advance(city=city, today=datetime.date(2026, 10, 13))
        with clock.at(datetime.date(2026, 10, 20)), nothing_changed(Claim, Expenditure, BudgetSource):
            with pytest.raises(ApplicationError) as err:
                services.batch_pay(actor=actor(bureau, city), claims=[c.pk for c in claims])
        assert err.value.code == "source_exhausted"
        assert set(Claim.objects.values_list("state", flat=True)) == {ClaimState.PAYABLE}
