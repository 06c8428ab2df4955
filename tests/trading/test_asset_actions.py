""" "List it on the market" from an asset's page: the owner gets a link to a new listing with the asset chosen,
or the button disabled with the reason it cannot be sold now; nobody else gets it."""

from __future__ import annotations

import pytest

from ipops.models import IPAsset, OrgKind
from ipops.platform import asset_actions
from ipops.services import registry
from ipops.tenancy import city_scope
from tests.conftest import grant, make_asset, make_user

from .conftest import as_actor, create_listing, party

pytestmark = pytest.mark.django_db


def _actions(who, city, asset):
    with city_scope(city):
        return [
            a
            for a in asset_actions(as_actor(who, city), IPAsset.objects.get(pk=asset.pk))
            if "listings/new" in a.url
        ]


def test_the_owner_lists_from_the_asset_page_with_the_asset_chosen(client, qingdao, seller, patent):
    (action,) = _actions(seller, qingdao, patent)
    assert not action.blocked_by and action.url == f"/qingdao/trading/listings/new/?asset={patent.pk}"
    client.force_login(seller.user)
    page = client.get(f"/qingdao/assets/{patent.pk}/").content.decode()
    assert f'href="{action.url}" data-asset-action' in page and "挂牌出售" in page
    form = client.get(action.url).content.decode()
    assert f'value="{patent.pk}"' in form
    chosen = form[form.index(f'value="{patent.pk}"') - 120 : form.index(f'value="{patent.pk}"') + 40]
    assert "checked" in chosen


def _pledged(city, seller, asset):
    with city_scope(city):
        registry.encumbrance_add(
            asset_ids=[asset.pk], kind="pledge", source="pledge_finance.loan:3", owner_id=seller.org.pk
        )
    return "质押"


def _listed(city, seller, asset):
    return create_listing(city, seller, [asset]).reference


def _lapsed(city, seller, asset):
    with city_scope(city):
        IPAsset.objects.filter(pk=asset.pk).update(legal_status="lapsed")
    return "有效"


@pytest.mark.parametrize("cause", [_pledged, _listed, _lapsed])
def test_an_asset_that_cannot_be_sold_shows_the_button_disabled_with_why(
    client, qingdao, seller, patent, cause
):
    words = cause(qingdao, seller, patent)
    (action,) = _actions(seller, qingdao, patent)
    assert words in str(action.blocked_by)
    client.force_login(seller.user)
    page = client.get(f"/qingdao/assets/{patent.pk}/").content.decode()
    assert f'data-action-blocked="{action.url}"' in page and words in page


def test_only_the_owner_with_write_access_gets_it(qingdao, jinan, seller, bureau, patent):
    other = party(qingdao, name="青岛另一家企业")
    official = make_user(jinan, "official")
    grant(official, qingdao)
    university = party(qingdao, "university", OrgKind.UNIVERSITY, name="青岛某大学")
    own = make_asset(qingdao, university.org, title="一种海洋生物活性肽的制备方法", ipc=("C07K 14/435",))
    assert _actions(university, qingdao, own)  # universities sell their patents too
    for who in (other, bureau, official):
        assert _actions(who, qingdao, patent) == []
