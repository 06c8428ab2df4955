"""Demo data: Qingdao's policy catalogue from SPEC §6 ([002]) for every demo city — as data, through the
catalogue service, never as code — and claims in every state across three years, automatic claims
waiting to be confirmed, and one objection."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from pypdf import PdfWriter

from ipops import clock
from ipops.access import actor_for
from ipops.models import City, User
from subsidies import rules, services
from subsidies.models import Claim, Policy
from subsidies.services.evidence import evidence_add

D = Decimal
OPENS = datetime.date(2024, 1, 1)
ENTERPRISE, UNIVERSITY, INSTITUTE, SERVICE = "enterprise", "university", "institute", "service"


def _p(code, name, kinds, rule_kind, params, frequency, **extra) -> dict:
    return dict(
        code=code,
        name=name,
        claimant_kinds=kinds,
        rule_kind=rule_kind,
        params=params,
        frequency=frequency,
        opens_on=OPENS,
        **extra,
    )


#: Qingdao's catalogue ([002], SPEC §6). Amounts in 元; budgets and quotas are the demo's own.
CATALOGUE = [
    _p(
        "QD-GB-E",
        "企业知识产权贯标（GB/T 29490）认证奖励",
        [ENTERPRISE],
        "fixed",
        {"amount": "100000"},
        "one_time",
        evidence=["贯标认证证书"],
        annual_budget=D("5000000"),
    ),
    _p(
        "QD-GB-U",
        "高校院所知识产权贯标认证奖励",
        [UNIVERSITY, INSTITUTE],
        "fixed",
        {"amount": "200000"},
        "one_time",
        evidence=["贯标认证证书"],
        annual_budget=D("2000000"),
    ),
    _p(
        "QD-ADV",
        "知识产权优势、示范企业奖励",
        [ENTERPRISE],
        "tiered",
        {
            "tiers": {
                "provincial_advantage": "50000",
                "provincial_demonstration": "100000",
                "national_advantage": "100000",
                "national_demonstration": "200000",
            }
        },
        "per_case",
        family="advantage_enterprise",
        evidence=["认定文件"],
        annual_budget=D("3000000"),
    ),
    _p(
        "QD-NAV",
        "企业运营类专利导航项目资助",
        [ENTERPRISE],
        "per_item",
        {"amount": "150000"},
        "per_case",
        evidence=["项目合同", "导航报告", "验收意见"],
        annual_budget=D("3000000"),
    ),
    _p(
        "QD-POOL",
        "关键核心技术专利组合（专利池）奖励",
        [ENTERPRISE],
        "per_item",
        {"amount": "500000", "min_inventions": 50, "min_pct": 10},
        "annual",
        basis="patent_pool",
        mode="automatic",
        annual_quota=10,
        annual_budget=D("5000000"),
    ),
    _p(
        "QD-CENTRE",
        "高校知识产权运营中心奖励",
        [UNIVERSITY, INSTITUTE],
        "percent",
        {"rate": "0.05"},
        "annual",
        basis="centre_deals",
        mode="automatic",
        claim_cap=D("500000"),
        annual_budget=D("2000000"),
    ),
    _p(
        "QD-HVP",
        "高价值发明专利本地转化奖励",
        [UNIVERSITY, INSTITUTE],
        "per_item",
        {"amount": "100000"},
        "annual",
        annual_quota=30,
        evidence=["转化合同", "收益分配证明（≥50%归属运营中心）"],
        annual_budget=D("3000000"),
    ),
    _p(
        "QD-RIGHTS",
        "知识产权维权援助服务奖励",
        [SERVICE],
        "fixed",
        {"amount": "50000"},
        "annual",
        evidence=["年度维权服务报告"],
        annual_budget=D("500000"),
    ),
    _p(
        "QD-SVC",
        "知识产权服务机构等级奖励（运营、分析评议、品牌）",
        [SERVICE],
        "tiered",
        {
            "tiers": {
                "provincial_pilot": "50000",
                "provincial_demonstration": "100000",
                "national_pilot": "100000",
                "national_demonstration": "200000",
            }
        },
        "per_case",
        family="service_grade",
        evidence=["认定文件"],
        annual_budget=D("1000000"),
    ),
    _p(
        "QD-HOST",
        "中小微企业知识产权托管服务奖励（年托管≥100家）",
        [SERVICE],
        "fixed",
        {"amount": "100000"},
        "annual",
        evidence=["托管服务协议清单"],
        annual_budget=D("1000000"),
    ),
    _p(
        "QD-REV",
        "年营业收入超1000万元运营机构奖励",
        [SERVICE],
        "fixed",
        {"amount": "500000"},
        "one_time",
        evidence=["年度审计报告"],
        annual_budget=D("1500000"),
    ),
    _p(
        "QD-INT",
        "专利权质押贷款贴息",
        [ENTERPRISE],
        "percent",
        {"rate": "0.5"},
        "per_case",
        basis="loan_interest",
        mode="automatic",
        tech_sme_only=True,
        year_cap=D("200000"),
        annual_budget=D("6000000"),
    ),
    _p(
        "QD-PREM",
        "专利权质押贷款保险费补贴",
        [ENTERPRISE],
        "percent",
        {"rate": "0.5"},
        "per_case",
        basis="loan_premium",
        mode="automatic",
        tech_sme_only=True,
        year_cap=D("100000"),
        annual_budget=D("2000000"),
    ),
    _p(
        "QD-GUAR",
        "专利权质押贷款担保费补贴",
        [ENTERPRISE],
        "percent",
        {"rate": "0.5"},
        "per_case",
        basis="loan_guarantee_fee",
        mode="automatic",
        tech_sme_only=True,
        year_cap=D("100000"),
        annual_budget=D("2000000"),
    ),
    _p(
        "QD-APPR",
        "专利权质押贷款评估费补贴",
        [ENTERPRISE],
        "percent",
        {"rate": "0.5"},
        "per_case",
        basis="loan_appraisal_fee",
        mode="automatic",
        tech_sme_only=True,
        year_cap=D("100000"),
        annual_budget=D("1000000"),
    ),
    _p(
        "QD-AGENT",
        "专利权质押贷款中介服务费补贴",
        [ENTERPRISE],
        "percent",
        {"rate": "0.5"},
        "per_case",
        basis="loan_intermediary_fee",
        mode="automatic",
        tech_sme_only=True,
        year_cap=D("100000"),
        annual_budget=D("1000000"),
    ),
]


def seed(*, city: City) -> None:
    """Called inside the city's scope by `manage.py seed_demo`; adds nothing when run again."""
    user = User.objects.filter(username=f"{city.slug}.bureau").first()
    bureau = actor_for(user, city) if user is not None else None
    if bureau is None:
        return
    if not Policy.objects.exists():
        with clock.at(OPENS):
            for spec in CATALOGUE:
                services.policy_save(actor=bureau, data=spec)
    seed_claims(city, bureau)


