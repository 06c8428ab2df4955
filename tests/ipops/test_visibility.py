"""One visibility rule per entity: for every role, the list and the detail agree on what it may see."""

from __future__ import annotations

import pytest

from ipops.models import IPAsset, Membership
from ipops.tenancy import scopes_disabled
from tests.conftest import api, grant, make_asset, make_org, make_user
from tests.factories import ROLE_ORG
from tests.support import assert_list_and_detail_agree, listed_ids

pytestmark = pytest.mark.django_db

ROLES = list(ROLE_ORG)


@pytest.fixture
def registry(qingdao, jinan):
    """Each role's own organisation with an asset and a colleague, plus another city's asset and member."""
    users = {}
    for role in ROLES:
        users[role] = make_user(qingdao, role)
        make_user(qingdao, role, org=users[role].memberships.get().organization)
    for user in users.values():
        make_asset(qingdao, user.memberships.get().organization)
    make_asset(qingdao, make_org(qingdao))
    make_asset(jinan, make_org(jinan))
    make_user(jinan, "enterprise")
    provincial = make_user(jinan, "official")
    grant(provincial, qingdao)
    users["granted reader"] = provincial
    return users


@pytest.mark.parametrize(
    ("model", "list_url"),
    [(IPAsset, "/api/v1/qingdao/assets/"), (Membership, "/api/v1/qingdao/members/")],
)
def test_every_role_lists_exactly_what_it_may_open(registry, model, list_url):
    with scopes_disabled():
        every_id = set(model._base_manager.values_list("pk", flat=True))  # both cities
    for user in registry.values():
        assert_list_and_detail_agree(api(user), list_url, list_url + "{pk}/", every_id)
    with scopes_disabled():
        qingdao_ids = set(model._base_manager.filter(city__slug="qingdao").values_list("pk", flat=True))
    # The rule is not trivially "all" or "nothing": the bureau sees the whole city, an enterprise a part.
    assert listed_ids(api(registry["bureau_staff"]), list_url) == qingdao_ids
    assert 0 < len(listed_ids(api(registry["enterprise"]), list_url)) < len(qingdao_ids)


def test_another_app_may_widen_what_an_actor_sees_of_a_model_it_does_not_own(qingdao, monkeypatch):
    """The registry's rule shows a bank no assets; an app that knows why a bank should see one (it holds
    the pledge) widens the rule, and lists and details follow."""
    from django.db.models import Q

    from ipops import visibility

    monkeypatch.setattr(visibility, "_WIDENINGS", {})
    bank = make_user(qingdao, "bank")
    shown, hidden = make_asset(qingdao, make_org(qingdao)), make_asset(qingdao, make_org(qingdao))
    url = "/api/v1/qingdao/assets/"
    assert listed_ids(api(bank), url) == set()
    visibility.widen(IPAsset, rule=lambda actor: Q(pk=shown.pk) if actor.role == "bank" else False)
    assert listed_ids(api(bank), url) == {shown.pk}
    assert api(bank).get(f"{url}{shown.pk}/").status_code == 200
    assert api(bank).get(f"{url}{hidden.pk}/").status_code == 404
