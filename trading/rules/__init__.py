"""Pure marketplace rules — no ORM: tokenisation with the domain synonym table, IPC overlap,
budget and deal-type fit, the match score and its explanation, the operations centres' level.

One module per concern: `text` (the synonym table, tokenising, indexing, queries), `ipc`, `fit` (budget and
deal type), `scoring` (the match score) and `centres`. Their public names are all here: `rules.score(…)`.
"""

from trading.rules.centres import (
    CENTRE_MIN_AMOUNT,
    CENTRE_MIN_MEMBERS,
    CENTRE_MIN_PROJECTS,
    centre_meets_national_level,
)
from trading.rules.fit import DEAL_CLOSE, DEAL_FIT, budget_fit, deal_fit, deal_fit_reason
from trading.rules.ipc import IPC_LEVELS, ipc_levels, ipc_overlap, ipc_prefixes
from trading.rules.scoring import (
    BODY_SHARE,
    MIN_SCORE,
    PART_SHARE,
    RELATED_SHARE,
    THESAURUS_BODY,
    THESAURUS_SHARE,
    WEIGHTS,
    Match,
    Scorer,
    Side,
    score,
    term_credit,
    text_relevance,
)
from trading.rules.text import (
    DOMAIN_TERMS,
    MAX_ALTERNATIVES,
    STOPWORDS,
    SYNONYM_GROUPS,
    QueryTerm,
    canonical,
    index_text,
    normalize_text,
    query_terms,
    raw_terms,
    term_weight,
    terms,
    tsquery,
    tsquery_groups,
)

__all__ = [
    "BODY_SHARE",
    "CENTRE_MIN_AMOUNT",
    "CENTRE_MIN_MEMBERS",
    "CENTRE_MIN_PROJECTS",
    "DEAL_CLOSE",
    "DEAL_FIT",
    "DOMAIN_TERMS",
    "IPC_LEVELS",
    "MAX_ALTERNATIVES",
    "MIN_SCORE",
    "Match",
    "PART_SHARE",
    "QueryTerm",
    "RELATED_SHARE",
    "STOPWORDS",
    "SYNONYM_GROUPS",
    "Scorer",
    "Side",
    "THESAURUS_BODY",
    "THESAURUS_SHARE",
    "WEIGHTS",
    "budget_fit",
    "canonical",
    "centre_meets_national_level",
    "deal_fit",
    "deal_fit_reason",
    "index_text",
    "ipc_levels",
    "ipc_overlap",
    "ipc_prefixes",
    "normalize_text",
    "query_terms",
    "raw_terms",
    "score",
    "term_credit",
    "term_weight",
    "terms",
    "text_relevance",
    "tsquery",
    "tsquery_groups",
]
