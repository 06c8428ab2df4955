"""Search and matching reads: PostgreSQL full-text search (the `simple` configuration over
pre-tokenised terms, GIN index) with a bounded number of rows ranked per query.

Why bounded: a broad query can match hundreds of thousands of listings, and ranking them all
costs seconds. Each query first takes at most `MAX_CANDIDATES` matching ids straight from the
GIN index (no ranking), from the most selective form of the query to the broadest — every word
(AND), then any two words, then any word (ranked OR) — and only those rows are ranked.

Searches run with the city's database wall lifted (`finds_ids_through_indexes`): behind
row-level security PostgreSQL will not use the GIN indexes or a price condition at all.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass, field
from functools import lru_cache

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from ipops.ids import normalize_ipc_prefix
from ipops.tenancy import database_wall_lifted

from . import rules
from .models import PUBLIC_LISTING_STATUSES, BuyRequest, BuyRequestStatus, Listing, title_vector

#: Rows taken from the index per query form before ranking; bounds the work of a broad query.
MAX_CANDIDATES = 300
#: Results a search returns at most (pages beyond are not offered; "300+" is shown instead).
MAX_RESULTS = 300
#: Newest rows a filtered browse looks through before it asks the filter indexes instead.
BROWSE_WINDOW = 20_000
#: How much wider the second window is, when the first held some matches but not enough.
WIDEN = 16
#: Candidates per signal when matching one buy request or listing.
MATCH_CANDIDATES = 120
#: Stop widening the text query once this many candidates are found.
ENOUGH = 40


@dataclass
class SearchResult:
    ids: list[int]
    mode: str = ""  # "and", "pairs", "or", "related" (only thesaurus words found) or "" (no text)
    capped: bool = False
    terms: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.ids)


def finds_ids_through_indexes(search):
    """Run a search with the city's database wall lifted (`ipops.tenancy.database_wall_lifted`).

    Its conditions — full text `@@`, IPC prefixes and asset kinds `@>`/`&&`, prices — are not LEAKPROOF, so
    behind row-level security PostgreSQL tests them only after the policy, row by row: no GIN index, no
    price range, every listing of the city read (at 100,000 listings, text search 5x slower, p95 10x).
    The city's scope stays on in Python, so every queryset here is filtered to the city, and a search
    returns ids (and scores) only: callers load the rows behind the wall.
    """

    @functools.wraps(search)
    def lifted(*args, **kwargs):
        with database_wall_lifted():
            return search(*args, **kwargs)

    return lifted


def _ts(raw: str) -> SearchQuery:
    return SearchQuery(raw, search_type="raw", config="simple")


def apply_filters(
    qs: QuerySet,
    *,
    ipc: str = "",
    kind: str = "",
    deal_type: str = "",
    price_min=None,
    price_max=None,
    industry: str = "",
    seller: int | None = None,
    visibility: str = "",
) -> QuerySet:
    if ipc:
        qs = qs.filter(ipc_prefixes__contains=[normalize_ipc_prefix(ipc)])
    if kind:
        qs = qs.filter(asset_kinds__contains=[kind])
    if deal_type:
        qs = qs.filter(deal_type=deal_type)
    if price_min is not None:
        qs = qs.filter(asking_price__gte=price_min)
    if price_max is not None:
        qs = qs.filter(asking_price__lte=price_max)
    if industry:
        qs = qs.filter(industry=industry)
    if seller:
        qs = qs.filter(seller_id=seller)
    if visibility:
        qs = qs.filter(visibility=visibility)
    return qs


def ranked_ids(
    base: QuerySet, q: str, *, order_without_text=("-published_at", "-id"), limit: int = MAX_RESULTS
) -> SearchResult:
    """Ids of `base` ranked for the text `q` (bounded), or newest first when there is no text."""
    query = rules.query_terms(q) if q and q.strip() else []
    if not query:
        ids = list(base.order_by(*order_without_text).values_list("pk", flat=True)[: limit + 1])
        return SearchResult(ids[:limit], "", len(ids) > limit)
    return _ranked_text(base, query, order_without_text, limit)


@finds_ids_through_indexes
def _ranked_text(
    base: QuerySet, query: list[rules.QueryTerm], order_without_text, limit: int
) -> SearchResult:
    words = [t.term for t in query]
    rank_raw = rules.tsquery(words, "or")
    modes = ["and"] + (["pairs"] if len(words) > 2 else []) + (["or"] if len(words) > 1 else [])
    for mode in modes:
        ids = _rank_candidates(base, rules.tsquery(words, mode), rank_raw, order_without_text, limit)
        if ids:
            return SearchResult(ids, mode, len(ids) >= MAX_CANDIDATES, words)
    # Nothing says the words themselves: what says their synonyms (or family), ranked by those.
    groups = [t.alternatives for t in query if t.alternatives]
    if groups:
        related = rules.tsquery_groups(groups, "or")
        ids = _rank_candidates(base, related, related, order_without_text, limit)
        if ids:
            return SearchResult(ids, "related", len(ids) >= MAX_CANDIDATES, words)
    return SearchResult([], modes[-1], False, words)


def _sort_keys(order) -> list[str]:
    """The columns an `order_by` tuple sorts on besides the primary key, which every caller selects as "pk"."""
    return [f.lstrip("-") for f in order if f.lstrip("-") not in ("pk", "id")]


def _order_sql(order, alias: str = "c") -> str:
    """`order` as an ORDER BY clause over a subquery `alias` that selected "pk" and `_sort_keys(order)`."""
    quote = connection.ops.quote_name
    return ", ".join(
        f"{alias}.{quote('pk' if f.lstrip('-') in ('pk', 'id') else f.lstrip('-'))} "
        f"{'DESC' if f.startswith('-') else 'ASC'}"
        for f in order
    )


def _rank_candidates(base: QuerySet, match_raw: str, rank_raw: str, tie_break, limit: int) -> list[int]:
    """Take at most MAX_CANDIDATES rows matching `match_raw` straight from the GIN index, then rank only those.

    The candidate query is the ORM's (so every filter and the city scope apply); the ranking around it is
    one line of SQL, because Django's SearchRank over a `pk__in` subquery plans and runs ~3x slower here.
    Unordered inside on purpose: LIMIT then stops the heap scan early instead of sorting every match.
    """
    columns = ("pk", "search_vector", *_sort_keys(tie_break))
    inner = base.filter(search_vector=_ts(match_raw)).order_by().values(*columns)[:MAX_CANDIDATES]
    sql, params = inner.query.sql_with_params()
    prefix = ""
    if base.model is Listing:
        # Titles first: a broad word matches thousands of abstracts, and an arbitrary few hundred of those
        # would crowd out the listings whose titles say it. So the pool is the title matches (their own
        # index); only when they don't fill it do the other matches join. PostgreSQL checks that condition
        # once, before running the second query, so a broad query still costs one index scan.
        titled = (
            base.annotate(title_vector=title_vector())
            .filter(title_vector=_ts(match_raw))
            .order_by()
            .values(*columns)[:MAX_CANDIDATES]
        )
        title_sql, title_params = titled.query.sql_with_params()
        prefix = f"WITH titled AS MATERIALIZED ({title_sql}) "
        sql = f"SELECT * FROM titled UNION SELECT * FROM ({sql}) f WHERE (SELECT count(*) FROM titled) < %s"  # noqa: S608 - the ORM's own SQL
        params = (*title_params, *params, MAX_CANDIDATES)
    quote = connection.ops.quote_name
    ranked = (
        f"{prefix}SELECT c.{quote('pk')} FROM ({sql}) c "  # noqa: S608 - identifiers are our own field names
        f"ORDER BY ts_rank(c.{quote('search_vector')}, to_tsquery('simple', %s)) DESC, {_order_sql(tie_break)} "
        f"LIMIT %s"
    )
    with connection.cursor() as cur:
        cur.execute(ranked, [*params, rank_raw, limit])
        return [row[0] for row in cur.fetchall()]


def listing_search(base: QuerySet, *, q: str = "", **filters) -> SearchResult:
    given = {k: v for k, v in filters.items() if v not in (None, "")}
    filtered = apply_filters(base, **given)
    if not given or (q and q.strip() and rules.query_terms(q)):
        return ranked_ids(filtered, q)  # ranked text, or the unfiltered newest-first walk that stops at once
    # An industry or a deal type has its own newest-first index: walk that one, however rare the value.
    exact = next(({k: given[k]} for k in ("industry", "deal_type") if k in given), {})
    if given.keys() == exact.keys():
        return ranked_ids(filtered, "")
    return newest_filtered(apply_filters(base, **exact), filtered)


def _newest_since(filtered: QuerySet, order, lead: str, edge, limit: int) -> list[int]:
    return list(
        filtered.filter(**{f"{lead}__gte": edge}).order_by(*order).values_list("pk", flat=True)[: limit + 1]
    )


@finds_ids_through_indexes
def newest_filtered(
    base: QuerySet, filtered: QuerySet, *, order=("-published_at", "-id"), limit: int = MAX_RESULTS
) -> SearchResult:
    """The newest `limit` rows of `filtered` (a subset of `base` that an index walks in `order`), without
    the planner's worst gamble.

    Walking the newest-first index until `limit` rows pass the filters is fast when they are common and
    reads the whole table when they are rare (a design patent filter in a city of inventions: seconds).
    So look only at the newest `BROWSE_WINDOW` rows of `base` first (the market index carries the filter
    columns, so that is an index-only scan); when they hold enough matches, those are the answer. When
    they hold some, a window `WIDEN` times wider probably does. When they hold none, the filters are rare:
    collect every match through the filter indexes, then sort those few.
    """
    lead = order[0].lstrip("-")
    edge = next(
        iter(base.order_by(*order).values_list(lead, flat=True)[BROWSE_WINDOW : BROWSE_WINDOW + 1]), None
    )
    if edge is None:  # the base is smaller than the window (or has unset sort keys): a bounded walk
        return ranked_ids(filtered, "", order_without_text=order, limit=limit)
    recent = _newest_since(filtered, order, lead, edge, limit)
    if len(recent) > limit:
        return SearchResult(recent[:limit], "", True)
    if recent and isinstance(edge, datetime.datetime) and len(recent) * WIDEN > limit:
        # Some matches, not enough: a window WIDEN times as long in time (so about as many times the rows,
        # with no index walk to find its edge) probably holds enough.
        now = timezone.now()
        recent = _newest_since(filtered, order, lead, now - (now - edge) * WIDEN, limit)
        if len(recent) > limit:
            return SearchResult(recent[:limit], "", True)
    sql, params = filtered.order_by().values("pk", *_sort_keys(order)).query.sql_with_params()
    # MATERIALIZED: evaluate the filters through their indexes first; inlined, the planner would walk again.
    with connection.cursor() as cur:
        cur.execute(
            f"WITH c AS MATERIALIZED ({sql}) "  # noqa: S608 - identifiers are our own field names
            f'SELECT c."pk" FROM c ORDER BY {_order_sql(order)} LIMIT %s',
            [*params, limit + 1],
        )
        ids = [row[0] for row in cur.fetchall()]
    return SearchResult(ids[:limit], "", len(ids) > limit)


# --- matching -----------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _query_of(title: str, keywords: str, description: str) -> tuple[rules.QueryTerm, ...]:
    query = rules.query_terms(f"{title} {keywords}")
    if len(query) < 2:
        query += [t for t in rules.query_terms(description) if t.term not in {q.term for q in query}][:6]
    return tuple(query)


def demand_query(br) -> list[rules.QueryTerm]:
    """What a buy request asks for: the words of its title and keywords (its description if they're few)."""
    return list(_query_of(br.title, br.keywords, br.description))


def _groups(query: list[rules.QueryTerm]) -> list[tuple[str, ...]]:
    """Each query word with the thesaurus words that may stand for it in the index."""
    return [(q.term, *q.alternatives) for q in query]


def _candidates(
    base: QuerySet, groups: list[tuple[str, ...]], ipc_codes: list[str], fields
) -> dict[int, dict]:
    """Candidate rows (with the columns scoring needs) by text, most selective query form first, then by IPC
    (main group, then subclass). Each query is unordered and limited, so none ranks a broad match set.
    A word matches through any of its group (its thesaurus alternatives); scoring then gives those less."""
    found: dict[int, dict] = {}

    def take(qs) -> int:
        before = len(found)
        for row in qs.order_by().values(*fields)[:MATCH_CANDIDATES]:
            found.setdefault(row["pk"], row)
        return len(found) - before

    titled = base.annotate(title_vector=title_vector()) if base.model is Listing else None
    for mode in ["and"] + (["pairs"] if len(groups) > 2 else []) + (["or"] if len(groups) > 1 else []):
        raw = rules.tsquery_groups(groups, mode)
        if not raw:
            break
        if titled is not None:  # titles first, as in search: abstracts' mentions must not crowd them out
            take(titled.filter(title_vector=_ts(raw)))
        take(base.filter(search_vector=_ts(raw)))
        if len(found) >= ENOUGH:
            break
    levels = [rules.ipc_levels(c) for c in ipc_codes]
    for level in ("group", "subclass"):
        prefixes = sorted({lv[level] for lv in levels if lv})
        if not prefixes or take(base.filter(ipc_prefixes__overlap=prefixes)) >= ENOUGH:
            break
    return found


def _listing_side(row: dict) -> rules.Side:
    return rules.Side(
        title_terms=frozenset(row["title_terms"].split()),
        body_terms=frozenset(row["body_terms"].split()),
        ipc_codes=tuple(row["ipc_codes"]),
        price=row["asking_price"],
        deal_types=(row["deal_type"],),
        region=row["region"],
        title=row["title"],
    )


def _demand_side(br) -> rules.Side:
    return rules.Side(
        ipc_codes=tuple(br.ipc_codes),
        budget_min=br.budget_min,
        budget_max=br.budget_max,
        deal_types=tuple(br.deal_types),
        region=br.region,
    )


_LISTING_FIELDS = (
    "pk",
    "title",
    "title_terms",
    "body_terms",
    "ipc_codes",
    "asking_price",
    "deal_type",
    "region",
)


@finds_ids_through_indexes
def match_listings(br, *, base: QuerySet | None = None, limit: int = 20) -> list[tuple[int, rules.Match]]:
    """Listings on the market ranked for a buy request: [(listing id, match with reasons)], best first."""
    base = base if base is not None else Listing.objects.filter(status__in=PUBLIC_LISTING_STATUSES)
    base = base.exclude(seller_id=br.buyer_id)
    query = demand_query(br)
    rows = _candidates(base, _groups(query), br.ipc_codes, _LISTING_FIELDS)
    demand = _demand_side(br)
    scorer = rules.Scorer(demand, query)
    scored = [(pk, scorer.total(_listing_side(row))) for pk, row in rows.items()]
    scored = sorted(
        (item for item in scored if item[1] >= rules.MIN_SCORE), key=lambda item: (-item[1], -item[0])
    )
    return [(pk, rules.score(demand, query, _listing_side(rows[pk]))) for pk, _total in scored[:limit]]


_BR_FIELDS = (
    "pk",
    "title",
    "keywords",
    "description",
    "ipc_codes",
    "budget_min",
    "budget_max",
    "deal_types",
    "region",
)


@finds_ids_through_indexes
def match_buy_requests(
    listing, *, base: QuerySet | None = None, limit: int = 20
) -> list[tuple[int, rules.Match]]:
    """Open buy requests ranked for a listing, scored exactly as the buy request would score the listing."""
    base = base if base is not None else BuyRequest.objects.filter(status=BuyRequestStatus.OPEN)
    base = base.exclude(buyer_id=listing.seller_id)
    query = rules.query_terms(f"{listing.title} {listing.keywords}")
    rows = _candidates(base, _groups(query), listing.ipc_codes, _BR_FIELDS)
    offer = rules.Side(
        title_terms=frozenset(listing.title_terms.split()),
        body_terms=frozenset(listing.body_terms.split()),
        ipc_codes=tuple(listing.ipc_codes),
        price=listing.asking_price,
        deal_types=(listing.deal_type,),
        region=listing.region,
        title=listing.title,
    )
    scored = []
    for row in rows.values():
        br = _Row(row)
        match = rules.score(_demand_side(br), demand_query(br), offer)
        if match.score >= rules.MIN_SCORE:
            scored.append((row["pk"], match))
    scored.sort(key=lambda item: (-item[1].score, -item[0]))
    return scored[:limit]


class _Row:
    def __init__(self, row: dict):
        self.__dict__.update(row)
