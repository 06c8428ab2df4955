"""Demo data for every demo city.

- The special budget, with tranche 1 and the local matching money received, and two years of payments
  whose cluster-zone share sits just below its 40% floor and market-based share just above its own (with
  the pledge demo's reserve, 20,000,000 to 30,000,000, counted in: 35-38% and 42-45%).
- The fund register, after SPEC §7 ([002]): a 100,000,000 patent operations guide fund with three market
  sub-funds (two leverage fiscal money more than 5×, one falls short), the 200,000,000 policy IP
  operations fund (central + local + social) and a 500,000,000 market IP industry investment fund with
  exactly 5× leverage; commitments from every source, calls (one unpaid: the manager's waiting work),
  investments in demo enterprises that hold patents, a revaluation, income and a partial exit.

Seeded before `pledge_finance` (`demo_order`): the pledge demo opens the city's risk compensation
reserve, which is booked against this budget."""

from __future__ import annotations

import datetime
from decimal import Decimal

from funds import services
from funds.imports import demo as imports_demo
from funds.models import Commitment, Expenditure, Fund, SpecialBudget
from ipops import clock
from ipops.access import actor_for
from ipops.models import City, Organization, OrgKind, User

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
    if not Fund.objects.exists():
        _funds(city)
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


# --- the fund register -------------------------------------------------------------------------------

W = D("10000")  # 万元
#: (key, kind, name pattern, target size in 万元, vintage, term, guide fund's key or None,
#:  commitments [(investor pattern, source, 万元)], committed on)
FUNDS = [
    (
        "guide",
        "guide",
        "{zh}市专利运营引导基金",
        10000,
        2024,
        10,
        None,
        [
            ("国家知识产权局（中央财政专项资金）", "central", 2000),
            ("山东省财政厅", "provincial", 2000),
            ("{zh}市财政局", "municipal", 6000),
        ],
        datetime.date(2024, 3, 1),
    ),
    (
        "marine",
        "market",
        "{zh}海洋经济知识产权运营基金",
        20000,
        2024,
        7,
        "guide",
        [
            ("{zh}市专利运营引导基金", "municipal", 2000),
            ("{zh}市西海岸新区财政局", "district", 1000),
            ("{zh}海创资本管理有限公司", "social", 17000),
        ],
        datetime.date(2024, 6, 1),
    ),
    (
        "equipment",
        "market",
        "{zh}高端装备专利运营投资基金",
        15000,
        2024,
        7,
        "guide",
        [("{zh}市专利运营引导基金", "municipal", 2000), ("{zh}国信产业投资有限公司", "social", 13000)],
        datetime.date(2024, 9, 1),
    ),
    (
        "biomed",
        "market",
        "{zh}生物医药知识产权投资基金",
        10000,
        2025,
        7,
        "guide",
        [
            ("{zh}市专利运营引导基金", "municipal", 1500),
            ("{zh}市崂山区财政局", "district", 1000),
            ("{zh}康桥创业投资合伙企业（有限合伙）", "social", 7500),
        ],
        datetime.date(2025, 3, 1),
    ),
    (
        "policy",
        "policy",
        "{zh}市重点产业知识产权运营基金",
        20000,
        2024,
        8,
        None,
        [
            ("国家知识产权局（中央财政专项资金）", "central", 4000),
            ("山东省财政厅", "provincial", 2000),
            ("{zh}市财政局", "municipal", 4000),
            ("{zh}市金融控股集团有限公司", "social", 10000),
        ],
        datetime.date(2024, 4, 1),
    ),
    (
        "industry",
        "market",
        "{zh}市知识产权产业投资基金",
        50000,
        2025,
        8,
        None,
        [
            ("国家知识产权局（中央财政专项资金）", "central", 2000),
            ("山东省新旧动能转换引导基金", "provincial", 2000),
            ("{zh}市财政局", "municipal", 4000),
            ("{zh}市高新区财政局", "district", 2000),
            ("{zh}产业投资集团有限公司", "social", 25000),
            ("{zh}银行股份有限公司", "social", 15000),
        ],
        datetime.date(2025, 1, 15),
    ),
]
#: Each fund's first call: this share of every commitment, called a month after the commitment and paid
#: in two weeks later.
FIRST_CALL = D("0.4")
#: (fund key, investee: the demo organisation's key or a name off the platform, 万元, day, stake)
INVESTMENTS = [
    ("guide", "{zh}海洋经济知识产权运营基金", 800, datetime.date(2024, 8, 1), "0.1"),
    ("guide", "{zh}高端装备专利运营投资基金", 800, datetime.date(2024, 11, 1), "0.133333"),
    ("marine", "institute", 1500, datetime.date(2024, 12, 10), "0.08"),
    ("marine", "enterprise5", 1800, datetime.date(2025, 4, 20), "0.12"),
    ("equipment", "enterprise", 2500, datetime.date(2025, 2, 18), "0.15"),
    ("biomed", "enterprise4", 2000, datetime.date(2025, 8, 8), "0.1"),
    ("policy", "enterprise2", 3000, datetime.date(2024, 7, 15), "0.18"),
    ("policy", "enterprise3", 2000, datetime.date(2025, 1, 20), "0.05"),
    ("industry", "enterprise6", 6000, datetime.date(2025, 5, 12), "0.2"),
    ("industry", "enterprise4", 5000, datetime.date(2025, 6, 30), "0.15"),
    ("industry", "{zh}芯海微电子有限公司", 4000, datetime.date(2025, 9, 1), "0.1"),
]
DEMO_ORG_NAMES = {
    "enterprise": "{zh}海纳智能装备有限公司",
    "enterprise2": "{zh}蓝海新材料科技有限公司",
    "enterprise3": "{zh}瑞达轨道交通装备股份有限公司",
    "enterprise4": "{zh}康泽生物医药有限公司",
    "enterprise5": "{zh}智联家电科技有限公司",
    "enterprise6": "{zh}新动力电池技术有限公司",
    "institute": "{zh}海洋科学研究院",
}


