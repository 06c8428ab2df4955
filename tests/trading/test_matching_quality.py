"""Matching quality on a labelled set (`matching_cases`): how often the right listing is in the top 3.

Both parts are measured; each has its own floor. The held-out part was never used to tune anything,
so its figure says how the matcher does on requests nobody fitted it to. The floors sit a little
below what the matcher reaches (see the figures printed with `-s`), so a change that loses a few
cases fails.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from ipops.demo_data import INDUSTRY_CORPUS, make_title, rng_for
from ipops.tenancy import city_scope
from tests.conftest import make_asset
from trading import selectors, services

from .conftest import as_actor, party
from .matching_cases import DISTRACTORS, HELD_OUT, TUNING, Case

pytestmark = pytest.mark.django_db

CASES: dict[str, Case] = {**TUNING, **HELD_OUT}
#: Floors (share of cases) a little below the measured figures (with the thesaurus: tuning top-3 100 %,
#: top-1 92.4 %; held-out top-3 100 %, top-1 87.5 %; reverse top-3 100 %): losing two or three cases fails.
TUNING_FLOOR = 0.95
HELD_OUT_FLOOR = 0.925
REVERSE_FLOOR = 0.95
#: Top-1: the stricter measure, where a synonym decides between near misses that share every other word.
TUNING_TOP1_FLOOR = 0.88
HELD_OUT_TOP1_FLOOR = 0.825


def _list(city, seller, title, ipc, deal_type="assignment", price=None, abstract=""):
    asset = make_asset(city, seller.org, title=title, ipc=(ipc,), abstract=abstract)
    with city_scope(city):
        return services.listing_create(
            actor=as_actor(seller, city),
            asset_ids=[asset.pk],
            deal_type=deal_type,
            asking_price=str(price) if price else None,
            negotiable=price is None,
            publish=True,
        )


@pytest.fixture
def market(qingdao):
    sellers = [party(qingdao, name=f"卖方{i}") for i in range(4)]
    buyer = party(qingdao, name="买方企业")
    targets = {}
    for i, (key, case) in enumerate(CASES.items()):
        title, abstract, ipc, deal, price = case.listing
        targets[key] = _list(qingdao, sellers[i % 4], title, ipc, deal, price, abstract).pk
    for i, (title, ipc) in enumerate(DISTRACTORS):
        _list(qingdao, sellers[i % 4], title, ipc, price=300000)
    # Background: the demo's generated listings of every industry.
    rnd = rng_for("matching-quality")
    for i in range(120):
        title, abstract, ipc = make_title(rnd, list(INDUSTRY_CORPUS)[i % len(INDUSTRY_CORPUS)])
        asset = make_asset(
            qingdao,
            sellers[i % 4].org,
            title=title,
            ipc=ipc,
            abstract=abstract,
            filing_date=datetime.date(2018, 3, 1),
        )
        with city_scope(qingdao):
            services.listing_create(
                actor=as_actor(sellers[i % 4], qingdao),
                asset_ids=[asset.pk],
                deal_type="assignment",
                asking_price="250000",
                publish=True,
            )
    return buyer, targets


def _post(me, case: Case):
    title, keywords, ipc, budget_max, deal_types = case.request
    return services.buy_request_create(
        actor=me,
        title=title,
        keywords=keywords,
        ipc_codes=[ipc] if ipc else [],
        budget_max=Decimal(budget_max) if budget_max else None,
        deal_types=deal_types,
    )


def _reverse(listing):
    from trading import search
    from trading.models import BuyRequest

    scored = search.match_buy_requests(listing, limit=3)
    rows = BuyRequest.objects.in_bulk([pk for pk, _m in scored])
    return [rows[pk] for pk, _m in scored]


def _rate(ranks: dict[str, int | None], within: int) -> float:
    return sum(1 for r in ranks.values() if r is not None and r <= within) / len(ranks)


def test_the_right_listing_is_in_the_top_three_on_both_parts(qingdao, market):
    buyer, targets = market
    me = as_actor(buyer, qingdao)
    ranks: dict[str, dict[str, int | None]] = {"tuning": {}, "held_out": {}}
    reverse_misses = []
    with city_scope(qingdao):
        for part, cases in (("tuning", TUNING), ("held_out", HELD_OUT)):
            for key, case in cases.items():
                br = _post(me, case)
                top = [listing.pk for listing, _m in selectors.buy_request_matches(me, br, limit=10)]
                ranks[part][key] = top.index(targets[key]) + 1 if targets[key] in top else None
        for key, listing_pk in targets.items():
            listing = selectors.listing_get(me, listing_pk)
            if CASES[key].request[0] not in [br.title for br in _reverse(listing)]:
                reverse_misses.append(key)
    reverse_rate = 1 - len(reverse_misses) / len(targets)
    for part, found in ranks.items():
        # Top-1 is reported too: near misses share every word but the subject, so top-3 is lenient.
        print(
            f"\nmatching {part}: top-3 {_rate(found, 3):.1%}, top-1 {_rate(found, 1):.1%} of {len(found)}; "
            f"not top-3: { {k: r for k, r in found.items() if r is None or r > 3} }; "
            f"second or third: {[k for k, r in found.items() if r in (2, 3)]}"
        )
    print(f"matching reverse: top-3 {reverse_rate:.1%}; missed {reverse_misses}")
    misses = {part: [k for k, r in found.items() if r is None or r > 3] for part, found in ranks.items()}
    assert _rate(ranks["tuning"], 3) >= TUNING_FLOOR, f"tuning top-3 missed {misses['tuning']}"
    assert _rate(ranks["held_out"], 3) >= HELD_OUT_FLOOR, f"held-out top-3 missed {misses['held_out']}"
    assert _rate(ranks["tuning"], 1) >= TUNING_TOP1_FLOOR
    assert _rate(ranks["held_out"], 1) >= HELD_OUT_TOP1_FLOOR
    assert reverse_rate >= REVERSE_FLOOR, f"reverse top-3 {reverse_rate:.0%}; missed {reverse_misses}"


def test_the_labelled_set_covers_every_key_industry_in_both_parts():
    assert len(CASES) >= 100 and not TUNING.keys() & HELD_OUT.keys()
    for part in (TUNING, HELD_OUT):
        industries = {case.industry for case in part.values()}
        assert set(INDUSTRY_CORPUS) <= industries, set(INDUSTRY_CORPUS) - industries


def test_every_match_explains_itself(qingdao, market):
    buyer, targets = market
    me = as_actor(buyer, qingdao)
    with city_scope(qingdao):
        br = services.buy_request_create(
            actor=me, title="求购芯片晶圆级封装技术", budget_max=Decimal("1500000")
        )
        (listing, match), *_ = selectors.buy_request_matches(me, br, limit=1)
    assert listing.pk == targets["chip_pkg"]
    reasons = {r["factor"]: r for r in match.reasons}
    assert set(reasons) == {"text", "ipc", "budget", "deal_type"}
    matched = {m["term"]: m for m in reasons["text"]["matched"]}
    # Found through its domain synonym: the listing's own word is named, and how they met.
    assert (matched["芯片"]["as"], matched["芯片"]["via"]) == ("集成电路", "domain")
    assert reasons["budget"]["fit"] == "within_budget"
    assert match.score == pytest.approx(sum(r["score"] for r in match.reasons), abs=0.2)
