"""The two awards the platform pays from its own records besides the loan subsidies: the patent-pool award
from the registry (≥ 50 in-force invention patents and ≥ 10 PCT applications) and the university operations
centre's award from its members' completed deals of the year (5%, at most 500,000)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from ipops import clock
from ipops.models import OrgKind
from ipops.tenancy import city_scope
from subsidies import services
from subsidies.models import Claim, ClaimState
from tests.conftest import make_asset, make_city, make_org
from tests.subsidies.test_claims import _catalogue
from tests.trading.conftest import as_actor, create_listing, party
from trading import services as trading
from trading.models import CentreKind, CentreMembership, OperationsCentre

D = Decimal
pytestmark = pytest.mark.django_db(transaction=True)
RUN_ON = datetime.date(2026, 1, 15)


@pytest.mark.parametrize(("inventions", "pct", "entitled"), [(50, 10, True), (49, 10, False), (50, 9, False)])
def test_the_patent_pool_award_follows_the_registry(inventions, pct, entitled):
    city = make_city("qingdao")
    _catalogue(city)
    holder = make_org(city, OrgKind.ENTERPRISE, name="青岛核心技术有限公司")
    for n in range(inventions):
        make_asset(city, holder, is_pct=n < pct)
    for _ in range(max(pct - inventions, 0)):
        make_asset(city, holder, is_pct=True, legal_status="pending")
    with city_scope(city), clock.at(RUN_ON):
        services.automatic_run(city=city)
        claims = list(Claim.objects.filter(policy__code="QD-POOL", organization=holder))
    assert [(c.state, c.rule_amount) for c in claims] == (
        [(ClaimState.TO_CONFIRM, D("500000"))] if entitled else []
    )


def test_the_operations_centre_award_from_its_members_deals_of_the_year():
    city = make_city("qingdao")
    _catalogue(city)
    university = make_org(city, OrgKind.UNIVERSITY, name="青岛理工大学")
    member = party(city, name="青岛成员企业")
    buyer = party(city, name="买方企业")
    with city_scope(city):
        centre = OperationsCentre.objects.create(
            city=city,
            organization=university,
            name="青岛理工大学知识产权运营中心",
            kind=CentreKind.UNIVERSITY,
        )
        CentreMembership.objects.create(city=city, centre=centre, organization=member.org)
    day = datetime.date(2025, 6, 2)
    with clock.at(day):
        listing = create_listing(city, member, [make_asset(city, member.org)], price="12000000.00")
        with city_scope(city):
            offer = trading.offer_make(actor=as_actor(buyer, city), listing=listing, price="12000000")
            deal = trading.offer_accept(actor=as_actor(member, city), offer=offer)
            deal = trading.transaction_record_contract(
                actor=as_actor(member, city), transaction=deal, contract_ref="HT-2025-1"
            )
            deal = trading.transaction_pay(actor=as_actor(buyer, city), transaction=deal)
            trading.transaction_complete(
                actor=as_actor(member, city), transaction=deal, recordal_number="R-2025-1"
            )
    with city_scope(city), clock.at(RUN_ON):
        services.automatic_run(city=city)
        claim = Claim.objects.get(policy__code="QD-CENTRE", organization=university)
    # 5% of 12,000,000 is 600,000; the award stops at 500,000 a year.
    assert (claim.year, claim.rule_amount) == (2025, D("500000"))
    assert [s["code"] for s in claim.computation] == ["records", "percent", "claim_cap"]
