"""Shared fixtures: cities, organisations, users per role, API clients — built with real services."""

from __future__ import annotations

import itertools

import pytest
from django.conf import settings  # noqa: E402
from rest_framework.test import APIClient

# Logging in hundreds of times with PBKDF2 costs minutes; tests don't need slow hashes.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

from ipops.access import actor_for  # noqa: E402
from ipops.demo_data import make_patent_number, make_uscc  # noqa: E402
from ipops.models import City, CityGrant, IPAsset, Membership, Organization, OrgKind, User  # noqa: E402
from ipops.tenancy import city_scope, is_wall_statement, scopes_disabled  # noqa: E402

_seq = itertools.count(1)

#: role → organisation kind (+ bureau admin flag)
ROLE_ORG = {
    "enterprise": (OrgKind.ENTERPRISE, False),
    "university": (OrgKind.UNIVERSITY, False),
    "service": (OrgKind.SERVICE, False),
    "bank": (OrgKind.BANK, False),
    "insurer": (OrgKind.INSURER, False),
    "guarantor": (OrgKind.GUARANTOR, False),
    "fund_manager": (OrgKind.FUND_MANAGER, False),
    "bureau_staff": (OrgKind.BUREAU, False),
    "bureau_admin": (OrgKind.BUREAU, True),
    "official": (OrgKind.GOVERNMENT, False),
}


def make_city(slug: str, name_zh: str = "", start: int = 2024) -> City:
    return City.objects.get_or_create(
        slug=slug,
        defaults=dict(
            name_zh=name_zh or slug,
            name_en=slug.title(),
            province_zh="山东省",
            province_en="Shandong",
            plan_start_year=start,
        ),
    )[0]


def make_org(city: City, kind: str = OrgKind.ENTERPRISE, name: str | None = None, **extra) -> Organization:
    name = name or f"{kind}-{next(_seq)}"
    with city_scope(city):
        return Organization.objects.create(
            city=city, kind=kind, name=name, uscc=make_uscc(city.slug, name), **extra
        )


def make_user(
    city: City, role: str = "enterprise", org: Organization | None = None, username: str | None = None
) -> User:
    kind, is_admin = ROLE_ORG[role]
    org = org or make_org(city, kind)
    user = User.objects.create_user(
        username=username or f"{city.slug}.{role}.{next(_seq)}", password="pw-123456"
    )
    Membership.objects.create(user=user, organization=org, city=city, is_admin=is_admin)
    return user


def make_asset(
    city: City,
    owner: Organization,
    *,
    kind: str = "invention",
    legal_status: str = "in_force",
    title: str = "一种石墨烯复合导热膜及其制备方法",
    ipc=("C08K 3/04",),
    **extra,
) -> IPAsset:
    import datetime

    n = next(_seq)
    filing = extra.pop("filing_date", datetime.date(2019, 5, 6))
    type_digit = {"invention": "1", "utility_model": "2", "design": "3"}[kind]
    with city_scope(city):
        return IPAsset.objects.create(
            city=city,
            owner=owner,
            kind=kind,
            number=make_patent_number(filing, type_digit, 1_000_000 + n),
            title=title,
            ipc_codes=list(ipc),
            filing_date=filing,
            grant_date=extra.pop("grant_date", datetime.date(2020, 8, 1))
            if legal_status != "pending"
            else None,
            legal_status=legal_status,
            **extra,
        )


def grant(user: User, city: City) -> None:
    CityGrant.objects.create(user=user, city=city)


def api(user: User | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def queries_of(ctx) -> list[str]:
    """The SQL a `CaptureQueriesContext` saw, without the statements that raise and lower a city's database
    wall (one on the way into a city scope, one on the way out; see `ipops.tenancy`): query budgets count
    what the code asks for."""
    return [q["sql"] for q in ctx.captured_queries if not is_wall_statement(q["sql"])]


def actor(user: User, city: City):
    with scopes_disabled():
        return actor_for(user, city)


@pytest.fixture
def qingdao(db) -> City:
    return make_city("qingdao", "青岛")


@pytest.fixture
def jinan(db) -> City:
    return make_city("jinan", "济南", 2025)


@pytest.fixture
def zhengzhou(db) -> City:
    return make_city("zhengzhou", "郑州")


@pytest.fixture(autouse=True)
def _celery_eager(request):
    """Tasks run in-process except in tests marked `broker`, which use the real Redis and a worker."""
    from ipops.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = "broker" not in request.keywords
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fresh_city_cache():
    """Each test builds its own cities (new ids under the same slugs): never reuse a cached one."""
    from ipops import tenancy

    tenancy._city_cache.clear()
    yield
    tenancy._city_cache.clear()
