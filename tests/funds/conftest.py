"""A city with its special budget opened through the real services."""

from __future__ import annotations

import datetime
from decimal import Decimal

from funds import services
from funds.models import SpecialBudget
from ipops import clock
from ipops.models import City
from ipops.tenancy import city_scope
from tests.conftest import actor, make_user

D = Decimal
HUNDRED_MILLION = D("100000000")
OPENED = datetime.date(2024, 1, 10)


def open_budget(city: City, *, municipal: Decimal = HUNDRED_MILLION, received: bool = True) -> SpecialBudget:
    """The budget with tranche 1 and the municipal money received (unless `received` is False)."""
    bureau = make_user(city, "bureau_staff")
    with city_scope(city), clock.at(OPENED):
        who = actor(bureau, city)
        budget = services.budget_open(actor=who, local={"municipal": municipal}, opened_on=OPENED)
        if received:
            services.budget_receive(actor=who, kind="central_1", amount=HUNDRED_MILLION, received_on=OPENED)
            services.budget_receive(actor=who, kind="municipal", amount=municipal, received_on=OPENED)
    return budget
