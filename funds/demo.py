"""Demo data: every demo city's special budget, with tranche 1 and the local matching money received.

Seeded before `pledge_finance` (`demo_order`): the pledge demo opens the city's risk compensation
reserve, which is booked against this budget."""

from __future__ import annotations

import datetime
from decimal import Decimal

from funds import services
from funds.models import SpecialBudget
from ipops import clock
from ipops.access import actor_for
from ipops.models import City, User

D = Decimal
#: The pledge demo's reserve opens on 1 January three years before its anchor day (2026-11-01): the
#: budget's money has to be there by then.
FUNDED_ON = datetime.date(2023, 1, 1)
TRANCHE_1 = D("100000000")
#: Local matching money 1:1 with the central 150,000,000; the first 100,000,000 paid with tranche 1.
MUNICIPAL_ALLOTTED, MUNICIPAL_RECEIVED = D("150000000"), D("100000000")


def seed(*, city: City) -> None:
    """Called inside the city's scope by `manage.py seed_demo`; adds nothing when run again."""
    user = User.objects.filter(username=f"{city.slug}.bureau").first()
    bureau = actor_for(user, city) if user is not None else None
    if bureau is None or SpecialBudget.objects.exists():
        return  # the core demo has not created this city's bureau, or the budget is there already
    with clock.at(FUNDED_ON):
        services.budget_open(
            actor=bureau,
            local={"municipal": MUNICIPAL_ALLOTTED},
            opened_on=FUNDED_ON,
            name=f"{city.name_zh}市知识产权运营服务体系建设专项资金",
        )
        services.budget_receive(actor=bureau, kind="central_1", amount=TRANCHE_1, received_on=FUNDED_ON)
        services.budget_receive(
            actor=bureau, kind="municipal", amount=MUNICIPAL_RECEIVED, received_on=FUNDED_ON
        )
