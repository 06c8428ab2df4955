"""A buyer of another city reaches a national listing's seller: an enquiry (购买意向), a row of the seller's city
carrying only what the buyer typed; the seller answers on the listing's page, the buyer reads the answer on the
national marketplace. Neither side sees more of the other's city than that, and every other page stays shut."""

from __future__ import annotations

import pytest

from ipops.models import Encumbrance, Organization, OrgKind
from ipops.services import registry
from ipops.tenancy import city_scope
from tests.conftest import actor, make_asset, make_org, make_user
from tests.support import failures, nothing_changed, race, successes
from trading import services
from trading.errors import EnquiryFromOwnCity, ListingAssetsUnavailable
from trading.models import Enquiry, Listing, Negotiation, Offer

from .conftest import Party, create_listing, party

pytestmark = pytest.mark.django_db

WRITES = (Enquiry, Listing, Negotiation, Offer, Encumbrance)


@pytest.fixture
def far_buyer(jinan) -> Party:
    org = make_org(jinan, OrgKind.ENTERPRISE, name="济南齐鲁动力科技有限公司", district="历下区")
    return Party(make_user(jinan, "enterprise", org=org), org)


@pytest.fixture
def national(qingdao, seller, patent) -> Listing:
    return create_listing(qingdao, seller, [patent], visibility="national")


def _form(buyer: Party, **changes) -> dict:
    data = {
        "acting_for": buyer.user.memberships.get().pk,
        "organization_name": buyer.org.name,
        "uscc": buyer.org.uscc,
        "contact_name": "王经理",
        "phone": "0531-88886666",
        "email": "",
        "price": "60",  # 万元
        "message": "我司有意受让，能否提供专利年费缴纳记录？",
    }
    data.update(changes)
    return data


def _send(client, buyer, listing, **changes):
    client.force_login(buyer.user)
    return client.post(f"/qingdao/market/{listing.pk}/", _form(buyer, **changes))


def test_a_buyer_of_another_city_enquires_and_the_seller_answers(
    client, qingdao, seller, far_buyer, national
):
    client.force_login(far_buyer.user)
    page = client.get(f"/qingdao/market/{national.pk}/").content.decode()
    assert 'id="enquiry-form"' in page and far_buyer.org.uscc in page  # its own organisation, prefilled

    r = _send(client, far_buyer, national)
    assert r.status_code == 302, r.content.decode()[:3000]
    with city_scope(qingdao):
        enquiry = Enquiry.objects.get()
    assert enquiry.city_id == qingdao.pk and enquiry.seller_id == seller.org.pk
    assert (enquiry.organization_name, enquiry.contact_name, str(enquiry.price)) == (
        far_buyer.org.name,
        "王经理",
        "600000.00",
    )
    assert "我司有意受让" in client.get(f"/qingdao/market/{national.pk}/").content.decode()

    client.force_login(seller.user)
    for path in (
        "/qingdao/trading/sell/",
        "/qingdao/",
    ):  # waiting for an answer, on the workbench and at home
        assert "齐鲁动力" in client.get(path).content.decode(), path
    page = client.get(f"/qingdao/market/{national.pk}/").content.decode()
    assert 'id="enquiries"' in page and far_buyer.org.uscc in page and "0531-88886666" in page
    r = client.post(
        f"/qingdao/trading/enquiries/{enquiry.pk}/",
        {"action": "answer", "reply": "可以，请致电 0532-66668888"},
    )
    assert r.status_code == 302
    with city_scope(qingdao):
        assert Enquiry.objects.get().status == "answered"

    client.force_login(far_buyer.user)
    mine = client.get("/market/enquiries/").content.decode()
    assert national.title in mine and "0532-66668888" in mine and "青岛" in mine
    assert "0532-66668888" in client.get(f"/qingdao/market/{national.pk}/").content.decode()
    assert 'id="my-enquiries-link"' in client.get("/market/").content.decode()
    assert 'id="national-link"' in client.get("/qingdao/market/").content.decode()


