"""The general thesaurus (同义词词林) in matching: what it relates, and that it never outranks the word itself."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ipops.tenancy import city_scope
from tests.conftest import make_asset
from trading import rules, search, thesaurus
from trading.models import PUBLIC_LISTING_STATUSES, BuyRequest, Listing

from .conftest import create_listing


def _term(text: str, word: str) -> rules.QueryTerm:
    (found,) = [t for t in rules.query_terms(text) if t.written == word]
    return found


def test_everyday_words_gain_their_synonyms():
    assert "钢轨" in _term("铁轨焊缝探伤", "铁轨").synonyms
    assert "海带" in _term("昆布提取", "昆布").synonyms
    assert {"电动机", "电机"} <= _term("电动车马达", "马达").synonyms
    assert "船舶" in _term("船只清洗", "船只").alternatives  # asked of the index too


def test_a_word_is_related_to_its_family_both_ways():
    assert "蔬菜" in _term("白菜保鲜", "白菜").related
    assert "白菜" in _term("蔬菜保鲜", "蔬菜").related
    assert "蔬菜" not in _term("白菜保鲜", "白菜").alternatives  # a family is too broad to search by


def test_domain_terms_are_left_to_the_domain_table():
    # 词林 files 皮带 (a belt) among the synonyms of 轮胎; the domain table knows better.
    assert thesaurus.relations("轮胎").synonyms
    assert not _term("轮胎胎面", "轮胎").synonyms


def test_words_of_several_meanings_and_loose_classes_gain_nothing():
    assert not _term("控制 电路", "控制").synonyms  # restrain, govern, decide: which one?
    assert not _term("高效", "高效").synonyms  # an adjective: 高效 = 快速 = 神速


def test_a_long_words_parts_have_synonyms_too():
    kelp = _term("昆布多糖", "昆布多糖")
    assert kelp.parts == ("昆布", "多糖") and "海带" in kelp.part_synonyms[0]
    share, how, _where, found = rules.term_credit(kelp, frozenset({"海带", "多糖"}), frozenset())
    assert how == "part" and "海带" in found
    assert share > rules.term_credit(kelp, frozenset({"海参", "多糖"}), frozenset())[0]


def test_thesaurus_credit_stays_below_the_word_itself_anywhere():
    assert rules.THESAURUS_SHARE < rules.BODY_SHARE and rules.RELATED_SHARE < rules.THESAURUS_SHARE
    rail = _term("铁轨探伤", "铁轨")
    exact_in_body = rules.term_credit(rail, frozenset(), frozenset({"铁轨"}))
    synonym_in_title = rules.term_credit(rail, frozenset({"钢轨"}), frozenset())
    assert synonym_in_title[:2] == (rules.THESAURUS_SHARE, "thesaurus")
    assert exact_in_body[0] > synonym_in_title[0]


_WORDS = ["铁轨", "马达", "昆布", "船只", "白菜", "明虾", "伤口", "火车"]


@given(
    words=st.lists(st.sampled_from(_WORDS), min_size=1, max_size=4, unique=True),
    swap=st.data(),
    price=st.none() | st.decimals(min_value=1, max_value=10_000_000, places=2),
)
def test_an_exact_ipc_and_title_match_is_never_outranked_by_synonyms(words, swap, price):
    query = rules.query_terms(" ".join(words))
    demand = rules.Side(ipc_codes=("B61K 9/12",), budget_max=Decimal(500000))
    exact = rules.Side(title_terms=frozenset(q.term for q in query), ipc_codes=("B61K 9/12",), price=price)
    # Any listing that says some words through the thesaurus instead, with the same IPC and price.
    said = set()
    for q in query:
        choice = swap.draw(st.sampled_from(["exact", "synonym", "related", "none"]))
        pool = {"exact": {q.term}, "synonym": q.synonyms, "related": q.related, "none": set()}[choice]
        said |= set(sorted(pool)[:1])
    other = rules.Side(title_terms=frozenset(said), ipc_codes=("B61K 9/12",), price=price)
    assert rules.score(demand, query, exact).score >= rules.score(demand, query, other).score
    scorer = rules.Scorer(demand, query)
    assert scorer.total(exact) >= scorer.total(other)
    assert scorer.total(other) == rules.score(demand, query, other).score  # the fast path agrees


@given(word=st.sampled_from(_WORDS))
def test_saying_a_synonym_instead_of_the_word_never_raises_the_score(word):
    (q,) = rules.query_terms(word)
    demand = rules.Side()
    with_word = rules.score(demand, [q], rules.Side(title_terms=frozenset({q.term})))
    for synonym in sorted(q.synonyms | q.related):
        instead = rules.score(demand, [q], rules.Side(title_terms=frozenset({synonym})))
        assert instead.score < with_word.score


@pytest.mark.django_db
def test_matching_finds_a_listing_named_by_a_synonym_and_ranks_the_word_above_it(qingdao, seller, buyer):
    synonym = create_listing(
        qingdao, seller, [make_asset(qingdao, seller.org, title="一种钢轨焊缝超声波探伤装置")]
    )
    exact = create_listing(
        qingdao, seller, [make_asset(qingdao, seller.org, title="一种铁轨焊缝超声波探伤装置")]
    )
    with city_scope(qingdao):
        br = BuyRequest(city=qingdao, buyer=buyer.org, title="铁轨焊缝探伤", ipc_codes=[])
        ranked = search.match_listings(br)
    assert [pk for pk, _m in ranked[:2]] == [exact.pk, synonym.pk]
    text = ranked[1][1].reasons[0]
    assert {"term": "铁轨", "as": "钢轨", "where": "title", "via": "thesaurus"} in text["matched"]


@pytest.mark.django_db
def test_search_falls_back_to_synonyms_when_nothing_says_the_word(qingdao, seller):
    target = create_listing(qingdao, seller, [make_asset(qingdao, seller.org, title="一种钢轨打磨车")])
    with city_scope(qingdao):
        base = Listing.objects.filter(status__in=PUBLIC_LISTING_STATUSES)
        result = search.listing_search(base, q="铁轨")
        assert (result.ids, result.mode) == ([target.pk], "related")
        assert search.listing_search(base, q="钢轨").mode == "and"


@pytest.mark.django_db
def test_the_market_page_says_when_it_shows_synonyms(client, qingdao, seller, buyer):
    create_listing(qingdao, seller, [make_asset(qingdao, seller.org, title="一种钢轨打磨车")])
    client.force_login(buyer.user)
    page = client.get("/qingdao/market/", {"q": "铁轨"}).content.decode()
    assert "一种钢轨打磨车" in page and "以下为使用其近义词的挂牌" in page
