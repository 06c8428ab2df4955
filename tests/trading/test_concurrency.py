"""Two buyers accept the seller's counter-offers at the same moment: exactly one deal. Two bureau staff
register the same centre (or member) at once: exactly one."""

from __future__ import annotations

import pytest

from ipops.models import Encumbrance, OrgKind
from ipops.tenancy import city_scope
from tests.conftest import make_asset, make_org
from tests.support import failures, race, successes
from trading import services
from trading.models import CentreMembership, OperationsCentre, Transaction

from .conftest import as_actor, create_listing, party


@pytest.mark.django_db(transaction=True)
def test_two_buyers_accepting_at_once_make_one_deal(qingdao):
    seller, b1, b2 = party(qingdao, name="卖方"), party(qingdao, name="买方一"), party(qingdao, name="买方二")
    asset = make_asset(qingdao, seller.org)
    listing = create_listing(qingdao, seller, [asset])
    counters = {}
    with city_scope(qingdao):
        for b in (b1, b2):
            offer = services.offer_make(actor=as_actor(b, qingdao), listing=listing, price="100000")
            counters[b.org.pk] = services.offer_counter(
                actor=as_actor(seller, qingdao), offer=offer, price="150000"
            )

    def accept(b):
        me = as_actor(b, qingdao)
        return lambda: services.offer_accept(actor=me, offer=counters[b.org.pk])

    results = race(accept(b1), accept(b2), context=lambda: city_scope(qingdao))
    assert len(successes(results)) == 1
    # The second finds the listing taken, or (once the first closed its negotiation) its offer closed.
    assert [e.code for e in failures(results)] in (["listing_taken"], ["invalid_transition"])
    with city_scope(qingdao):
        assert Transaction.objects.filter(listing=listing).count() == 1
        held = Encumbrance.objects.filter(asset=asset, kind="sale_pending", released_at__isnull=True)
        assert held.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("what", ["centre", "member"])
def test_registering_the_same_centre_or_member_twice_at_once_makes_one(qingdao, what):
    bureau = party(qingdao, "bureau_staff", OrgKind.BUREAU, name="青岛市知识产权局")
    university, member = make_org(qingdao, OrgKind.UNIVERSITY), make_org(qingdao, OrgKind.ENTERPRISE)
    me = as_actor(bureau, qingdao)
    centre = None
    if what == "member":
        with city_scope(qingdao):
            centre = services.centre_create(actor=me, organization=university)

    def register():
        if what == "centre":
            return services.centre_create(actor=me, organization=university)
        return services.centre_member_add(actor=me, centre=centre, organization=member)

    results = race(register, register, context=lambda: city_scope(qingdao))
    assert len(successes(results)) == 1
    assert [e.code for e in failures(results)] == [
        "centre_exists" if what == "centre" else "centre_member_exists"
    ]
    with city_scope(qingdao):
        assert OperationsCentre.objects.count() == 1
        assert CentreMembership.objects.count() == (1 if what == "member" else 0)
