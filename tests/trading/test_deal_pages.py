"""A deal's page says where it stands (contract → escrow → recordal → completed), who acts next and what happened,
in Beijing time; each step the parties take there answers with what it did and what comes next."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine

from ipops.tenancy import city_scope
from trading import selectors
from trading.models import Transaction

from .conftest import as_actor, create_listing, url

pytestmark = pytest.mark.django_db


def _open_deal(qingdao, seller, buyer, patent) -> int:
    listing = create_listing(qingdao, seller, [patent], price="800000")
    offer = buyer.client().post(url(qingdao, f"listings/{listing.pk}/offers/"), {"price": "750000"}).json()
    r = seller.client().post(url(qingdao, f"offers/{offer['id']}/accept/"))
    assert r.status_code == 201
    return r.json()["id"]


def _stages(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-stage="(\w+)" data-state="(\w+)"', html))


def _messages(response, level: str = "success") -> list[str]:
    found = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert {tag for tag, _text in found} <= {level}, found
    return [text for _tag, text in found]


def test_the_page_walks_the_parties_through_the_deal(client, qingdao, seller, buyer, patent):
    tx = _open_deal(qingdao, seller, buyer, patent)
    page = f"/qingdao/trading/deals/{tx}/"

    client.force_login(seller.user)
    html = client.get(page).content.decode()
    assert _stages(html) == {"contract": "current", "escrow": "todo", "recordal": "todo", "completed": "todo"}
    assert 'data-party="either"' in html and "轮到您" in html and "登记已签署的合同" in html

    r = client.post(page, {"action": "contract", "contract_ref": "QD-JS-2026-0001"}, follow=True)
    (said,) = _messages(r)
    assert "QD-JS-2026-0001" in said and "下一步：买方将约定价款付至监管账户" in said
    html = r.content.decode()
    assert _stages(html)["contract"] == "done" and _stages(html)["escrow"] == "current"
    assert 'data-party="buyer"' in html and "轮到您" not in html  # the seller waits for the buyer

    client.force_login(buyer.user)
    assert "轮到您" in client.get(page).content.decode()
    r = client.post(page, {"action": "pay"}, follow=True)
    (said,) = _messages(r)
    assert "75.00 万元" in said and "下一步：卖方" in said

    client.force_login(seller.user)
    r = client.post(page, {"action": "complete", "recordal_number": "2026370200001234"}, follow=True)
    (said,) = _messages(r)
    assert "交易已完成" in said
    html = r.content.decode()
    assert set(_stages(html).values()) == {"done"} and 'id="next-step"' not in html
    with city_scope(qingdao):
        history = selectors.deal_progress(as_actor(seller, qingdao), Transaction.objects.get(pk=tx)).history
    assert [e.action for e in history] == [
        "transaction_open",
        "transaction_contract",
        "escrow_pay",
        "transaction_complete",
        "escrow_release",
    ]
    assert history[0].who == f"卖方 · {seller.org.name}" and history[2].who == f"买方 · {buyer.org.name}"
    assert history[1].detail == "QD-JS-2026-0001" and history[3].detail == "2026370200001234"
    assert "2026370200001234" in html and html.index("合同已登记") < html.index("价款已付至监管账户")


def test_history_is_in_beijing_time(client, qingdao, seller, buyer, patent):
    # 17:18 UTC on 28 November is 01:18 on 29 November in Beijing: the page must say the 29th.
    with time_machine.travel(datetime.datetime(2026, 11, 28, 17, 18, tzinfo=datetime.UTC), tick=False):
        tx = _open_deal(qingdao, seller, buyer, patent)
    client.force_login(buyer.user)
    html = client.get(f"/qingdao/trading/deals/{tx}/").content.decode()
    history = html[html.index('id="deal-history"') :]
    assert "2026-11-29 01:18" in history and "2026-11-28" not in history


def test_a_cancelled_deal_says_so_and_what_happened_to_the_money(client, qingdao, seller, buyer, patent):
    tx = _open_deal(qingdao, seller, buyer, patent)
    page = f"/qingdao/trading/deals/{tx}/"
    client.force_login(buyer.user)
    client.post(page, {"action": "contract", "contract_ref": "C-1"})
    client.post(page, {"action": "pay"})
    r = client.post(page, {"action": "cancel", "reason": "尽调发现权属争议"}, follow=True)
    said = _messages(r)[-1]  # after the contract's and the payment's
    assert "已取消" in said and "退还买方" in said
    html = r.content.decode()
    assert _stages(html) == {
        "contract": "done",
        "escrow": "todo",
        "recordal": "todo",
        "cancelled": "cancelled",
    }
    assert 'id="next-step"' not in html and "尽调发现权属争议" in html


def test_a_refused_step_says_why_and_no_success(client, qingdao, seller, buyer, patent):
    tx = _open_deal(qingdao, seller, buyer, patent)
    client.force_login(buyer.user)
    r = client.post(f"/qingdao/trading/deals/{tx}/", {"action": "pay"}, follow=True)
    (said,) = _messages(r, "error")
    assert "合同" in said
