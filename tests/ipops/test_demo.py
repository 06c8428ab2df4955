"""Demo data: deterministic, idempotent, and made of valid identifiers."""

import pytest

from ipops import demo, ids
from ipops.models import City, CityGrant, IPAsset, Membership, Organization, User
from ipops.tenancy import scopes_disabled
from tests.support import nothing_changed

pytestmark = pytest.mark.django_db


def test_seeding_twice_changes_nothing():
    demo.seed()
    with nothing_changed(City, Organization, IPAsset, User, Membership, CityGrant):
        demo.seed()
    assert City.objects.count() == 3


def test_every_role_has_a_demo_login_in_every_city():
    demo.seed()
    for slug, *_ in demo.CITIES:
        for suffix, _org, _admin in demo.DEMO_USERS:
            user = User.objects.get(username=f"{slug}.{suffix}")
            assert user.check_password("ipops-demo-2026") or user.has_usable_password()
            assert Membership.objects.filter(user=user, city__slug=slug).exists()
    official = User.objects.get(username="shandong.official")
    assert sorted(CityGrant.objects.filter(user=official).values_list("city__slug", flat=True)) == [
        "jinan",
        "qingdao",
    ]


def test_demo_identifiers_are_valid_and_assets_realistic():
    demo.seed()
    with scopes_disabled():
        for uscc in Organization.objects.values_list("uscc", flat=True):
            assert ids.normalize_uscc(uscc) == uscc
        assets = list(IPAsset.objects.all())
    assert len(assets) >= 3 * 30
    for asset in assets:
        assert ids.normalize_patent_number(asset.number) == asset.number
        assert all(ids.normalize_ipc(code) == code for code in asset.ipc_codes)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in asset.title)
