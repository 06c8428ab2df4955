"""The plan's indicators as data: Qingdao's implementation plan [002] and the national notice's
performance targets [004] (SPEC §8), loaded into a city's catalogue by the demo and by `seed_catalogue`
for a new city; the bureau edits them from there. Plus the demo's reported statistics."""

from __future__ import annotations

import datetime
import zlib
from decimal import Decimal

from ipops import clock
from ipops.models import User
from reporting.models import Indicator, Statistic, StatisticCode

S = StatisticCode

#: (code, name, unit, kind, target, source, metric or statistic, extra fields, plan reference)
PLAN: list[tuple] = [
    ("Q-INV-10K", "每万人有效发明专利拥有量", "per_10k", "stock_ratio", "35", "reported", S.INVENTION_PATENTS_VALID,
     {"denominator": S.POPULATION, "scale": 10000, "baseline_value": "27.2"}, "[002] 二(3)"),
    ("Q-PCT", "PCT国际申请量", "items", "annual_amount", "900", "reported", S.PCT_APPLICATIONS, {}, "[002] 二(3)"),
    ("Q-TECH-AMOUNT", "专利技术交易额", "yuan", "annual_amount", "1000000000", "computed", "deals_amount", {},
     "[002] 二(5)"),
    ("Q-TECH-GROWTH", "技术市场专利交易额年均增幅", "yuan", "annual_growth", "0.5", "computed", "deals_amount",
     {"baseline_value": "9000000"}, "[002] 二(5)"),
    ("Q-DEALS-GROWTH", "知识产权交易量年均增幅", "items", "annual_growth", "0.2", "computed", "deals_count",
     {"baseline_value": "8"}, "[002] 二(5)"),
    ("Q-PLEDGE-GROWTH", "知识产权质押融资金额年均增幅", "yuan", "annual_growth", "0.2", "computed", "pledge_amount",
     {"baseline_value": "20000000"}, "[002] 二(5)"),
    ("Q-FUNDS", "引导组建市场化专利运营投资基金", "items", "count_at_least", "3", "computed", "market_funds_guided",
     {}, "[002] 二(5)"),
    ("Q-PORTFOLIOS", "高价值专利组合", "items", "count_at_least", "20", "reported", S.HIGH_VALUE_PORTFOLIOS,
     {"baseline_value": "6"}, "[002] 二(3)"),
    ("Q-OPS-INST", "专业化综合性知识产权运营机构", "entities", "count_at_least", "5", "reported",
     S.OPERATIONS_INSTITUTIONS, {"baseline_value": "1"}, "[002] 二(4)"),
    ("Q-SERVICE-INST", "培育专业化知识产权服务机构", "entities", "count_at_least", "150", "reported",
     S.SERVICE_INSTITUTIONS, {"baseline_value": "60"}, "[002] 二(4)"),
    ("Q-CERTIFIED", "通过知识产权管理规范认证的企业", "entities", "cumulative", "150", "reported",
     S.CERTIFIED_ENTITIES, {}, "[002] 三(2)"),
    ("Q-ENF-GROWTH", "知识产权行政执法办案量年均增幅", "items", "annual_growth", "0.2", "reported",
     S.ENFORCEMENT_CASES, {}, "[002] 二(2)"),
    ("Q-CLOSING", "知识产权案件结案时间缩短", "days", "reduction", "0.2", "reported", S.CASE_CLOSING_DAYS,
     {"direction": "lower", "baseline_value": "45"}, "[002] 二(2)"),
    ("Q-SATISFACTION", "知识产权保护社会满意度", "points", "score", "80", "reported", S.SATISFACTION,
     {"baseline_value": "72"}, "[002] 二(2)"),
    ("Q-MGMT-TALENT", "企事业单位知识产权管理人才", "people", "people", "12000", "reported", S.MANAGEMENT_TALENT,
     {"baseline_value": "6000"}, "[002] 二(6)"),
    ("Q-SERVICE-TALENT", "知识产权专业服务人才", "people", "people", "3000", "reported", S.SERVICE_TALENT,
     {"baseline_value": "1500"}, "[002] 二(6)"),
    ("Q-TRAINED", "知识产权运营从业人员培训", "people", "people", "100", "reported", S.PRACTITIONERS_TRAINED, {},
     "[002] 三(8)"),
    ("N-DEALS-GROWTH", "知识产权转让、许可数量年均增长", "items", "annual_growth", "0.2", "computed", "deals_count",
     {"baseline_value": "8"}, "[004] 二"),
    ("N-PLEDGE-AMOUNT", "知识产权质押融资额年均增长", "yuan", "annual_growth", "0.3", "computed", "pledge_amount",
     {"baseline_value": "20000000"}, "[004] 二"),
    ("N-PLEDGE-COUNT", "知识产权质押融资项目数年均增长", "projects", "annual_growth", "0.3", "computed",
     "pledge_count", {"baseline_value": "6"}, "[004] 二"),
    ("N-SECURITISATION", "知识产权证券化产品发行", "items", "count_at_least", "1", "reported",
     S.SECURITISATION_PRODUCTS, {}, "[004] 二"),
    ("N-NAVIGATION", "产业类专利导航示范项目", "projects", "count_at_least", "5", "reported", S.NAVIGATION_PROJECTS,
     {}, "[004] 二"),
    ("N-CERTIFIED", "通过知识产权管理规范贯标认证的单位", "entities", "cumulative", "200", "reported",
     S.CERTIFIED_ENTITIES, {}, "[004] 二"),
    ("N-CENTRES", "产业知识产权运营中心", "items", "count_at_least", "3", "computed", "industry_centres", {},
     "[004] 二; [003]"),
]  # fmt: skip


