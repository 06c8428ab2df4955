"""The match score of a listing against a buy request, 0–100, from four signals (text, IPC, budget, deal
type), and its reasons, which `trading.explain` words."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from .fit import budget_fit, deal_fit, deal_fit_reason
from .ipc import ipc_overlap
from .text import QueryTerm, canonical, normalize_text, raw_terms, term_weight

#: Weights of the four signals; text and IPC dominate, IPC is the strong structured signal.
WEIGHTS = {"text": 0.5, "ipc": 0.3, "budget": 0.1, "deal": 0.1}
#: A match below this (0–100) is noise and not shown.
MIN_SCORE = 20.0
#: Credit of a query word by where and how a listing has it, as a share of the word's weight. The word
#: itself (or its domain synonym: both are one canonical term) in the title earns it all. Everything the
#: thesaurus finds earns less than the word itself anywhere, the body included: never may a listing that
#: only says a synonym outrank one that says the word.
BODY_SHARE = 0.5
PART_SHARE = 0.4
THESAURUS_SHARE = 0.45
RELATED_SHARE = 0.3
#: Where a thesaurus word is found in the body rather than the title, it earns this share of the above.
THESAURUS_BODY = 0.5


@dataclass
class Side:
    """What one side of a match says: canonical title and body terms, IPC, price/budget, deal types,
    and (when known) the title as written, to name the listing's own word in an explanation."""

    title_terms: frozenset[str] = frozenset()
    body_terms: frozenset[str] = frozenset()
    ipc_codes: tuple[str, ...] = ()
    price: Decimal | None = None
    budget_min: Decimal | None = None
    budget_max: Decimal | None = None
    deal_types: tuple[str, ...] = ()
    region: str = ""
    title: str = ""


@dataclass
class Match:
    score: float
    reasons: list[dict] = field(default_factory=list)


def _found(words: frozenset[str], title, body) -> tuple[str, str]:
    """(the first of `words` the listing has, "title" or "body"), or ("", "")."""
    if not words.isdisjoint(title):
        return min(words & title), "title"
    if not words.isdisjoint(body):
        return min(words & body), "body"
    return "", ""


def term_credit(q: QueryTerm, title, body) -> tuple[float, str, str, str]:
    """How much of query word `q` a listing's terms give: (share 0–1, how, where, the term found).

    how: "exact" (the word, or its domain synonym), "part" (parts of a long word), "thesaurus" (a synonym)
    or "related" (a broader or narrower term); where: "title", "body" or "part".
    """
    if q.term in title:
        return 1.0, "exact", "title", q.term
    if q.term in body:
        return BODY_SHARE, "exact", "body", q.term
    best = (0.0, "", "", "")
    if q.parts:
        got, found = 0.0, []
        for i, part in enumerate(q.parts):
            if part in title or part in body:
                got += 1.0 if part in title else BODY_SHARE
                found.append(part)
            elif q.part_synonyms and q.part_synonyms[i]:
                synonym, where = _found(q.part_synonyms[i], title, body)
                if synonym:
                    got += THESAURUS_SHARE * (1.0 if where == "title" else THESAURUS_BODY)
                    found.append(synonym)
        if got:
            best = (PART_SHARE * got / len(q.parts), "part", "part", " ".join(found))
    for words, weight, how in (
        (q.synonyms, THESAURUS_SHARE, "thesaurus"),
        (q.related, RELATED_SHARE, "related"),
    ):
        if words and weight > best[0]:
            synonym, where = _found(words, title, body)
            share = weight if where == "title" else weight * THESAURUS_BODY
            if synonym and share > best[0]:
                best = (share, how, where, synonym)
    return best


def text_relevance(query: list[QueryTerm], title_terms, body_terms) -> tuple[float, list[dict]]:
    """Weighted share of the query's words a listing has (`term_credit`), and what it found for each."""
    if not query:
        return 0.0, []
    total = sum(term_weight(q.term) for q in query)
    got = 0.0
    matched = []
    for q in query:
        share, how, where, found = term_credit(q, title_terms, body_terms)
        if share:
            got += term_weight(q.term) * share
            matched.append({"term": q.written, "as": found, "where": where, "via": how})
    return min(got / total, 1.0), matched


