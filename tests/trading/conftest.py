"""Marketplace fixtures: a seller, two buyers, the bureau, an official, and in-force patents."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ipops.models import Organization, OrgKind, User
from ipops.tenancy import city_scope
from tests.conftest import actor, api, grant, make_asset, make_org, make_user


@dataclass
class Party:
    user: User
    org: Organization

    def client(self):
        return api(self.user)


def party(city, role="enterprise", kind=OrgKind.ENTERPRISE, name=None) -> Party:
    org = make_org(city, kind, name=name)
    return Party(make_user(city, role, org=org), org)


@pytest.fixture
def seller(qingdao) -> Party:
    return party(qingdao, name="青岛海纳智能装备有限公司")


@pytest.fixture
def buyer(qingdao) -> Party:
    return party(qingdao, name="青岛蓝海新材料科技有限公司")


@pytest.fixture
def buyer2(qingdao) -> Party:
    return party(qingdao, name="青岛瑞达轨道交通装备股份有限公司")


@pytest.fixture
def bureau(qingdao) -> Party:
    return party(qingdao, "bureau_staff", OrgKind.BUREAU, name="青岛市知识产权局")


@pytest.fixture
def official(qingdao, jinan) -> User:
    user = make_user(jinan, "official")
    grant(user, qingdao)
    return user


@pytest.fixture
def patent(qingdao, seller):
    return make_asset(qingdao, seller.org, title="一种动力电池热管理系统及其控制方法", ipc=("H01M 10/613",))


def url(city, path: str) -> str:
    return f"/api/v1/{getattr(city, 'slug', city)}/{path}"


def as_actor(p: Party | User, city):
    return actor(getattr(p, "user", p), city)


def create_listing(
    city, p: Party, assets, *, deal_type="assignment", price="500000.00", publish=True, **extra
):
    from trading import services

    with city_scope(city):
        return services.listing_create(
            actor=as_actor(p, city),
            asset_ids=[a.pk for a in assets],
            deal_type=deal_type,
            asking_price=price,
            publish=publish,
            **extra,
        )
