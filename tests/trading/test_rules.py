"""Pure rules: tokenisation, synonyms, IPC overlap, budget and deal fit, centre thresholds."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trading import rules


def test_synonyms_and_abbreviations_meet_in_one_canonical_term():
    assert "芯片" in rules.terms("一种集成电路封装结构")
    assert "无人机" in rules.terms("无人驾驶航空器自主避障")
    assert "电池管理系统" in rules.terms("ＢＭＳ均衡")  # full-width abbreviation
    assert "荷电状态" in rules.terms("SOC估算")


def test_stopwords_and_single_characters_are_not_terms():
    terms = rules.terms("一种基于深度学习的图像识别方法及其应用")
    assert "一种" not in terms and "方法" not in terms and "的" not in terms
    assert {"深度学习", "图像识别"} <= set(terms)


def test_query_terms_keep_whole_words_with_their_parts():
    (term,) = [t for t in rules.query_terms("石墨烯导热膜") if t.term == "导热膜"]
    assert term.parts == ("导热",)


def test_tsquery_forms_are_safe():
    assert rules.tsquery(["a'b", "芯片"], "and") == "'芯片'"
    assert rules.tsquery(["芯片", "封装", "晶圆"], "pairs").count("&") == 3
    assert rules.tsquery([], "or") == ""


@pytest.mark.parametrize(
    ("wanted", "offered", "level"),
    [
        ("H01M 10/613", "H01M 10/613", "subgroup"),
        ("H01M 10/60", "H01M 10/613", "group"),
        ("H01M 4/00", "H01M 10/613", "subclass"),
        ("H01L 23/31", "H01M 10/613", "class"),
        ("H04L 29/06", "H01M 10/613", "section"),
        ("A61K 31/00", "H01M 10/613", ""),
    ],
)
def test_ipc_overlap_levels(wanted, offered, level):
    assert rules.ipc_overlap([wanted], [offered])[1] == level


def test_ipc_levels_rank_subgroup_above_group_above_subclass():
    scores = [
        rules.ipc_overlap([w], ["H01M 10/613"])[0]
        for w in ("H01M 10/613", "H01M 10/60", "H01M 4/00", "H01L 1/00", "H02J 1/00")
    ]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 5


money = st.decimals(min_value=1, max_value=10**9, places=2)


@given(price=money, low=money, high=money)
def test_budget_fit_is_between_zero_and_one_and_best_within_budget(price, low, high):
    low, high = min(low, high), max(low, high)
    fit, reason = rules.budget_fit(price, low, high)
    assert 0 <= fit <= 1
    if low <= price <= high:
        assert fit == 1.0 and reason == "within_budget"


@given(high=money, extra=st.decimals(min_value=0, max_value=10**6, places=2))
def test_budget_fit_falls_as_the_price_rises_above_budget(high, extra):
    a, _ = rules.budget_fit(high + extra, None, high)
    b, _ = rules.budget_fit(high + extra * 2 + Decimal("0.01"), None, high)
    assert b <= a


def test_deal_fit_prefers_the_deal_asked_for():
    assert rules.deal_fit(["exclusive_licence"], "exclusive_licence") == 1.0
    assert rules.deal_fit(["exclusive_licence"], "non_exclusive_licence") < rules.deal_fit(
        ["exclusive_licence"], "assignment"
    )
    assert rules.deal_fit([], "assignment") == 1.0


def test_no_text_and_no_ipc_is_no_match():
    demand = rules.Side(budget_max=Decimal(100), deal_types=("assignment",))
    offer = rules.Side(title_terms=frozenset({"轮胎"}), price=Decimal(50), deal_types=("assignment",))
    assert rules.score(demand, rules.query_terms("芯片"), offer).score < rules.MIN_SCORE


def test_operations_centre_threshold():
    assert rules.centre_meets_national_level(amount=Decimal("5000000"), projects=0, members=20)
    assert rules.centre_meets_national_level(amount=Decimal(0), projects=10, members=25)
    assert not rules.centre_meets_national_level(amount=Decimal("9000000"), projects=30, members=19)
