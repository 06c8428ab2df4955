"""The registry's permission matrix: role × object × action, as the predicates decide it."""

import pytest

from ipops.permissions import can
from ipops.tenancy import city_scope
from tests.conftest import actor, grant, make_asset, make_org, make_user
from tests.support import assert_matrix

pytestmark = pytest.mark.django_db

HOLDERS = {"enterprise", "university", "service"}
ACTIONS = ["asset.view", "asset.create", "asset.change", "organization.view", "organization.manage"]
HOLDER = {"own": {"asset.view", "asset.create", "asset.change"}, "other": {"asset.create"}}
NOTHING = {"own": set(), "other": set()}
BUREAU_STAFF = {"asset.view", "asset.create", "asset.change", "organization.view"}
BUREAU_ADMIN = BUREAU_STAFF | {"organization.manage"}
OFFICIAL = {"asset.view", "organization.view"}

# role → whose asset (the actor's own organisation's, or another's) → the actions allowed
EXPECTED = {
    "enterprise": HOLDER,
    "university": HOLDER,
    "service": HOLDER,
    "bank": NOTHING,
    "insurer": NOTHING,
    "guarantor": NOTHING,
    "fund_manager": NOTHING,
    "bureau_staff": {"own": BUREAU_STAFF, "other": BUREAU_STAFF},
    "bureau_admin": {"own": BUREAU_ADMIN, "other": BUREAU_ADMIN},
    "official": {"own": OFFICIAL, "other": OFFICIAL},
}


def allowed(me, asset, city) -> set[str]:
    with city_scope(city):
        return {a for a in ACTIONS if can(me, a, asset)}


def test_matrix(qingdao):
    def actions(case):
        role, whose = case
        me = actor(make_user(qingdao, role), qingdao)
        owner = me.organization if whose == "own" and role in HOLDERS else make_org(qingdao)
        return allowed(me, make_asset(qingdao, owner), qingdao)

    assert_matrix(
        {(role, whose): actions for role, row in EXPECTED.items() for whose, actions in row.items()}, actions
    )


def test_a_read_only_grant_reads_but_never_writes(qingdao, jinan):
    user = make_user(qingdao, "enterprise")
    grant(user, jinan)  # e.g. an alliance member given a view of a neighbour city
    me = actor(user, jinan)
    asset = make_asset(jinan, make_org(jinan))
    assert me.via_grant
    assert allowed(me, asset, jinan) == {"asset.view", "organization.view"}
