"""Shared fixtures: cities, organisations, users per role, API clients — built with real services."""

from __future__ import annotations

import os

import pytest
from django.conf import settings  # noqa: E402
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

# Logging in hundreds of times with PBKDF2 costs minutes; tests don't need slow hashes.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Property tests check rules, not speed: on a busy machine (CI, two cores shared) an example may take
# longer than hypothesis's 200 ms deadline, and its "too slow" health check fails runs that would
# pass. Everything that does not depend on speed stays on. HYPOTHESIS_PROFILE=default restores both.
hypothesis_settings.register_profile("ci", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

from ipops.access import actor_for  # noqa: E402
from ipops.models import City, CityGrant, IPAsset, Organization, OrgKind, User  # noqa: E402
from ipops.tenancy import is_wall_statement, scopes_disabled  # noqa: E402
from tests.factories import CityFactory, IPAssetFactory, MemberFactory, OrganizationFactory  # noqa: E402


def make_city(slug: str, name_zh: str = "", start: int = 2024) -> City:
    return CityFactory(slug=slug, name_zh=name_zh or slug, plan_start_year=start)


def make_org(city: City, kind: str = OrgKind.ENTERPRISE, name: str | None = None, **extra) -> Organization:
    if name:
        extra["name"] = name
    return OrganizationFactory(city=city, kind=kind, **extra)


def make_user(
    city: City, role: str = "enterprise", org: Organization | None = None, username: str | None = None
) -> User:
    """A person acting in `city` in `role`, for `org` (else a new organisation of the role's kind)."""
    extra: dict = {}
    if org is not None:
        extra["organization"] = org
    if username:
        extra["user__username"] = username
    return MemberFactory(city=city, role=role, **extra).user


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
    return IPAssetFactory(
        city=city,
        owner=owner,
        kind=kind,
        legal_status=legal_status,
        title=title,
        ipc_codes=list(ipc),
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


@pytest.fixture(autouse=True, scope="session")
def _private_media(tmp_path_factory):
    """Evidence files written by tests and by the seeded demo go to a directory of the run's own."""
    from django.conf import settings

    settings.PRIVATE_MEDIA_ROOT = tmp_path_factory.mktemp("private")
