"""Demo pledge loans for one city: a product, the risk reserve, and loans in every state over three years.

Built through the real services (so every figure obeys the rules), with the business clock set to the
day each event happened. Deterministic (a generator seeded from the city) and idempotent (the product's
name is the natural key: once its loans exist, nothing more is written). Amounts follow SPEC §5: loans of
1–8 million CNY, about 3.5 million on average; Qingdao's product splits risk 6:2:2 and its reserve holds
30,000,000 CNY. The live and repaid loans carry the fees their enterprises paid (premium 1–2% of the loan,
guarantee fee about 1%, appraisal 3,000–20,000 CNY, an intermediary's 0.3–0.6%).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password

from ipops import clock
from ipops.access import actor_for
from ipops.demo_data import INDUSTRY_CORPUS, city_serial, make_patent_number, make_title, make_uscc, rng_for
from ipops.models import City, IPAsset, Membership, Organization, OrgKind, User
from ipops.money import split_by_shares
from pledge_finance import rules, services
from pledge_finance.models import Loan, LoanFeeKind, LoanProduct, RiskReserve

D = Decimal
#: The demo's "today", as in ipops.demo: the same demo from run to run.
ANCHOR = datetime.date(2026, 11, 1)

PRODUCTS = {
    # slug: (name, insurer, guarantor, bank, reserve opening balance)
    "qingdao": ("专利权质押保险贷款（6:2:2）", D("0.6"), D("0.2"), D("0.2"), D("30000000")),
    "jinan": ("知识产权质押融资风险共担贷款", D("0.5"), D("0.3"), D("0.2"), D("20000000")),
    "zhengzhou": ("郑州市专利权质押贷款", D("0.5"), D("0.25"), D("0.25"), D("25000000")),
}

FIRST_LOAN_PRODUCT = "科技型中小企业首贷专利质押贷款"

#: The loans to seed, as (target state, how many). Every state of the lifecycle appears.
PLAN = [
    ("repaid", 7),
    ("disbursed", 7),
    ("overdue", 2),
    ("defaulted", 2),
    ("recovered", 1),
    ("approved", 1),
    ("valued", 2),
    ("submitted", 1),
    ("rejected", 1),
    ("withdrawn", 1),
    ("draft", 1),
]

SMES = [
    "精工传感",
    "海创生物",
    "云帆软件",
    "鼎新材料",
    "汇能电气",
    "蓝鲸海洋装备",
    "智造机器人",
    "华科检测",
    "青禾农业科技",
    "星链通信",
]
PURPOSES = ["研发投入与中试线建设", "采购生产设备", "补充流动资金", "新产品量产备料", "专利产业化项目建设"]


def _member(city: City, username: str, org: Organization, password_hash: str) -> User:
    user, _ = User.objects.get_or_create(
        username=username,
        defaults={"display_name": f"{city.name_zh}·{org.name[:12]}", "password": password_hash},
    )
    Membership.objects.get_or_create(user=user, city=city, defaults={"organization": org})
    return user


def _actor(city: City, username: str):
    return actor_for(User.objects.get(username=username), city)


def _smes(city: City, password_hash: str) -> list[str]:
    usernames = []
    for i, short in enumerate(SMES, start=1):
        name = f"{city.name_zh}{short}科技有限公司"
        org, _ = Organization.objects.get_or_create(
            uscc=make_uscc(city.slug, name),
            defaults=dict(city=city, name=name, kind=OrgKind.ENTERPRISE, is_tech_sme=True),
        )
        usernames.append(_member(city, f"{city.slug}.sme{i:02d}", org, password_hash).username)
    return usernames


def _fresh_assets(city: City, owner_id: int, rnd, serial_base: int, n: int) -> list[int]:
    """New in-force invention patents for one loan (each loan pledges its own)."""
    ids = []
    for j in range(n):
        industry = rnd.choice(sorted(INDUSTRY_CORPUS))
        title, abstract, ipc = make_title(rnd, industry)
        filing = ANCHOR - datetime.timedelta(days=rnd.randint(4 * 365, 9 * 365))
        number = make_patent_number(filing, "1", city_serial(city.slug, serial_base + j))
        asset, _ = IPAsset.objects.get_or_create(
            kind="invention",
            number=number,
            defaults=dict(
                city=city,
                owner_id=owner_id,
                title=title,
                abstract=abstract,
                ipc_codes=ipc,
                filing_date=filing,
                grant_date=filing + datetime.timedelta(days=rnd.randint(500, 900)),
                legal_status="in_force",
                industry=industry,
            ),
        )
        ids.append(asset.pk)
    return ids


def _product(city: City, orgs: dict) -> LoanProduct:
    name, insurer, guarantor, bank, reserve = PRODUCTS.get(city.slug, PRODUCTS["qingdao"])
    product = LoanProduct.objects.filter(name=name).first()
    bureau = _actor(city, f"{city.slug}.bureau")
    if product is None:
        product = services.product_create(
            actor=bureau,
            name=name,
            insurer_share=insurer,
            guarantor_share=guarantor,
            bank_share=bank,
            loan_to_value=D("0.5"),
            allowed_terms=[6, 12, 24, 36],
            repayment_method=rules.EQUAL_INSTALMENTS,
            min_rate=D("0.0300"),
            max_rate=D("0.0650"),
            min_amount=D("500000"),
            max_amount=D("10000000"),
            description="荐评担险贷：推荐、评估、担保、保险、贷款。企业以有效专利权质押，保险、担保、银行按比例分担风险，"
            "市风险补偿准备金按损失的 30% 补偿合作机构。",
            institutions={
                "bank": [orgs["bank"].pk, orgs["bank2"].pk],
                "insurer": [orgs["insurer"].pk],
                "guarantor": [orgs["guarantor"].pk],
                "appraiser": [orgs["appraiser"].pk],
            },
        )
    # A second, smaller product for first loans (首贷): bank-led, shorter terms, bullet repayment.
    if not LoanProduct.objects.filter(name=FIRST_LOAN_PRODUCT).exists():
        services.product_create(
            actor=bureau,
            name=FIRST_LOAN_PRODUCT,
            insurer_share=D("0.5"),
            guarantor_share=D("0.2"),
            bank_share=D("0.3"),
            loan_to_value=D("0.4"),
            allowed_terms=[6, 12],
            repayment_method=rules.BULLET,
            min_rate=D("0.0350"),
            max_rate=D("0.0550"),
            min_amount=D("200000"),
            max_amount=D("3000000"),
            description="面向首次申请知识产权质押融资的科技型中小企业：按月付息、到期还本。",
            institutions={
                "bank": [orgs["bank2"].pk],
                "insurer": [orgs["insurer"].pk],
                "guarantor": [orgs["guarantor"].pk],
                "appraiser": [orgs["appraiser"].pk],
            },
        )
    if not RiskReserve.objects.exists():
        services.reserve_open(
            actor=bureau,
            opening_balance=reserve,
            payout_share=D("0.3"),
            opened_on=datetime.date(ANCHOR.year - 3, 1, 1),
            name=f"{city.name_zh}市知识产权质押融资风险补偿准备金",
        )
    return product


def _record_fees(
    city: City, loan: Loan, bank, orgs: dict, *, valued: datetime.date, disbursed: datetime.date
) -> None:
    """The fees the enterprise paid around the loan (the four subsidies' records), as its bank records them
    on disbursement: the appraisal fee on the report's day, premium and guarantee fee before the money is
    paid out, an intermediary's fee (when one arranged the loan) on the day. A generator of its own, so the
    loans themselves stay what they were."""
    rnd = rng_for("pledge_finance.fees", city.slug, loan.pk)
    cent = D("0.01")
    fees = [
        (
            LoanFeeKind.APPRAISAL_FEE,
            D(rnd.randrange(3, 21) * 1000),
            orgs["appraiser"].name,
            valued,
        ),
        (
            LoanFeeKind.INSURANCE_PREMIUM,
            (loan.amount * D(rnd.choice(["0.01", "0.012", "0.015", "0.018", "0.02"]))).quantize(cent),
            orgs["insurer"].name,
            disbursed - datetime.timedelta(days=2),
        ),
        (
            LoanFeeKind.GUARANTEE_FEE,
            (loan.amount * D(rnd.choice(["0.008", "0.01", "0.012"]))).quantize(cent),
            orgs["guarantor"].name,
            disbursed - datetime.timedelta(days=2),
        ),
    ]
    if rnd.random() < 0.7:
        fees.append(
            (
                LoanFeeKind.INTERMEDIARY_FEE,
                (loan.amount * D(rnd.choice(["0.003", "0.005", "0.006"]))).quantize(cent),
                f"{city.name_zh}汇智知识产权运营服务有限公司",
                disbursed,
            )
        )
    with clock.at(disbursed):
        for kind, amount, payee, paid_on in fees:
            services.loan_fee_record(
                actor=bank,
                loan=loan,
                kind=kind,
                amount=amount,
                payee=payee,
                paid_on=paid_on,
                # A 20-digit e-invoice number (全电发票号码): the year, then the issuer's serial.
                invoice_ref=f"{paid_on:%y}{rnd.randrange(10**17, 10**18)}",
            )


def _pay_due(loan: Loan, bank, until: datetime.date, *, skip_from: int | None = None) -> None:
    """The enterprise pays each instalment on its due date, up to `until` (or until instalment `skip_from`)."""
    for inst in list(loan.instalments.order_by("number")):
        if inst.due_date > until or (skip_from is not None and inst.number >= skip_from):
            break
        with clock.at(inst.due_date):
            services.loan_record_repayment(
                actor=bank,
                loan=loan,
                amount=inst.open_amount,
                paid_on=inst.due_date,
                reference=f"HK{inst.due_date:%Y%m%d}{loan.pk:05d}",
            )


def _one_loan(
    city: City,
    product: LoanProduct,
    *,
    state: str,
    index: int,
    rnd,
    enterprise: str,
    bank_user: str,
    orgs: dict,
) -> None:
    applicant = _actor(city, enterprise)
    bank = _actor(city, bank_user)
    amount = D(rnd.randrange(100, 800) * 10000)
    term = 12 if state != "repaid" or rnd.random() < 0.7 else 6
    if state == "repaid":
        disburse = ANCHOR - datetime.timedelta(days=rnd.randint(400, 3 * 365 - 60))
    elif state in ("disbursed", "overdue"):
        disburse = ANCHOR - datetime.timedelta(days=rnd.randint(40, 330))
    elif state in ("defaulted", "recovered"):
        disburse = ANCHOR - datetime.timedelta(days=rnd.randint(560, 900))
    elif state in ("rejected", "withdrawn"):
        disburse = ANCHOR - datetime.timedelta(days=rnd.randint(60, 3 * 365 - 60))
    else:  # still in the pipeline: applied within the last two months
        disburse = ANCHOR + datetime.timedelta(days=rnd.randint(10, 30))
    applied = disburse - datetime.timedelta(days=rnd.randint(35, 50))
    asset_ids = _fresh_assets(city, applicant.organization_id, rnd, 3_000_000 + index * 10, rnd.randint(1, 3))
    with clock.at(applied):
        loan = services.loan_create(
            actor=applicant,
            product=product,
            bank_id=bank.organization_id,
            insurer_id=orgs["insurer"].pk,
            guarantor_id=orgs["guarantor"].pk,
            asset_ids=asset_ids,
            amount=amount,
            term_months=term,
            purpose=rnd.choice(PURPOSES),
        )
        if state == "draft":
            return
        services.loan_submit(actor=applicant, loan=loan)
    if state == "submitted":
        return
    if state == "withdrawn":
        with clock.at(applied + datetime.timedelta(days=6)):
            services.loan_withdraw(actor=applicant, loan=loan, reason="企业经营计划调整，暂缓融资")
        return
    value = (amount / product.loan_to_value * D(rnd.choice(["1.1", "1.25", "1.4", "1.6"]))).quantize(D("1"))
    with clock.at(applied + datetime.timedelta(days=8)):
        services.loan_record_valuation(
            actor=_actor(city, f"{city.slug}.appraiser"),
            loan=loan,
            # A report values each patent; the first of a package is its core patent and is worth most.
            asset_values=split_by_shares(
                value, {a: D(len(asset_ids) + 1 - n) for n, a in enumerate(asset_ids)}
            ),
            report_ref=f"中评报字[{applied.year}]第{index + 101:04d}号",
        )
    if state == "valued":
        return
    deciders = [bank, _actor(city, f"{city.slug}.insurer"), _actor(city, f"{city.slug}.guarantor")]
    rnd.shuffle(deciders)
    with clock.at(applied + datetime.timedelta(days=15)):
        for n, actor in enumerate(deciders):
            if state == "rejected" and n == 1:
                services.loan_decide(
                    actor=actor,
                    loan=loan,
                    decision="reject",
                    comment="企业资产负债率偏高，专利与主营业务关联度不足，不予通过",
                )
                return
            services.loan_decide(
                actor=actor, loan=loan, decision="approve", comment="材料齐全，风险可控，同意"
            )
    if state == "approved":
        return
    rate = D(rnd.choice(["0.0385", "0.0435", "0.0475", "0.0520"]))
    with clock.at(disburse):
        services.loan_disburse(
            actor=bank,
            loan=loan,
            contract_number=f"质贷字{disburse.year}第{index + 1:04d}号",
            contract_signed_on=disburse - datetime.timedelta(days=5),
            pledge_registration_number=f"Y{disburse.year}{city.pk:02d}{loan.pk:08d}",
            pledge_registered_on=disburse - datetime.timedelta(days=2),
            disbursed_on=disburse,
            annual_rate=rate,
        )
    if state in ("repaid", "disbursed", "overdue"):
        _record_fees(city, loan, bank, orgs, valued=applied + datetime.timedelta(days=8), disbursed=disburse)
    if state in ("repaid", "disbursed"):
        _pay_due(loan, bank, ANCHOR)
        return
    if state == "overdue":
        last_due = max(i.due_date for i in loan.instalments.all() if i.due_date <= ANCHOR)
        missed = loan.instalments.get(due_date=last_due).number
        _pay_due(loan, bank, ANCHOR, skip_from=missed)
        return
    paid = rnd.randint(2, 5)
    _pay_due(loan, bank, ANCHOR, skip_from=paid + 1)
    first_missed = loan.instalments.get(number=paid + 1).due_date
    default_on = first_missed + datetime.timedelta(days=95)
    services.instalments_mark_overdue(city_id=city.pk, today=default_on)
    with clock.at(default_on):
        services.loan_declare_default(
            actor=bank, loan=loan, default_on=default_on, reason="连续逾期超过 90 天，企业经营停滞，宣布违约"
        )
    if state == "recovered":
        loss = Loan.objects.get(pk=loan.pk).loss_total
        assert loss is not None  # defaulted
        received = default_on + datetime.timedelta(days=rnd.randint(150, 240))
        with clock.at(received):
            services.loan_record_recovery(
                actor=bank,
                loan=loan,
                amount=(loss * D("0.35")).quantize(D("0.01")),
                received_on=received,
                source="质押专利在交易平台处置转让所得",
                release_pledge=True,
            )


def seed(*, city: City) -> None:
    """Called inside the city's scope by `manage.py seed_demo`."""
    orgs = {
        "bank": Organization.objects.filter(kind=OrgKind.BANK).order_by("pk").first(),
        "bank2": Organization.objects.filter(kind=OrgKind.BANK).order_by("pk")[1:2].first(),
        "insurer": Organization.objects.filter(kind=OrgKind.INSURER).order_by("pk").first(),
        "guarantor": Organization.objects.filter(kind=OrgKind.GUARANTOR).order_by("pk").first(),
        "appraiser": Organization.objects.filter(kind=OrgKind.SERVICE, name__contains="评估").first(),
    }
    if not all(orgs.values()):
        return  # the core demo has not created this city's institutions
    found = {name: org for name, org in orgs.items() if org is not None}
    password_hash = make_password(settings.DEMO_PASSWORD)
    _member(city, f"{city.slug}.bank2", found["bank2"], password_hash)
    _member(city, f"{city.slug}.appraiser", found["appraiser"], password_hash)
    product = _product(city, found)
    if Loan.objects.filter(product=product).exists():
        return
    smes = _smes(city, password_hash)
    rnd = rng_for("pledge_finance", city.slug)
    # The demo logins see their own loans: enterprise a live, a repaid and a draft one;
    # enterprise2 one waiting for decisions and one defaulted.
    special = {
        ("disbursed", 0): "enterprise",
        ("repaid", 0): "enterprise",
        ("draft", 0): "enterprise",
        ("valued", 0): "enterprise2",
        ("defaulted", 0): "enterprise2",
    }
    index = 0
    for state, count in PLAN:
        for k in range(count):
            who = special.get((state, k))
            enterprise = f"{city.slug}.{who}" if who else smes[index % len(smes)]
            bank_user = (
                f"{city.slug}.bank2" if rnd.random() < 0.3 and state != "valued" else f"{city.slug}.bank"
            )
            _one_loan(
                city,
                product,
                state=state,
                index=index,
                rnd=rnd,
                enterprise=enterprise,
                bank_user=bank_user,
                orgs=found,
            )
            index += 1
    services.instalments_mark_overdue(city_id=city.pk, today=ANCHOR)
