"""The registry's permission matrix: role × object × action, as the predicates decide it."""

import pytest

from ipops.permissions import can
from ipops.tenancy import city_scope
from tests.conftest import actor, grant, make_asset, make_org, make_user

pytestmark = pytest.mark.django_db

ROLES = [
    "enterprise",
    "university",
    "service",
    "bank",
    "insurer",
    "guarantor",
    "fund_manager",
    "bureau_staff",
    "bureau_admin",
    "official",
]

# role → whose asset (the actor's own organisation's, or another's) → the actions allowed
EXPECTED = {
    "enterprise": {"own": {"asset.view", "asset.create", "asset.change"}, "other": {"asset.create"}},
    "university": {"own": {"asset.view", "asset.create", "asset.change"}, "other": {"asset.create"}},
    "service": {"own": {"asset.view", "asset.create", "asset.change"}, "other": {"asset.create"}},
    "bank": {"own": set(), "other": set()},
    "insurer": {"own": set(), "other": set()},
    "guarantor": {"own": set(), "other": set()},
    "fund_manager": {"own": set(), "other": set()},
    "bureau_staff": {
        "own": {"asset.view", "asset.create", "asset.change", "organization.view"},
        "other": {"asset.view", "asset.create", "asset.change", "organization.view"},
    },
    "bureau_admin": {
        "own": {"asset.view", "asset.create", "asset.change", "organization.view", "organization.manage"},
        "other": {"asset.view", "asset.create", "asset.change", "organization.view", "organization.manage"},
    },
    "official": {"own": {"asset.view", "organization.view"}, "other": {"asset.view", "organization.view"}},
}
ACTIONS = ["asset.view", "asset.create", "asset.change", "organization.view", "organization.manage"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("whose", ["own", "other"])
def test_matrix(qingdao, role, whose):
    user = make_user(qingdao, role)
    me = actor(user, qingdao)
    owner = (
        me.organization
        if whose == "own" and role in ("enterprise", "university", "service")
        else make_org(qingdao)
    )
    asset = make_asset(qingdao, owner)
    with city_scope(qingdao):  # seeing is the visibility rule, a query inside the city's scope
        allowed = {a for a in ACTIONS if can(me, a, asset)}
    assert allowed == EXPECTED[role][whose]


def test_a_read_only_grant_reads_but_never_writes(qingdao, jinan):
    user = make_user(qingdao, "enterprise")
    grant(user, jinan)  # e.g. an alliance member given a view of a neighbour city
    me = actor(user, jinan)
    asset = make_asset(jinan, make_org(jinan))
    assert me.via_grant
    with city_scope(jinan):
        assert {a for a in ACTIONS if can(me, a, asset)} == {"asset.view", "organization.view"}
