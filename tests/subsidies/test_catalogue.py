"""Every Qingdao policy of SPEC §6 with a worked case, computed by the one evaluation claims use; the
calendar's gap shown to staff before they approve; the yearly cap holding when two staff approve at once."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from ipops import clock
from ipops.models import OrgKind
from ipops.tenancy import city_scope
from subsidies import selectors, services
from subsidies.models import Claim, Policy
from tests.conftest import actor, make_city, make_org, make_user
from tests.subsidies.test_claims import APPROVED_ON, _catalogue, _submitted
from tests.support import race

D = Decimal
pytestmark = pytest.mark.django_db(transaction=True)

#: (policy, claimant kind, declaration, amount) — SPEC §6's numbers.
DECLARED_CASES = [
    ("QD-GB-E", OrgKind.ENTERPRISE, {}, "100000"),
    ("QD-GB-U", OrgKind.UNIVERSITY, {}, "200000"),
    ("QD-GB-U", OrgKind.INSTITUTE, {}, "200000"),
    ("QD-ADV", OrgKind.ENTERPRISE, {"level": "provincial_advantage"}, "50000"),
    ("QD-ADV", OrgKind.ENTERPRISE, {"level": "provincial_demonstration"}, "100000"),
    ("QD-ADV", OrgKind.ENTERPRISE, {"level": "national_advantage"}, "100000"),
    ("QD-ADV", OrgKind.ENTERPRISE, {"level": "national_demonstration"}, "200000"),
    ("QD-NAV", OrgKind.ENTERPRISE, {"case": "导航项目", "items": 1}, "150000"),
    ("QD-HVP", OrgKind.UNIVERSITY, {"items": 3}, "300000"),
    ("QD-RIGHTS", OrgKind.SERVICE, {}, "50000"),
    ("QD-SVC", OrgKind.SERVICE, {"level": "provincial_pilot"}, "50000"),
    ("QD-SVC", OrgKind.SERVICE, {"level": "national_pilot"}, "100000"),
    ("QD-SVC", OrgKind.SERVICE, {"level": "national_demonstration"}, "200000"),
    ("QD-HOST", OrgKind.SERVICE, {}, "100000"),
    ("QD-REV", OrgKind.SERVICE, {}, "500000"),
]


@pytest.mark.parametrize(("code", "kind", "inputs", "amount"), DECLARED_CASES)
def test_every_declared_policy_pays_what_spec_6_says(code, kind, inputs, amount):
    city = make_city("qingdao")
    _catalogue(city)
    organization = make_org(city, kind)
    with city_scope(city), clock.at(APPROVED_ON):
        evaluation = services.evaluate(Policy.objects.get(code=code), organization, inputs=inputs)
    assert evaluation.computation.amount == D(amount)


def test_staff_are_told_when_the_calendar_does_not_cover_a_notice_yet():
    city = make_city("qingdao")
    _catalogue(city)
    with city_scope(city):
        assert selectors.calendar_gap(datetime.date(2026, 6, 1)) is None
        assert selectors.calendar_gap(datetime.date(2026, 12, 28)) == 2027


def test_the_yearly_cap_holds_when_two_staff_approve_one_organisations_claims_at_once():
    """Two navigation projects of one enterprise under a 200,000 yearly cap: whichever approval comes
    second gets what the first leaves."""
    city = make_city("qingdao")
    bureau = _catalogue(city, **{"QD-NAV": {"year_cap": D("200000")}})
    other = make_user(city, "bureau_staff")
    enterprise = make_user(city, "enterprise")
    claims = [
        _submitted(city, enterprise, "QD-NAV", {"case": name, "items": 1})
        for name in ("导航项目一", "导航项目二")
    ]

    def approve(user, claim):
        def run():
            with city_scope(city), clock.at(APPROVED_ON):
                services.claim_approve(actor=actor(user, city), claim=claim.pk)

        return run

    race(approve(bureau, claims[0]), approve(other, claims[1]))
    with city_scope(city):
        amounts = sorted(Claim.objects.values_list("approved_amount", flat=True))
    assert amounts == [D("50000"), D("150000")]


def test_a_batch_payment_on_the_budget_links_to_its_batch():
    from ipops.platform import reference_url

    assert reference_url("subsidies.paymentbatch:12", "qingdao") == "/qingdao/subsidies/payments/12/"
    assert reference_url("subsidies.claim:12", "qingdao") is None
