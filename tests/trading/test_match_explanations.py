"""Match explanations in a buyer's words: shared classification, the words found (synonyms as 近义), the price
against the budget in 万元, the deal type, and the score as a bar; the API keeps the codes and adds the words."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from ipops.tenancy import city_scope
from tests.conftest import make_asset
from trading import explain, rules

from .conftest import create_listing, url


def _explain(reasons: list[dict]) -> list[str]:
    with translation.override("zh-hans"):
        return [explain.reason_text(r) for r in reasons]


def _score(request: str, listing_title: str, **sides) -> rules.Match:
    demand = rules.Side(
        ipc_codes=sides.get("want_ipc", ()),
        budget_min=sides.get("budget_min"),
        budget_max=sides.get("budget_max"),
        deal_types=sides.get("deal_types", ()),
    )
    offer = rules.Side(
        title_terms=frozenset(rules.terms(listing_title)),
        ipc_codes=sides.get("ipc", ()),
        price=sides.get("price"),
        deal_types=(sides.get("deal_type", "assignment"),),
        title=listing_title,
    )
    return rules.score(demand, rules.query_terms(request), offer)


def test_a_match_reads_in_words_with_synonyms_marked_and_money_in_wan():
    match = _score(
        "芯片封装 铁轨",
        "一种集成电路封装结构及钢轨",
        want_ipc=("H01L 23/31",),
        ipc=("H01L 23/28",),
        budget_max=Decimal("500000"),
        price=Decimal("450000"),
        deal_types=("assignment",),
    )
    words, ipc, budget, deal = _explain(match.reasons)
    assert words == "相同词语：芯片（近义：集成电路）、封装、铁轨（近义：钢轨）"
    assert ipc == "同属 IPC 大组 H01L 23（H 部：电学）"
    assert budget == "挂牌价 45.00 万元，在预算（不超过 50.00 万元）内"
    assert deal == "交易方式相符：转让"
    for text in (words, ipc, budget, deal):
        assert "≈" not in text and "(+" not in text and "450000" not in text


@pytest.mark.parametrize(
    ("sides", "expected"),
    [
        (
            {"price": Decimal("550000"), "budget_max": Decimal("500000")},
            "挂牌价 55.00 万元，比预算上限 50.00 万元 高 10%",
        ),
        (
            {"price": Decimal("80000"), "budget_min": Decimal("100000")},
            "挂牌价 8.00 万元，低于预算下限 10.00 万元",
        ),
        (
            {"budget_min": Decimal("100000"), "budget_max": Decimal("500000")},
            "价格面议；预算 10.00 万元 至 50.00 万元",
        ),
        ({"price": Decimal("300000")}, "挂牌价 30.00 万元；买方未设预算"),
    ],
)
def test_the_budget_reads_against_the_asking_price(sides, expected):
    match = _score("封装", "一种封装结构", **sides)
    assert _explain(match.reasons)[2] == expected


@pytest.mark.parametrize(
    ("wanted", "offered", "expected"),
    [
        ((), "sole_licence", "买方不限交易方式（挂牌为排他许可）"),
        (("exclusive_licence",), "assignment", "交易方式相近：挂牌为转让，买方希望独占许可"),
        (("assignment",), "non_exclusive_licence", "交易方式不同：挂牌为普通许可，买方希望转让"),
    ],
)
def test_the_deal_type_says_what_is_offered_and_what_was_asked(wanted, offered, expected):
    match = _score("封装", "一种封装结构", deal_types=wanted, deal_type=offered)
    assert _explain(match.reasons)[3] == expected


def test_family_parts_and_description_matches_say_how_they_met():
    match = rules.score(
        rules.Side(),
        rules.query_terms("白菜保鲜 导热膜 冷藏"),
        rules.Side(
            title_terms=frozenset(rules.terms("一种蔬菜保鲜柜的导热结构")),
            body_terms=frozenset({"冷藏"}),
            title="一种蔬菜保鲜柜的导热结构",
        ),
    )
    assert (
        _explain(match.reasons)[0]
        == "相同词语：白菜（同类：蔬菜）、保鲜、导热膜（部分：导热）、冷藏（见简介）"
    )
    assert _explain(rules.score(rules.Side(), rules.query_terms("封装"), rules.Side()).reasons)[:2] == [
        "没有相同的词语",
        "无共同的 IPC 分类",
    ]


def test_reasons_stored_before_the_facts_were_recorded_still_read():
    old = [
        {"factor": "text", "score": 28.8, "matched": [{"term": "动力电池", "as": "电池", "where": "title"}]},
        {"factor": "ipc", "score": 18.0, "level": "subclass", "shared": "H01M"},
        {"factor": "budget", "score": 10.0, "fit": "within_budget"},
        {"factor": "deal_type", "score": 10.0},
    ]
    assert _explain(old) == [
        "相同词语：动力电池（近义：电池）",
        "同属 IPC 小类 H01M（H 部：电学）",
        "在预算内",
        "交易方式",
    ]
    with translation.override("en"):
        assert explain.reason_text(old[1]) == "Same IPC subclass H01M (section H: Electricity)"


def test_the_score_is_a_bar_from_0_to_100():
    assert explain.explained(72.46, [])["percent"] == 72
    assert explain.explained(130, [])["percent"] == 100
    assert explain.explained(None, [])["percent"] == 0
    assert explain.explained(65, [])["tone"] == "success"


@pytest.fixture
def rail_listing(qingdao, seller):
    asset = make_asset(qingdao, seller.org, title="一种钢轨焊缝超声波探伤装置", ipc=("G01N 29/04",))
    return create_listing(qingdao, seller, [asset], price="350000.00")


@pytest.mark.django_db
def test_the_api_keeps_the_codes_and_adds_the_words(qingdao, seller, buyer, rail_listing):
    from trading import services

    from .conftest import as_actor

    with city_scope(qingdao):
        br = services.buy_request_create(
            actor=as_actor(buyer, qingdao),
            title="铁轨焊缝探伤",
            ipc_codes=["G01N 29/06"],
            budget_max=Decimal("400000"),
            deal_types=["assignment"],
        )
    (row,) = buyer.client().get(url(qingdao, f"buy-requests/{br.pk}/matches/")).json()["results"]
    reasons = {r["factor"]: r for r in row["reasons"]}
    assert set(reasons) == {"text", "ipc", "budget", "deal_type"}
    assert {"term": "铁轨", "as": "钢轨", "where": "title", "via": "thesaurus"} in reasons["text"]["matched"]
    assert (reasons["ipc"]["level"], reasons["ipc"]["shared"]) == ("group", "G01N 29")
    assert (reasons["budget"]["fit"], reasons["budget"]["price"], reasons["budget"]["budget_max"]) == (
        "within_budget",
        "350000.00",
        "400000.00",
    )
    assert "budget_min" not in reasons["budget"]
    assert (reasons["deal_type"]["fit"], reasons["deal_type"]["offered"]) == ("same", "assignment")
    assert reasons["text"]["text"] == "相同词语：铁轨（近义：钢轨）、焊缝、探伤"
    assert reasons["budget"]["text"] == "挂牌价 35.00 万元，在预算（不超过 40.00 万元）内"
    # The seller's side: the buy requests that match a listing explain themselves the same way.
    (mine,) = seller.client().get(url(qingdao, f"listings/{rail_listing.pk}/matches/")).json()["results"]
    assert [r["text"] for r in mine["reasons"]] == [r["text"] for r in row["reasons"]]


@pytest.mark.django_db
def test_the_buy_request_page_shows_the_bar_and_the_words(client, qingdao, seller, buyer, rail_listing):
    client.force_login(buyer.user)
    created = client.post("/qingdao/trading/buy-requests/new/", {"title": "铁轨焊缝探伤", "budget_max": "40"})
    page = client.get(created["Location"]).content.decode()
    assert 'role="progressbar"' in page and 'aria-valuenow="' in page
    assert "铁轨（近义：钢轨）" in page and "挂牌价 35.00 万元" in page
    assert "≈" not in page