class Scorer:
    """The score alone, fast, for ranking many candidates; `score()` then explains the few shown."""

    def __init__(self, demand: Side, query: list[QueryTerm]):
        self.demand = demand
        self.query = [(q, term_weight(q.term)) for q in query]
        self.total_weight = sum(w for _q, w in self.query) or 1.0

    def total(self, offer: Side) -> float:
        got = 0.0
        title, body = offer.title_terms, offer.body_terms
        for q, w in self.query:
            if q.term in title:  # the common case, without the call
                got += w
            else:
                got += w * term_credit(q, title, body)[0]
        text = min(got / self.total_weight, 1.0) if self.query else 0.0
        ipc = ipc_overlap(self.demand.ipc_codes, offer.ipc_codes)[0]
        budget = budget_fit(offer.price, self.demand.budget_min, self.demand.budget_max)[0]
        deal = deal_fit(self.demand.deal_types, offer.deal_types[0] if offer.deal_types else "")
        total = 100 * (
            WEIGHTS["text"] * text
            + WEIGHTS["ipc"] * ipc
            + WEIGHTS["budget"] * budget
            + WEIGHTS["deal"] * deal
        )
        if self.demand.region and offer.region and self.demand.region == offer.region:
            total = min(100.0, total + 2)
        if text == 0 and ipc == 0:
            total = min(total, MIN_SCORE - 1)
        return round(total, 1)


def _written_in(title: str, term: str) -> str:
    """The listing's own word for canonical `term`, as its title writes it (芯片 → 集成电路), or `term`."""
    if not title or term in normalize_text(title):
        return term  # written as it is: no need to cut the title again
    return _title_words(title).get(term, term)


@lru_cache(maxsize=10_000)
def _title_words(title: str) -> dict[str, str]:
    """canonical term → the title's word for it. The longest: search mode also yields a long word's parts
    (锂电 of 锂电池), each with the same canonical term."""
    words: dict[str, str] = {}
    for token in raw_terms(title):
        term = canonical(token)
        if len(token) > len(words.get(term, "")):
            words[term] = token
    return words


def _amounts(**amounts: Decimal | None) -> dict[str, str]:
    """The amounts that are set, as strings in 元 (a negotiable price or an open budget end is left out)."""
    return {name: f"{amount:.2f}" for name, amount in amounts.items() if amount is not None}


def score(demand: Side, demand_query: list[QueryTerm], offer: Side) -> Match:
    """Score one listing (`offer`) against one buy request (`demand`), 0–100, with reasons.

    Each reason keeps its codes (factor, level, fit, via) for machines and the facts a person needs to
    read it (`trading.explain` words them): the words found and the listing's own word for each ("as",
    and "domain" when only the domain table made them meet), the shared IPC symbol, the price against the
    budget (元), the deal types."""
    text, matched = text_relevance(demand_query, offer.title_terms, offer.body_terms)
    for item in matched:
        if item["via"] in ("exact", "thesaurus", "related") and item["where"] == "title":
            item["as"] = _written_in(offer.title, item["as"])
        if item["via"] == "exact" and item["as"] != item["term"]:
            item["via"] = "domain"
    ipc, level, shared = ipc_overlap(demand.ipc_codes, offer.ipc_codes)
    budget, budget_reason = budget_fit(offer.price, demand.budget_min, demand.budget_max)
    offered = offer.deal_types[0] if offer.deal_types else ""
    deal = deal_fit(demand.deal_types, offered)
    total = 100 * (
        WEIGHTS["text"] * text + WEIGHTS["ipc"] * ipc + WEIGHTS["budget"] * budget + WEIGHTS["deal"] * deal
    )
    if demand.region and offer.region and demand.region == offer.region:
        total = min(100.0, total + 2)
    if text == 0 and ipc == 0:
        total = min(total, MIN_SCORE - 1)  # budget and deal type alone are no match
    reasons = [
        {"factor": "text", "score": round(100 * WEIGHTS["text"] * text, 1), "matched": matched},
        {"factor": "ipc", "score": round(100 * WEIGHTS["ipc"] * ipc, 1), "level": level, "shared": shared},
        {
            "factor": "budget",
            "score": round(100 * WEIGHTS["budget"] * budget, 1),
            "fit": budget_reason,
            **_amounts(price=offer.price, budget_min=demand.budget_min, budget_max=demand.budget_max),
        },
        {
            "factor": "deal_type",
            "score": round(100 * WEIGHTS["deal"] * deal, 1),
            "fit": deal_fit_reason(demand.deal_types, offered),
            "offered": offered,
            "wanted": list(demand.deal_types),
        },
    ]
    return Match(round(total, 1), reasons)
