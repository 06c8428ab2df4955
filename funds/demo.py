"""Demo data: every demo city's special budget, with tranche 1 and the local matching money received, and
two years of payments whose cluster-zone share sits just below its 40% floor and market-based share just
above its own (with the pledge demo's reserve, 20,000,000 to 30,000,000, counted in: 35-38% and 42-45%).

Seeded before `pledge_finance` (`demo_order`): the pledge demo opens the city's risk compensation
reserve, which is booked against this budget."""

from __future__ import annotations

import datetime
from decimal import Decimal

from funds import services
from funds.imports import demo as imports_demo
from funds.models import Expenditure, SpecialBudget
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
#: The two years of payments before the pledge demo's anchor day (2026-11-01), one set each month.
FIRST_MONTH, MONTHS = datetime.date(2024, 11, 15), 24
#: Each month's payments: (category, source, amount, in the cluster zone, market-based, what it paid for).
MONTHLY = [
    ("cluster_zone", "central_1", D("1200000"), True, False, "集聚区公共服务平台运营"),
    ("equity_investment", "central_1", D("700000"), True, True, "集聚区知识产权运营机构股权投资"),
    ("service_purchase", "central_1", D("1000000"), False, True, "专利导航与分析评议服务采购"),
    ("guide_fund", "central_1", D("550000"), False, True, "专利运营引导基金出资"),
    ("platform", "central_1", D("200000"), False, False, "知识产权运营平台建设"),
    ("subsidy_award", "municipal", D("450000"), False, False, "专利转化奖补"),
    ("training", "municipal", D("50000"), False, False, "知识产权运营人才培训"),
]
DEMO_REFERENCE = "funds.demo"


def seed(*, city: City) -> None:
    """Called inside the city's scope by `manage.py seed_demo`; adds nothing when run again."""
    _open(city)
    if not Expenditure.objects.filter(reference__startswith=DEMO_REFERENCE).exists():
        _payments(city)
    imports_demo.seed(city=city)


def _open(city: City) -> None:
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


def _payments(city: City) -> None:
    if not SpecialBudget.objects.exists():
        return
    for month in range(MONTHS):
        year, index = divmod(FIRST_MONTH.month - 1 + month, 12)
        day = FIRST_MONTH.replace(year=FIRST_MONTH.year + year, month=index + 1)
        with clock.at(day):
            for category, source, amount, cluster, market, note in MONTHLY:
                services.budget_spend(
                    actor=None,
                    city=city,
                    source_kind=source,
                    category=category,
                    amount=amount,
                    spent_on=day,
                    in_cluster_zone=cluster,
                    market_based=market,
                    reference=f"{DEMO_REFERENCE}:{day:%Y-%m}/{category}",
                    note=note,
                )