# --- claims ------------------------------------------------------------------------------------------

#: (claimant user suffix, policy code, declared inputs, the day it was submitted, what became of it,
#:  the day of that). Outcomes: draft, submitted, returned, notice (approved, still in notice), held (an
#: objection), payable (notice passed), paid, rejected, withdrawn.
CLAIMS: list[tuple[str, str, dict[str, object], datetime.date, str, datetime.date]] = [
    ("enterprise", "QD-GB-E", {}, datetime.date(2024, 4, 10), "paid", datetime.date(2024, 5, 20)),
    (
        "enterprise",
        "QD-ADV",
        {"level": "provincial_advantage"},
        datetime.date(2024, 6, 3),
        "paid",
        datetime.date(2024, 7, 15),
    ),
    (
        "service",
        "QD-SVC",
        {"level": "provincial_pilot"},
        datetime.date(2024, 8, 12),
        "paid",
        datetime.date(2024, 9, 2),
    ),
    ("university", "QD-GB-U", {}, datetime.date(2025, 3, 18), "paid", datetime.date(2025, 4, 21)),
    (
        "enterprise",
        "QD-ADV",
        {"level": "national_demonstration"},
        datetime.date(2025, 5, 6),
        "paid",
        datetime.date(2025, 6, 9),
    ),
    ("service", "QD-RIGHTS", {}, datetime.date(2025, 11, 3), "dismissed", datetime.date(2025, 11, 24)),
    ("service", "QD-RIGHTS", {}, datetime.date(2026, 10, 19), "notice", datetime.date(2026, 10, 28)),
    (
        "enterprise2",
        "QD-NAV",
        {"case": "新能源材料产业专利导航", "items": 1},
        datetime.date(2025, 7, 7),
        "rejected",
        datetime.date(2025, 7, 28),
    ),
    ("service", "QD-HOST", {}, datetime.date(2026, 3, 2), "payable", datetime.date(2026, 3, 23)),
    ("enterprise2", "QD-GB-E", {}, datetime.date(2026, 10, 12), "notice", datetime.date(2026, 10, 27)),
    (
        "university",
        "QD-HVP",
        {"items": 2, "case": "海洋防腐涂层专利本地转化"},
        datetime.date(2026, 9, 14),
        "held",
        datetime.date(2026, 10, 26),
    ),
    (
        "enterprise",
        "QD-NAV",
        {"case": "智能装备产业专利导航", "items": 1},
        datetime.date(2026, 10, 20),
        "submitted",
        datetime.date(2026, 10, 20),
    ),
    ("service", "QD-REV", {}, datetime.date(2026, 10, 9), "returned", datetime.date(2026, 10, 16)),
    (
        "enterprise2",
        "QD-ADV",
        {"level": "provincial_advantage"},
        datetime.date(2026, 10, 29),
        "draft",
        datetime.date(2026, 10, 29),
    ),
    (
        "enterprise2",
        "QD-NAV",
        {"case": "动力电池回收专利导航", "items": 1},
        datetime.date(2026, 6, 1),
        "withdrawn",
        datetime.date(2026, 6, 5),
    ),
]
#: Each account is the demo organisation's (fictitious) settlement account.
BANK = ("{zh}银行股份有限公司高新区支行", "62220{n:011d}")
#: The day the demo's automatic task last ran (the other demos' anchor day).
AUTOMATIC_RUN_ON = datetime.date(2026, 11, 1)