def test_only_what_the_buyer_typed_crosses_and_only_to_the_seller(
    client, qingdao, jinan, seller, buyer, bureau, far_buyer, national, patent
):
    assert _send(client, far_buyer, national).status_code == 302
    with city_scope(qingdao):
        enquiry = Enquiry.objects.get()
    # No reference into the buyer's city: the only organisation the row names is the seller, of its own city.
    organisations = [f.name for f in Enquiry._meta.concrete_fields if f.related_model is Organization]
    assert organisations == ["seller"]
    client.force_login(seller.user)
    assert (
        "历下区" not in client.get(f"/qingdao/market/{national.pk}/").content.decode()
    )  # not typed: not seen

    # Nobody else of the seller's city reads it, bureau included; answering it is a 404 to them.
    for other in (buyer, bureau):
        client.force_login(other.user)
        page = client.get(f"/qingdao/market/{national.pk}/").content.decode()
        assert "齐鲁动力" not in page and "0531-88886666" not in page
        r = client.post(f"/qingdao/trading/enquiries/{enquiry.pk}/", {"action": "answer", "reply": "x"})
        assert r.status_code in (403, 404)
    # The buyer's user reaches nothing of the seller's city but the public listing and its own enquiry.
    client.force_login(far_buyer.user)
    for path in (
        f"/qingdao/trading/enquiries/{enquiry.pk}/",
        "/qingdao/trading/sell/",
        "/qingdao/trading/deals/",
        f"/qingdao/assets/{patent.pk}/",
    ):
        response = client.post(path, {"action": "close"}) if "enquiries" in path else client.get(path)
        assert response.status_code in (403, 404), path
    # Its list of enquiries holds its own rows, and of each only its words, the answer and the listing's
    # published fields; another user of its own organisation sees none of them.
    colleague = make_user(jinan, "enterprise", org=far_buyer.org)
    client.force_login(colleague)
    assert national.title not in client.get("/market/enquiries/").content.decode()
    client.force_login(seller.user)
    assert national.title not in client.get("/market/enquiries/").content.decode()
    client.logout()
    assert client.get("/market/enquiries/").status_code == 302  # to the login page


def test_refusals_write_nothing(client, qingdao, jinan, seller, buyer, far_buyer, national, patent):
    # A member of the seller's city makes offers instead; a bank of another city holds no IP.
    client.force_login(buyer.user)
    with nothing_changed(*WRITES):
        assert client.post(f"/qingdao/market/{national.pk}/", _form(far_buyer)).status_code == 403
        with city_scope(qingdao), pytest.raises(EnquiryFromOwnCity):
            services.enquiry_send(buyer=actor(buyer.user, qingdao), listing=national, **_service(far_buyer))
    bank = make_user(jinan, "bank")
    client.force_login(bank)
    assert 'id="enquiry-unavailable"' in client.get(f"/qingdao/market/{national.pk}/").content.decode()
    with nothing_changed(*WRITES):
        assert client.post(f"/qingdao/market/{national.pk}/", _form(far_buyer)).status_code == 403
    client.logout()
    with nothing_changed(*WRITES):
        r = client.post(f"/qingdao/market/{national.pk}/", _form(far_buyer))
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]

    # Bad input: every field error on the form at once.
    with nothing_changed(*WRITES):
        r = _send(client, far_buyer, national, uscc="91370200MA3C0000XX", phone="", email="", message="")
    assert r.status_code == 400 and {"uscc", "phone", "message"} <= set(r.context["enquiry_form"].errors)

    # A city-only listing is not offered to other cities.
    local = create_listing(qingdao, seller, [patent], deal_type="non_exclusive_licence")
    with nothing_changed(*WRITES):
        assert _send(client, far_buyer, local).status_code == 404

    # One open enquiry per buyer and listing; a pledged listing takes none.
    assert _send(client, far_buyer, national).status_code == 302
    with nothing_changed(*WRITES):
        r = _send(client, far_buyer, national)
    assert r.status_code == 400 and "等待卖方答复" in r.content.decode()
    with city_scope(qingdao):
        registry.encumbrance_add(asset_ids=[patent.pk], kind="pledge", source="pledge_finance.loan:9")
        with nothing_changed(*WRITES), pytest.raises(ListingAssetsUnavailable):
            services.enquiry_send(
                buyer=actor(make_user(jinan, "enterprise"), jinan), listing=national, **_service(far_buyer)
            )


def _service(buyer: Party) -> dict:
    data = _form(buyer, price="600000")
    del data["acting_for"]
    return data


@pytest.mark.django_db(transaction=True)
def test_two_enquiries_from_the_same_buyer_at_once_make_one(qingdao, jinan):
    seller = party(qingdao, name="青岛卖方")
    far = party(jinan, name="济南买方")
    listing = create_listing(qingdao, seller, [make_asset(qingdao, seller.org)], visibility="national")
    me = actor(far.user, jinan)

    def send():
        return services.enquiry_send(buyer=me, listing=listing, **_service(far))

    results = race(send, send, context=lambda: city_scope(qingdao))
    assert len(successes(results)) == 1
    assert [e.code for e in failures(results)] == ["enquiry_open"]
    with city_scope(qingdao):
        assert Enquiry.objects.count() == 1
