"""Operations centres registered by the bureau; listings that expire leave the market overnight."""

import datetime

import pytest

from ipops.models import JobRun, OrgKind
from ipops.tenancy import city_scope
from tests.conftest import make_org
from tests.trading.conftest import create_listing, party, url
from trading.models import CentreMembership, Listing, ListingStatus, OperationsCentre
from trading.tasks import expire_listings

pytestmark = pytest.mark.django_db


def centres(city):
    with city_scope(city):
        return list(OperationsCentre.objects.values_list("name", flat=True))


def test_bureau_registers_a_centre_and_its_members(qingdao, bureau):
    university = make_org(qingdao, OrgKind.UNIVERSITY, "青岛理工大学")
    member = make_org(qingdao, OrgKind.ENTERPRISE, "青岛成员企业")
    r = bureau.client().post(url(qingdao, "centres/"), {"organization": university.pk,
                                                        "name": "青岛理工大学技术转移中心", "kind": "university"})
    assert r.status_code == 201, r.json()
    centre_id = r.json()["id"]
    r = bureau.client().post(url(qingdao, f"centres/{centre_id}/members/"), {"organization": member.pk})
    assert r.status_code == 201
    again = bureau.client().post(url(qingdao, f"centres/{centre_id}/members/"), {"organization": member.pk})
    assert again.status_code == 409
    assert again.json()["code"] == "centre_member_exists"
    overview = bureau.client().get(url(qingdao, "centres/")).json()
    assert [(c["name"], c["members"]) for c in overview] == [("青岛理工大学技术转移中心", 1)]
    assert bureau.client().delete(url(qingdao, f"centres/{centre_id}/members/{member.pk}/")).status_code == 204
    with city_scope(qingdao):
        assert not CentreMembership.objects.exists()


def test_only_the_bureau_registers_centres_and_never_with_another_citys_organisation(qingdao, jinan, bureau, seller):
    university = make_org(qingdao, OrgKind.UNIVERSITY, "青岛大学")
    foreign = make_org(jinan, OrgKind.UNIVERSITY, "济南大学")
    refused = seller.client().post(url(qingdao, "centres/"), {"organization": university.pk})
    assert refused.status_code == 403
    other_city = bureau.client().post(url(qingdao, "centres/"), {"organization": foreign.pk})
    assert other_city.status_code == 404
    bad = bureau.client().post(url(qingdao, "centres/"), {"organization": university.pk, "kind": "castle"})
    assert bad.status_code == 400
    assert bad.json()["fields"]["kind"][0]["code"] == "invalid_choice"
    assert centres(qingdao) == []
    jinan_bureau = party(jinan, "bureau_staff", OrgKind.BUREAU)
    assert jinan_bureau.client().post(url(qingdao, "centres/"), {"organization": university.pk}).status_code == 403


def test_expired_listings_leave_the_market_and_the_job_says_so(qingdao, seller, patent):
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    listing = create_listing(qingdao, seller, [patent])
    with city_scope(qingdao):
        Listing.objects.filter(pk=listing.pk).update(expires_on=yesterday)
    assert expire_listings.delay(qingdao.pk).get() == 1
    assert expire_listings.delay(qingdao.pk).get() == 0  # idempotent
    with city_scope(qingdao):
        assert Listing.objects.get(pk=listing.pk).status == ListingStatus.EXPIRED
    runs = JobRun.objects.filter(name="listing_expiry", city=qingdao).order_by("created_at")
    assert [r.rows for r in runs] == [1, 0]
    assert all(r.status == JobRun.Status.SUCCEEDED for r in runs)
