"""Demo data for the core: cities, organisations for every role, users, a registry of assets.

Idempotent and deterministic: natural keys (city slug, USCC, username, patent number)
and a random generator seeded from them. Other apps add theirs in `<app>/demo.py`.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from ipops.demo_data import (
    INDUSTRY_CORPUS,
    city_serial,
    make_patent_number,
    make_title,
    make_uscc,
    patent_numbers_taken,
    rng_for,
)
from ipops.models import City, CityGrant, IPAsset, Membership, Organization, OrgKind, User
from ipops.tenancy import city_scope

CITIES = [
    # slug, zh, en, province zh, province en, plan start year
    ("qingdao", "青岛", "Qingdao", "山东省", "Shandong", 2024),
    ("jinan", "济南", "Jinan", "山东省", "Shandong", 2025),
    ("zhengzhou", "郑州", "Zhengzhou", "河南省", "Henan", 2024),
]

#: (username suffix, organisation key, is_admin). One user per role, `<city>.<suffix>`.
DEMO_USERS = [
    ("enterprise", "enterprise", True),
    ("enterprise2", "enterprise2", True),
    ("university", "university", False),
    ("service", "service", False),
    ("bank", "bank", False),
    ("insurer", "insurer", False),
    ("guarantor", "guarantor", False),
    ("fund", "fund_manager", False),
    ("bureau", "bureau", False),
    ("bureau-admin", "bureau", True),
    ("official", "government", False),
]


def _orgs(city_zh: str) -> dict[str, tuple[str, str, bool]]:
    """key → (name, kind, tech SME)."""
    return {
        "enterprise": (f"{city_zh}海纳智能装备有限公司", OrgKind.ENTERPRISE, True),
        "enterprise2": (f"{city_zh}蓝海新材料科技有限公司", OrgKind.ENTERPRISE, True),
        "enterprise3": (f"{city_zh}瑞达轨道交通装备股份有限公司", OrgKind.ENTERPRISE, False),
        "enterprise4": (f"{city_zh}康泽生物医药有限公司", OrgKind.ENTERPRISE, True),
        "enterprise5": (f"{city_zh}智联家电科技有限公司", OrgKind.ENTERPRISE, False),
        "enterprise6": (f"{city_zh}新动力电池技术有限公司", OrgKind.ENTERPRISE, True),
        "university": (f"{city_zh}理工大学", OrgKind.UNIVERSITY, False),
        "institute": (f"{city_zh}海洋科学研究院", OrgKind.INSTITUTE, False),
        "service": (f"{city_zh}知衡知识产权代理有限公司", OrgKind.SERVICE, False),
        "appraiser": (f"{city_zh}中评资产评估有限公司", OrgKind.SERVICE, False),
        "bank": (f"{city_zh}银行科技支行", OrgKind.BANK, False),
        "bank2": (f"中国建设银行{city_zh}分行", OrgKind.BANK, False),
        "insurer": (f"人保财险{city_zh}分公司", OrgKind.INSURER, False),
        "guarantor": (f"{city_zh}市融资担保有限公司", OrgKind.GUARANTOR, False),
        "fund_manager": (f"{city_zh}知识产权运营基金管理有限公司", OrgKind.FUND_MANAGER, False),
        "bureau": (f"{city_zh}市市场监督管理局（知识产权局）", OrgKind.BUREAU, False),
        "government": (f"{city_zh}市人民政府", OrgKind.GOVERNMENT, False),
    }


_HOLDER_KEYS = [
    "enterprise",
    "enterprise2",
    "enterprise3",
    "enterprise4",
    "enterprise5",
    "enterprise6",
    "university",
    "institute",
    "service",
]
_INDUSTRY_OF = {
    "enterprise": "smart_appliances",
    "enterprise2": "new_materials",
    "enterprise3": "rail_transit",
    "enterprise4": "biomedicine",
    "enterprise5": "ai",
    "enterprise6": "nev",
    "university": "marine",
    "institute": "marine",
    "service": "chemicals_rubber",
}


def _user(username: str, display: str, password_hash: str) -> User:
    user, _ = User.objects.get_or_create(
        username=username, defaults={"display_name": display, "password": password_hash}
    )
    return user


@transaction.atomic
def seed_city(spec, password_hash: str, *, assets_per_city: int = 40) -> City:
    slug, zh, en, prov_zh, prov_en, start = spec
    city, _ = City.objects.update_or_create(
        slug=slug,
        defaults=dict(
            name_zh=zh, name_en=en, province_zh=prov_zh, province_en=prov_en, plan_start_year=start
        ),
    )
    with city_scope(city):
        orgs: dict[str, Organization] = {}
        for key, (name, kind, sme) in _orgs(zh).items():
            uscc = make_uscc(slug, name, "12" if kind in (OrgKind.BUREAU, OrgKind.GOVERNMENT) else "91")
            orgs[key], _ = Organization.objects.get_or_create(
                uscc=uscc, defaults=dict(city=city, name=name, kind=kind, is_tech_sme=sme)
            )
        for suffix, org_key, is_admin in DEMO_USERS:
            user = _user(f"{slug}.{suffix}", f"{zh}·{orgs[org_key].name[:12]}", password_hash)
            Membership.objects.get_or_create(
                user=user, city=city, defaults=dict(organization=orgs[org_key], is_admin=is_admin)
            )
        _seed_assets(city, orgs, assets_per_city)
    return city


def _seed_assets(city: City, orgs: dict[str, Organization], n: int) -> None:
    rnd = rng_for("assets", city.slug)
    existing = patent_numbers_taken()
    today = datetime.date(2026, 11, 1)  # a fixed "today" keeps the demo identical from run to run
    kinds = ["invention"] * 6 + ["utility_model"] * 3 + ["design"]
    type_digit = {"invention": "1", "utility_model": "2", "design": "3"}
    new = []
    for i in range(n):
        owner_key = _HOLDER_KEYS[i % len(_HOLDER_KEYS)]
        industry = _INDUSTRY_OF[owner_key] if rnd.random() < 0.8 else rnd.choice(list(INDUSTRY_CORPUS))
        kind = kinds[rnd.randrange(len(kinds))]
        filing = today - datetime.timedelta(days=rnd.randint(200, 365 * 12))
        number = make_patent_number(
            filing, type_digit[kind], city_serial(city.slug, 600_000 + rnd.randrange(399_999))
        )
        title, abstract, ipc = make_title(rnd, industry)
        granted = rnd.random() < 0.85
        status = "in_force" if granted else "pending"
        if granted and rnd.random() < 0.06:
            status = "lapsed"
        grant = filing + datetime.timedelta(days=rnd.randint(180, 900)) if granted else None
        is_pct = kind == "invention" and rnd.random() < 0.2
        # Every draw above happens whether or not the asset exists, so a re-run replays the same sequence.
        if number in existing:
            continue
        existing.add(number)
        if grant and grant > today:
            grant, status = None, "pending"
        new.append(
            IPAsset(
                city=city,
                owner=orgs[owner_key],
                kind=kind,
                number=number,
                title=title,
                abstract=abstract,
                ipc_codes=ipc,
                filing_date=filing,
                grant_date=grant,
                legal_status=status,
                is_pct=is_pct,
                industry=industry,
            )
        )
    IPAsset.objects.bulk_create(new, ignore_conflicts=True)


def seed(*, password: str | None = None, stdout=None) -> list[City]:
    # Hash once: every demo user shares the password, and hashing is deliberately slow.
    password_hash = make_password(password or settings.DEMO_PASSWORD)
    cities = [seed_city(spec, password_hash) for spec in CITIES]
    by_slug = {c.slug: c for c in cities}
    official = _user("shandong.official", "山东省知识产权局", password_hash)
    for slug in ("qingdao", "jinan"):
        CityGrant.objects.get_or_create(user=official, city=by_slug[slug])
    admin = _user("platform.admin", "平台管理员", password_hash)
    if not (admin.is_superuser and admin.is_platform_admin):
        admin.is_superuser = admin.is_staff = admin.is_platform_admin = True
        admin.save(update_fields=["is_superuser", "is_staff", "is_platform_admin"])
    return cities