def seed_catalogue(city) -> None:
    """Load the plan's indicators into the city's catalogue (idempotent: a code already there is kept
    as the bureau left it)."""
    for order, (code, name, unit, kind, target, source, ref, extra, plan_ref) in enumerate(PLAN, start=1):
        if Indicator.objects.filter(code=code).exists():
            continue
        fields = {
            "name": name,
            "unit": unit,
            "kind": kind,
            "target": Decimal(target),
            "source": source,
            "metric" if source == "computed" else "statistic": str(ref),
            "plan_reference": plan_ref,
            "order": order * 10,
            "baseline_year": city.plan_start_year - 1,
            **{
                k: (Decimal(str(v)) if k in ("baseline_value", "scale") else str(v)) for k, v in extra.items()
            },
        }
        Indicator.objects.create(city=city, code=code, **fields)


#: The demo city's reported figures in the year before its plan, and their change per year after it
#: (a level) or per year (a flow). Some grow too slowly on purpose: a scoreboard with nothing lagging
#: teaches nothing.
DEMO_STATISTICS: dict[str, tuple[str, str]] = {
    S.POPULATION: ("9300000", "1.01"),
    S.INVENTION_PATENTS_VALID: ("25300", "1.08"),
    S.PCT_APPLICATIONS: ("720", "1.07"),
    S.ENFORCEMENT_CASES: ("380", "1.21"),
    S.CASE_CLOSING_DAYS: ("45", "0.93"),
    S.SATISFACTION: ("72", "1.03"),
    S.MANAGEMENT_TALENT: ("6000", "1.24"),
    S.SERVICE_TALENT: ("1500", "1.30"),
    S.PRACTITIONERS_TRAINED: ("36", "1.0"),
    S.CERTIFIED_ENTITIES: ("45", "1.05"),
    S.HIGH_VALUE_PORTFOLIOS: ("6", "1.42"),
    S.OPERATIONS_INSTITUTIONS: ("1", "1.6"),
    S.SERVICE_INSTITUTIONS: ("60", "1.32"),
    S.SECURITISATION_PRODUCTS: ("0", "1.0"),
    S.NAVIGATION_PROJECTS: ("2", "1.0"),
}


def seed_statistics(city) -> None:
    """Three years of reported statistics: the year before the plan and each plan year up to last year as
    yearly figures, this year's flows month by month to last month and its levels as at last month."""
    from reporting.sources import FLOW_STATISTICS

    if Statistic.objects.exists():
        return
    staff = User.objects.filter(username=f"{city.slug}.bureau").first()
    if staff is None:
        return
    today = clock.today()
    first = city.plan_start_year - 1
    # Each demo city its own size (the same figures everywhere would make the comparison page dull).
    size = Decimal(80 + zlib.crc32(city.slug.encode()) % 41) / 100
    rows: list[tuple[str, int, int | None, Decimal]] = []
    for code, (base, change) in DEMO_STATISTICS.items():
        flow = code in FLOW_STATISTICS
        for year in range(first, today.year + 1):
            years = year - first
            value = Decimal(base) * Decimal(change) ** years
            if code not in (S.CASE_CLOSING_DAYS, S.SATISFACTION, S.SECURITISATION_PRODUCTS):
                value *= size
            if code == S.SECURITISATION_PRODUCTS and year == today.year - 1:
                value = Decimal(1)
            if year < today.year:
                rows.append((code, year, None, value))
                continue
            last_month = today.month - 1
            if not last_month:
                continue
            if flow:
                for month in range(1, last_month + 1):
                    rows.append((code, year, month, value / 12))
            else:
                rows.append((code, year, last_month, value))
    places = Decimal("0.01")
    whole = {S.POPULATION, S.INVENTION_PATENTS_VALID, S.MANAGEMENT_TALENT, S.SERVICE_TALENT, S.PCT_APPLICATIONS,
             S.ENFORCEMENT_CASES, S.PRACTITIONERS_TRAINED, S.CERTIFIED_ENTITIES, S.HIGH_VALUE_PORTFOLIOS,
             S.OPERATIONS_INSTITUTIONS, S.SERVICE_INSTITUTIONS, S.SECURITISATION_PRODUCTS, S.NAVIGATION_PROJECTS}  # fmt: skip
    entered = datetime.datetime.combine(today, datetime.time(9, 0), tzinfo=datetime.UTC)
    Statistic.objects.bulk_create(
        [
            Statistic(
                city=city,
                code=code,
                year=year,
                month=month,
                value=value.quantize(Decimal(1) if code in whole else places),
                note="演示数据",
                entered_by=staff,
                entered_at=entered,
            )
            for code, year, month, value in rows
        ]
    )
