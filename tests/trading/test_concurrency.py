"""Two buyers accept the seller's counter-offers at the same moment: exactly one deal."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from ipops.errors import ApplicationError
from ipops.tenancy import city_scope
from tests.conftest import make_asset
from trading import services
from trading.models import Transaction

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
    barrier = threading.Barrier(2)
    outcomes = []

    def accept(b):
        try:
            me = as_actor(b, qingdao)
            with city_scope(qingdao):
                barrier.wait()
                try:
                    services.offer_accept(actor=me, offer=counters[b.org.pk])
                    outcomes.append("deal")
                except ApplicationError as exc:
                    outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(b,)) for b in (b1, b2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) in (["deal", "invalid_transition"], ["deal", "listing_taken"])
    with city_scope(qingdao):
        assert Transaction.objects.filter(listing=listing).count() == 1
        from ipops.models import Encumbrance

        assert (
            Encumbrance.objects.filter(asset=asset, kind="sale_pending", released_at__isnull=True).count()
            == 1
        )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("what", ["centre", "member"])
def test_registering_the_same_centre_or_member_twice_at_once_makes_one(qingdao, what):
    from ipops.models import OrgKind
    from tests.conftest import make_org
    from trading.models import CentreMembership, OperationsCentre

    bureau = party(qingdao, "bureau_staff", OrgKind.BUREAU, name="青岛市知识产权局")
    university, member = make_org(qingdao, OrgKind.UNIVERSITY), make_org(qingdao, OrgKind.ENTERPRISE)
    centre = None
    if what == "member":
        with city_scope(qingdao):
            centre = services.centre_create(actor=as_actor(bureau, qingdao), organization=university)
    barrier = threading.Barrier(2)
    outcomes = []

    def register():
        try:
            me = as_actor(bureau, qingdao)
            with city_scope(qingdao):
                barrier.wait()
                try:
                    if what == "centre":
                        services.centre_create(actor=me, organization=university)
                    else:
                        services.centre_member_add(actor=me, centre=centre, organization=member)
                    outcomes.append("ok")
                except ApplicationError as exc:
                    outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=register) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["centre_exists" if what == "centre" else "centre_member_exists", "ok"]
    with city_scope(qingdao):
        assert OperationsCentre.objects.count() == 1
        assert CentreMembership.objects.count() == (1 if what == "member" else 0)