def _scan(label: str) -> io.BytesIO:
    """A one-page PDF standing in for the scanned document (its title names what it is)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": label})
    out = io.BytesIO()
    writer.write(out)
    out.seek(0)
    out.name = f"{label}.pdf"
    return out


def _recent() -> datetime.date | None:
    """The day the demo is seeded, if a notice starting then can be counted (else the fixed days stand)."""
    today = clock.today()
    try:
        rules.add_working_days(today, 10)
    except rules.CalendarNotCovered:
        return None
    return today


def seed_claims(city: City, bureau) -> None:
    if Claim.objects.exists():
        return
    recent = _recent()
    for n, (suffix, code, inputs, submitted, outcome, decided) in enumerate(CLAIMS, start=1):
        if outcome in ("notice", "held") and recent is not None:
            submitted, decided = recent - datetime.timedelta(days=10 + n), recent - datetime.timedelta(days=1)
        user = User.objects.filter(username=f"{city.slug}.{suffix}").first()
        claimant = actor_for(user, city) if user is not None else None
        policy = Policy.objects.filter(code=code).first()
        if claimant is None or policy is None:
            continue
        with clock.at(submitted):
            claim = services.claim_start(actor=claimant, policy=policy, inputs=inputs)
            for label in policy.evidence:
                evidence_add(actor=claimant, claim=claim, label=label, upload=_scan(label))
            if outcome == "draft":
                continue
            bank, account = (
                BANK[0].format(zh=city.name_zh),
                BANK[1].format(n=(claimant.organization_id or 0) * 1000 + n),
            )
            services.claim_submit(actor=claimant, claim=claim, bank_name=bank, bank_account=account)
        with clock.at(decided):
            if outcome == "withdrawn":
                services.claim_withdraw(actor=claimant, claim=claim)
            elif outcome == "returned":
                services.claim_return(
                    actor=bureau, claim=claim, reason="请补充年度审计报告全文及营业收入明细"
                )
            elif outcome == "rejected":
                services.claim_reject(actor=bureau, claim=claim, reason="项目验收意见未通过，不符合资助条件")
            elif outcome in ("notice", "held", "payable", "paid", "dismissed"):
                approved = services.claim_approve(actor=bureau, claim=claim)
                if outcome == "held":
                    services.objection_lodge(
                        city=city,
                        claim=approved,
                        lodged_by="张先生",
                        contact="0532-88880000",
                        reason="该专利的转化收益未按规定比例分配至运营中心，请核实。",
                    )
                if outcome == "dismissed":
                    objection = services.objection_lodge(
                        city=city,
                        claim=approved,
                        lodged_by="李女士",
                        contact="lina@example.com",
                        reason="该机构年度维权服务案件数量存疑。",
                    )
                    services.objection_resolve(
                        actor=bureau,
                        objection=objection,
                        upheld=False,
                        resolution="经核查服务台账，案件数量属实，异议不成立。",
                    )
                assert approved.notice_ends_on is not None
                if outcome in ("payable", "paid", "dismissed"):
                    services.notices_advance(
                        city=city, today=approved.notice_ends_on + datetime.timedelta(days=1)
                    )
        if outcome in ("paid", "dismissed"):
            claim.refresh_from_db()
            assert claim.notice_ends_on is not None
            pay_day = claim.notice_ends_on + datetime.timedelta(days=7)
            with clock.at(pay_day):
                services.batch_pay(actor=bureau, claims=[claim.pk], paid_on=pay_day)
    with clock.at(AUTOMATIC_RUN_ON):
        services.automatic_run(city=city, actor=bureau)
