"""Operations centres registered by the bureau; listings that expire leave the market overnight."""

import datetime

import pytest
import time_machine
from django.utils import timezone

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
    r = bureau.client().post(
        url(qingdao, "centres/"),
        {"organization": university.pk, "name": "青岛理工大学技术转移中心", "kind": "university"},
    )
    assert r.status_code == 201, r.json()
    centre_id = r.json()["id"]
    r = bureau.client().post(url(qingdao, f"centres/{centre_id}/members/"), {"organization": member.pk})
    assert r.status_code == 201
    again = bureau.client().post(url(qingdao, f"centres/{centre_id}/members/"), {"organization": member.pk})
    assert again.status_code == 409
    assert again.json()["code"] == "centre_member_exists"
    overview = bureau.client().get(url(qingdao, "centres/")).json()["results"]
    assert [(c["name"], c["members"]) for c in overview] == [("青岛理工大学技术转移中心", 1)]
    assert (
        bureau.client().delete(url(qingdao, f"centres/{centre_id}/members/{member.pk}/")).status_code == 204
    )
    with city_scope(qingdao):
        assert not CentreMembership.objects.exists()


def test_only_the_bureau_registers_centres_and_never_with_another_citys_organisation(
    qingdao, jinan, bureau, seller
):
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
    assert (
        jinan_bureau.client().post(url(qingdao, "centres/"), {"organization": university.pk}).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("utc_now", "expired"),
    [
        # 23:55 on 30 November in Beijing is still the listing's last day (15:55 UTC).
        (datetime.datetime(2026, 11, 30, 15, 55, tzinfo=datetime.UTC), False),
        # 00:05 on 1 December in Beijing: it has gone, though UTC still says 30 November.
        (datetime.datetime(2026, 11, 30, 16, 5, tzinfo=datetime.UTC), True),
    ],
)
def test_a_listing_expires_after_its_last_day_in_beijing_time(qingdao, seller, patent, utc_now, expired):
    listing = create_listing(qingdao, seller, [patent])
    with city_scope(qingdao):
        Listing.objects.filter(pk=listing.pk).update(expires_on=datetime.date(2026, 11, 30))
    with time_machine.travel(utc_now, tick=False):
        assert expire_listings.delay(qingdao.pk).get() == int(expired)
    with city_scope(qingdao):
        assert (Listing.objects.get(pk=listing.pk).status == ListingStatus.EXPIRED) is expired


def test_expired_listings_leave_the_market_and_the_job_says_so(qingdao, seller, patent):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
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


def test_bureau_manages_centres_from_the_pages(client, qingdao, jinan, bureau, seller):
    university = make_org(qingdao, OrgKind.UNIVERSITY, "青岛科技大学")
    member = make_org(qingdao, OrgKind.ENTERPRISE, "青岛海洋成员企业")
    client.force_login(bureau.user)
    page = client.get("/qingdao/trading/centres/")
    assert page.status_code == 200 and 'id="centre-form"' in page.content.decode()
    r = client.post(
        "/qingdao/trading/centres/", {"organization": university.pk, "name": "", "kind": "university"}
    )
    assert r.status_code == 302
    with city_scope(qingdao):
        centre = OperationsCentre.objects.get()
    assert centre.name == "青岛科技大学" and r["Location"].endswith(f"/trading/centres/{centre.pk}/")
    detail = f"/qingdao/trading/centres/{centre.pk}/"
    assert client.post(detail, {"organization": member.pk, "joined_on": "2026-03-01"}).status_code == 302
    page = client.get(detail).content.decode()
    assert "青岛海洋成员企业" in page and 'data-chart="chart-centre"' in page
    # The candidates offered no longer include the member, so posting it again is a form error.
    again = client.post(detail, {"organization": member.pk})
    assert again.status_code == 400
    with city_scope(qingdao):
        assert CentreMembership.objects.count() == 1
    assert client.post(detail, {"action": "remove", "organization": member.pk}).status_code == 302
    with city_scope(qingdao):
        assert not CentreMembership.objects.exists()
    # Registering the same organisation twice: a form error, nothing written.
    twice = client.post("/qingdao/trading/centres/", {"organization": university.pk, "kind": "university"})
    assert twice.status_code == 400
    assert centres(qingdao) == ["青岛科技大学"]


def test_centre_pages_refuse_strangers_and_non_bureau_writes(client, qingdao, jinan, bureau, seller):
    university = make_org(qingdao, OrgKind.UNIVERSITY, "青岛农业大学")
    centre_id = (
        bureau.client()
        .post(url(qingdao, "centres/"), {"organization": university.pk, "kind": "university"})
        .json()["id"]
    )
    detail = f"/qingdao/trading/centres/{centre_id}/"
    client.force_login(seller.user)
    page = client.get(detail)
    assert page.status_code == 200 and 'id="member-form"' not in page.content.decode()
    assert client.post(detail, {"organization": seller.org.pk}).status_code == 403
    assert (
        client.post(
            "/qingdao/trading/centres/", {"organization": seller.org.pk, "kind": "industry"}
        ).status_code
        == 403
    )
    jinan_bureau = party(jinan, "bureau_staff", OrgKind.BUREAU)
    client.force_login(jinan_bureau.user)
    assert client.get(detail).status_code == 403  # not a member of Qingdao
    assert (
        client.get(f"/jinan/trading/centres/{centre_id}/").status_code == 404
    )  # Qingdao's centre, seen from Jinan
    client.force_login(bureau.user)
    foreign = make_org(jinan, OrgKind.ENTERPRISE, "济南企业")
    assert client.post(detail, {"action": "remove", "organization": foreign.pk}).status_code == 404
    with city_scope(qingdao):
        assert not CentreMembership.objects.exists()


def test_the_centres_overview_costs_the_same_queries_for_one_centre_or_many(
    qingdao, bureau, seller, buyer, patent
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.trading.test_deal_flow import _deal

    _deal(qingdao, seller, buyer, patent, "assignment")  # 700,000.00, seller and buyer both members below

    def overview():
        with CaptureQueriesContext(connection) as ctx:
            rows = bureau.client().get(url(qingdao, "centres/")).json()["results"]
        return len(ctx.captured_queries), rows

    def register(name, *members):
        org = make_org(qingdao, OrgKind.UNIVERSITY, name)
        centre_id = (
            bureau.client()
            .post(url(qingdao, "centres/"), {"organization": org.pk, "kind": "university"})
            .json()["id"]
        )
        for member in members:
            bureau.client().post(url(qingdao, f"centres/{centre_id}/members/"), {"organization": member.pk})

    register("青岛甲大学", seller.org)
    one, rows = overview()
    register("青岛乙大学", buyer.org)
    register("青岛丙大学", seller.org, buyer.org)
    many, rows = overview()
    assert one == many
    credited = {row["name"]: [(y["year"], y["count"], y["amount"]) for y in row["years"]] for row in rows}
    year = rows[0]["years"][0]["year"]
    assert credited == {name: [(year, 1, "700000.00")] for name in ("青岛甲大学", "青岛乙大学", "青岛丙大学")}
