"""Amounts from the platform's own records: the interest subsidy from a loan's repayment ledger across two
loans of one enterprise in one year (the 200,000 yearly cap binds at approval), 免申即享 that never creates
a claim twice, the calculator and the sandbox, which write nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum

from ipops import clock
from pledge_finance import services as pledge
from pledge_finance.models import Repayment
from subsidies import selectors, services
from subsidies.models import Claim, ClaimState, Policy, PolicyYear
from tests.pledge_finance.conftest import build_world, loan_to_state
from tests.subsidies.test_claims import _catalogue
from tests.support import nothing_changed, race

D = Decimal
pytestmark = pytest.mark.django_db(transaction=True)
REPAID_ON = datetime.date(2025, 12, 20)
RUN_ON = datetime.date(2026, 1, 12)


def _repaid(w, asset, amount):
    loan = loan_to_state(w, "disbursed", assets=[asset], amount=amount, rate=D("0.06"))
    with w.scope(), clock.at(REPAID_ON):
        owed = sum((i.principal_due + i.interest_due for i in loan.instalments.all()), D(0))
        pledge.loan_record_repayment(actor=w.actor(w.bank), loan=loan, amount=owed, paid_on=REPAID_ON)
        return loan, Repayment.objects.filter(loan=loan).aggregate(t=Sum("interest"))["t"]


@pytest.fixture
def world(qingdao):
    w = build_world(qingdao)
    org = w.org(w.enterprise)
    org.is_tech_sme = True
    org.save(update_fields=["is_tech_sme"])
    return w


def test_interest_subsidy_across_two_loans_of_one_enterprise_in_one_year(world):
    w = world
    bureau = _catalogue(w.city)
    _, interest_a = _repaid(w, w.assets[0], D("8000000"))
    _, interest_b = _repaid(w, w.assets[1], D("8000000"))
    half_a = (interest_a * D("0.5")).quantize(D("0.01"))
    assert half_a > D("100000")  # the two halves together pass the 200,000 cap
    with w.scope(), clock.at(RUN_ON):
        assert services.automatic_run(city=w.city) == 2
        assert services.automatic_run(city=w.city) == 0  # nothing twice
        claims = list(Claim.objects.filter(policy__code="QD-INT").order_by("pk"))
        assert [c.state for c in claims] == [ClaimState.TO_CONFIRM] * 2
        assert {c.year for c in claims} == {2025}
        assert claims[0].rule_amount == half_a
        for claim in claims:
            services.claim_confirm(
                actor=w.actor(w.enterprise),
                claim=claim,
                bank_name="青岛银行",
                bank_account="6222020200112233",
            )
        first = services.claim_approve(actor=w.actor(bureau), claim=claims[0])
        second = services.claim_approve(actor=w.actor(bureau), claim=claims[1])
    assert first.approved_amount == half_a
    # Recomputed under the lock: only what the 200,000 yearly cap leaves.
    assert second.approved_amount == D("200000") - half_a
    assert [s["code"] for s in second.computation][-1] == "year_cap"


def test_two_automatic_runs_at_once_create_each_claim_once(world):
    w = world
    _catalogue(w.city)
    _repaid(w, w.assets[0], D("2000000"))

    def run():
        with w.scope(), clock.at(RUN_ON):
            services.automatic_run(city=w.city)

    race(run, run)
    with w.scope():
        assert Claim.objects.filter(policy__code="QD-INT").count() == 1


def test_the_calculator_shows_what_each_policy_pays_and_the_sandbox_writes_nothing(world):
    w = world
    bureau = _catalogue(w.city)
    _, interest = _repaid(w, w.assets[0], D("2000000"))
    with w.scope(), clock.at(RUN_ON):
        offers = {o.policy.code: o for o in selectors.calculator(w.actor(w.enterprise))}
        assert offers["QD-INT"].amount == (interest * D("0.5")).quantize(D("0.01"))
        assert offers["QD-GB-E"].amount == D("100000")
        assert offers["QD-GB-U"].amount is None and offers["QD-GB-U"].why_not
        assert dict(offers["QD-ADV"].levels)["national_demonstration"] == D("200000")
        policy = Policy.objects.get(code="QD-INT")
        with nothing_changed(Claim, Policy, PolicyYear):
            result = selectors.sandbox(w.actor(bureau), policy, {"rate": "0.3"})
        assert result.entitled_now == offers["QD-INT"].amount
        assert result.entitled_then == (interest * D("0.3")).quantize(D("0.01"))
