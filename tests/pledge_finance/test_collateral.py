"""The pledged assets from where each party stands: the institutions of a loan open its collateral (read-only),
and the owner is offered "pledge it" on an asset's page, or told why it cannot be pledged."""

from __future__ import annotations

import re

import pytest

from ipops.models import IPAsset
from pledge_finance import services
from pledge_finance.models import Loan
from tests.conftest import api, make_asset
from tests.pledge_finance.conftest import build_world, client_for, loan_to_state
from tests.support import assert_matrix, listed_ids

pytestmark = pytest.mark.django_db

PARTIES = ("bank", "insurer", "guarantor", "appraiser")


def asset_page(w, asset) -> str:
    return f"/{w.city.slug}/assets/{asset.pk}/"


def asset_api(w, asset=None) -> str:
    return f"/api/v1/{w.city.slug}/assets/" + (f"{asset.pk}/" if asset else "")


@pytest.fixture
def w(qingdao):
    w = build_world(qingdao)
    # A package of two patents, and one patent of the same enterprise pledged nowhere.
    w.loan = loan_to_state(w, "valued", assets=[w.assets[0], w.assets[1]])
    w.pledged, w.unrelated = [w.assets[0], w.assets[1]], w.assets[2]
    return w


def test_each_party_opens_each_pledged_asset_of_its_loan_and_nothing_else(w):
    cases = {
        (who, asset.pk, via): 200
        for who in PARTIES
        for asset in [*w.pledged, w.unrelated]
        for via in ("page", "api")
    }
    for key in cases:
        if key[1] == w.unrelated.pk:
            cases[key] = 404
    # The bank of no loan of these sees none of them.
    cases.update({("bank2", a.pk, via): 404 for a in [*w.pledged, w.unrelated] for via in ("page", "api")})
    assets = {a.pk: a for a in [*w.pledged, w.unrelated]}

    def status(case):
        who, asset_id, via = case
        user = getattr(w, who)
        if via == "page":
            return client_for(user).get(asset_page(w, assets[asset_id])).status_code
        return api(user).get(asset_api(w, assets[asset_id])).status_code

    assert_matrix(cases, status)
    # The registry's list agrees with the details: a lender's list is its collateral.
    for who in PARTIES:
        assert listed_ids(api(getattr(w, who)), asset_api(w)) == {a.pk for a in w.pledged}, who
    assert listed_ids(api(w.bank2), asset_api(w)) == set()


def test_a_party_may_read_the_collateral_but_not_change_it(w):
    for who in PARTIES:
        user = getattr(w, who)
        body = client_for(user).get(asset_page(w, w.pledged[0])).content.decode()
        assert f"/assets/{w.pledged[0].pk}/edit/" not in body, who
        assert "data-asset-action" not in body and "data-action-blocked" not in body, who
        assert client_for(user).get(asset_page(w, w.pledged[0]) + "edit/").status_code == 403, who
    # The appraiser may register assets of its own, so the API lets it try an edit: the registry refuses.
    r = api(w.appraiser).patch(asset_api(w, w.pledged[0]), {"title": "改名"}, format="json")
    assert r.status_code == 403
    with w.scope():
        assert IPAsset.objects.get(pk=w.pledged[0].pk).title != "改名"


def test_the_loan_page_links_lead_to_pages_that_open(w):
    """The dead end the bank hit: from the loan to each pledged patent and back."""
    for who in PARTIES:
        client = client_for(getattr(w, who))
        body = client.get(f"/{w.city.slug}/loans/{w.loan.pk}/").content.decode()
        links = re.findall(rf'href="(/{w.city.slug}/assets/(\d+)/)"', body)
        assert {int(pk) for _, pk in links} == {a.pk for a in w.pledged}, who
        for url, _pk in links:
            assert client.get(url).status_code == 200, (who, url)


def test_institutions_never_see_the_assets_of_a_draft(w):
    draft = loan_to_state(w, "draft", assets=[w.assets2[0]], user=w.enterprise2)
    assert draft.state == "draft"
    for who in PARTIES:
        assert client_for(getattr(w, who)).get(asset_page(w, w.assets2[0])).status_code == 404, who


