"""Reporting fixtures: a city with the plan's catalogue and the demo's statistics, and completed deals made
through trading's own services (dated with the business clock)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from ipops import clock
from ipops.access import actor_for
from ipops.models import OrgKind
from ipops.tenancy import city_scope, scopes_disabled
from reporting.catalogue import seed_catalogue, seed_statistics
from tests.conftest import make_asset, make_org, make_user
from trading import services as trading
from trading.models import DealType, Visibility


def plan_city(city):
    """The catalogue ([002], [004]) and three years of statistics, entered by `<slug>.bureau`."""
    make_user(city, "bureau_staff", make_org(city, OrgKind.BUREAU), username=f"{city.slug}.bureau")
    with city_scope(city):
        seed_catalogue(city)
        seed_statistics(city)
    return city


@pytest.fixture
def planned(qingdao):
    return plan_city(qingdao)


def complete_deal(city, *, price: Decimal = Decimal(500000), when: datetime.date | None = None):
    """A licence agreed, paid and recorded: one completed deal of `price` on `when` (default today)."""
    seller_user = make_user(city, "enterprise")
    buyer_user = make_user(city, "enterprise")
    with scopes_disabled():
        seller, buyer = actor_for(seller_user, city), actor_for(buyer_user, city)
    asset = make_asset(city, seller.organization)
    with city_scope(city), clock.at(when or clock.today()):
        listing = trading.listing_create(
            actor=seller,
            asset_ids=[asset.pk],
            deal_type=DealType.NON_EXCLUSIVE_LICENCE,
            asking_price=price,
            publish=True,
            visibility=Visibility.CITY,
        )
        offer = trading.offer_make(
            actor=buyer, listing=listing, price=price, message="同意报价", licence_years=3
        )
        tx = trading.offer_accept(actor=seller, offer=offer)
        trading.transaction_record_contract(
            actor=seller, transaction=tx, contract_ref="HT-1", signed_on=clock.today()
        )
        trading.transaction_pay(actor=buyer, transaction=tx)
        trading.transaction_complete(
            actor=seller, transaction=tx, recordal_number="2026370000000001", licence_starts_on=clock.today()
        )
    return tx