def _funds(city: City) -> None:
    zh = city.name_zh
    user = User.objects.filter(username=f"{city.slug}.fund").first()
    manager = actor_for(user, city) if user is not None else None
    if manager is None or manager.organization is None:
        return  # the core demo has not created this city's fund manager
    funds: dict[str, Fund] = {}
    for key, kind, name, size, vintage, term, parent, commitments, committed_on in FUNDS:
        with clock.at(committed_on):
            fund = services.fund_register(
                actor=manager,
                kind=kind,
                name=name.format(zh=zh),
                target_size=D(size) * W,
                vintage_year=vintage,
                term_years=term,
                parent=funds[parent] if parent else None,
                status="investing",
            )
            funds[key] = fund
            for investor, source, amount in commitments:
                services.commitment_add(
                    actor=manager,
                    fund=fund,
                    investor=investor.format(zh=zh),
                    source=source,
                    amount=D(amount) * W,
                    committed_on=committed_on,
                )
        called_on = committed_on + datetime.timedelta(days=30)
        with clock.at(called_on + datetime.timedelta(days=14)):
            for commitment in Commitment.objects.filter(fund=fund):
                services.call_record(
                    actor=manager,
                    commitment=commitment,
                    amount=(commitment.amount * FIRST_CALL).quantize(D("0.01")),
                    called_on=called_on,
                    paid_on=called_on + datetime.timedelta(days=14),
                )
    for key, investee, amount, day, stake in INVESTMENTS:
        org = None
        if investee in DEMO_ORG_NAMES:
            org = Organization.objects.filter(name=DEMO_ORG_NAMES[investee].format(zh=zh)).first()
        with clock.at(day):
            services.investment_record(
                actor=manager,
                fund=funds[key],
                investee=org,
                investee_name=investee.format(zh=zh) if org is None else "",
                patents_in_force=0 if org is None else None,
                amount=D(amount) * W,
                invested_on=day,
                stake=stake,
                patents_acquired=3 if key == "policy" else 0,
            )
    _history(city, manager, funds)


def _history(city: City, manager, funds: dict[str, Fund]) -> None:
    """What happened since: a second call on the market fund (the social investors' part still unpaid),
    a revaluation, income from the policy fund and a partial exit from the market fund."""
    industry, policy = funds["industry"], funds["policy"]
    with clock.at(datetime.date(2026, 10, 20)):
        for commitment in Commitment.objects.filter(fund=industry):
            services.call_record(
                actor=manager,
                commitment=commitment,
                amount=(commitment.amount * D("0.2")).quantize(D("0.01")),
                called_on=datetime.date(2026, 10, 15),
                paid_on=None if commitment.source == "social" else datetime.date(2026, 10, 20),
            )
    battery = industry.investments.filter(investee__kind=OrgKind.ENTERPRISE).order_by("invested_on").first()
    with clock.at(datetime.date(2026, 6, 30)):
        if battery is not None:
            services.investment_revalue(
                actor=manager,
                investment=battery,
                fair_value=D(8400) * W,
                valued_on=datetime.date(2026, 6, 30),
            )
        services.distribution_record(
            actor=manager,
            fund=policy,
            kind="income",
            amount=D(600) * W,
            distributed_on=datetime.date(2026, 6, 30),
            note="2025年度投资收益分配",
        )
    held = policy.investments.order_by("invested_on").first()
    with clock.at(datetime.date(2026, 9, 28)):
        if held is not None:
            services.distribution_record(
                actor=manager,
                fund=policy,
                kind="partial_exit",
                investment=held,
                amount=D(1800) * W,
                remaining_value=D(2600) * W,
                distributed_on=datetime.date(2026, 9, 28),
                note="部分股权转让退出",
            )