def test_another_citys_party_sees_nothing_of_these_assets(w, other_city):
    o = other_city
    loan_to_state(o, "valued", assets=[o.assets[0]])
    for who in PARTIES:
        user = getattr(o, who)
        # Not a member of this city: refused at the city's door, like any page of it.
        assert client_for(user).get(asset_page(w, w.pledged[0])).status_code in (403, 404), who
        assert api(user).get(asset_api(w, w.pledged[0])).status_code in (403, 404), who


# --- "pledge it" from the asset's page -------------------------------------------------------------


def actions_on(user, w, asset) -> tuple[list[str], list[str]]:
    """The pledge links offered on an asset's page, and the disabled pledge buttons (other apps, such as
    the marketplace's "list it", offer their own next steps beside them)."""
    body = client_for(user).get(asset_page(w, asset)).content.decode()
    pledge = "/loans/apply/"
    return (
        [
            u
            for u in re.findall(r'<a class="btn btn-primary btn-sm" href="([^"]+)" data-asset-action', body)
            if pledge in u
        ],
        [u for u in re.findall(r'data-action-blocked="([^"]+)"', body) if pledge in u],
    )


def test_the_owner_is_offered_to_pledge_a_free_asset_with_it_chosen(w):
    free = w.unrelated
    links, blocked = actions_on(w.enterprise, w, free)
    apply_url = f"/{w.city.slug}/loans/apply/?asset={free.pk}"
    assert links == [apply_url] and blocked == []
    owner = client_for(w.enterprise)
    step1 = owner.get(apply_url).content.decode()
    assert 'id="chosen-asset"' in step1 and free.display_number in step1
    step2_url = f"/{w.city.slug}/loans/apply/{w.product.pk}/?asset={free.pk}"
    assert f'href="{step2_url}"' in step1.replace("&amp;", "&")
    step2 = owner.get(step2_url).content.decode()
    assert re.search(rf'value="{free.pk}"[^>]*checked', step2)
    # Another's asset, or one not free, is not chosen whatever the address says.
    other = owner.get(f"/{w.city.slug}/loans/apply/{w.product.pk}/?asset={w.assets2[0].pk}").content.decode()
    assert "checked" not in other


def test_a_pledged_asset_shows_why_it_cannot_be_pledged(w):
    links, blocked = actions_on(w.enterprise, w, w.pledged[0])
    assert links == [] and blocked == [f"/{w.city.slug}/loans/apply/?asset={w.pledged[0].pk}"]
    body = client_for(w.enterprise).get(asset_page(w, w.pledged[0])).content.decode()
    assert re.search(r'title="([^"]+)"><button', body).group(1).startswith("该知识产权已质押")


def test_an_asset_not_in_force_shows_why(w):
    with w.scope():
        lapsed = make_asset(w.city, w.org(w.enterprise), legal_status="lapsed")
    links, blocked = actions_on(w.enterprise, w, lapsed)
    assert links == [] and len(blocked) == 1
    body = client_for(w.enterprise).get(asset_page(w, lapsed)).content.decode()
    assert 'title="只有有效的知识产权才能挂牌、质押或许可。"' in body


def test_nobody_but_the_owner_is_offered_to_pledge(w):
    for who in ("enterprise2", "bureau", "official", *PARTIES):
        user = getattr(w, who)
        r = client_for(user).get(
            asset_page(w, w.unrelated if who in ("bureau", "official") else w.pledged[0])
        )
        if r.status_code == 404:
            continue
        body = r.content.decode()
        assert "/loans/apply/" not in body, who


def test_a_released_asset_may_be_pledged_again_from_its_page(w):
    with w.scope():
        services.loan_withdraw(actor=w.actor(w.enterprise), loan=Loan.objects.get(pk=w.loan.pk))
    links, blocked = actions_on(w.enterprise, w, w.pledged[0])
    assert len(links) == 1 and blocked == []
