"""Pure marketplace rules — no ORM: tokenisation with the domain synonym table, IPC overlap,
budget and deal-type fit, the match score and its explanation, the operations centres' level.

Chinese has no spaces. Text is cut by jieba (search mode, so long terms also yield their
parts) with a domain dictionary loaded on top of jieba's own, so technical terms such as
无人驾驶航空器 or 电池管理系统 stay whole. Every term is then mapped to the canonical
term of its synonym group (芯片 = 集成电路 = IC), on both the indexed side and the query
side, so buyers and sellers who name the same thing differently still meet.

Words no domain table lists are widened on the query side only, through a general thesaurus
(`trading.thesaurus`, 同义词词林): its synonyms and, weaker, a word's family (白菜 ↔ 蔬菜). They earn
less than the word itself wherever it is found (`THESAURUS_SHARE`, `RELATED_SHARE` < `BODY_SHARE`), so
an exact match always ranks above a thesaurus one, and the index stays as it is.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

# --- domain dictionary and synonym table ------------------------------------------------

#: Synonym groups: the first term is the canonical one stored in the index.
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("芯片", "集成电路", "ic", "晶片", "微芯片"),
    ("无人机", "无人驾驶航空器", "无人飞行器", "uav", "无人驾驶飞机"),
    ("电池管理系统", "bms", "电池管理单元"),
    ("荷电状态", "soc", "剩余电量"),
    ("人工智能", "ai"),
    ("深度学习", "深度神经网络", "dnn"),
    ("卷积神经网络", "cnn"),
    ("自然语言处理", "nlp"),
    ("发光二极管", "led"),
    ("有机发光二极管", "oled"),
    ("印制电路板", "pcb", "印刷电路板", "线路板"),
    ("电动汽车", "电动车", "ev", "纯电动汽车"),
    ("新能源汽车", "nev"),
    ("充电桩", "充电站", "充电设施"),
    ("锂离子电池", "锂电池", "锂电"),
    ("动力电池", "动力蓄电池", "牵引电池"),
    ("燃料电池", "fcev"),
    ("石墨烯", "graphene"),
    ("碳纤维", "cfrp", "碳纤维复合材料"),
    ("聚乳酸", "pla"),
    ("聚酰亚胺", "pi膜"),
    ("海水淡化", "海水脱盐"),
    ("反渗透", "ro膜"),
    ("水下机器人", "rov", "auv", "水下航行器"),
    ("动车组", "高铁列车", "高速列车", "高速动车组"),
    ("城轨", "地铁", "城市轨道交通"),
    ("转向架", "走行部"),
    ("受电弓", "集电弓"),
    ("变流器", "逆变器", "换流器"),
    ("空调", "空气调节器", "空调器"),
    ("冰箱", "电冰箱", "冰柜"),
    ("洗衣机", "洗衣设备"),
    ("热水器", "热水设备"),
    ("智能家居", "智慧家庭", "智能家电"),
    ("轮胎", "车胎"),
    ("橡胶", "胶料"),
    ("单克隆抗体", "单抗", "mab"),
    ("抗肿瘤", "抗癌"),
    ("核酸检测", "pcr检测", "pcr"),
    ("基因测序", "dna测序", "测序"),
    ("缓释制剂", "缓释剂"),
    ("图像识别", "图像辨识", "视觉识别"),
    ("缺陷检测", "瑕疵检测", "缺陷识别"),
    ("知识图谱", "kg"),
    ("语音识别", "asr"),
    ("语音合成", "tts"),
    ("物联网", "iot"),
    ("第五代移动通信", "5g"),
    ("定位", "导航定位"),
    ("机器人", "机械手"),
    ("数控机床", "cnc"),
    ("永磁同步电机", "pmsm", "永磁电机"),
    ("液冷板", "冷板", "液冷"),
    ("热管理", "温控", "温度管理"),
    ("防腐", "防腐蚀", "耐腐蚀"),
    ("涂料", "涂层"),
    ("导热", "散热"),
    ("传感器", "传感装置"),
)

#: Technical terms jieba's general dictionary would split; kept whole (their parts are still indexed
#: in search mode).
DOMAIN_TERMS: tuple[str, ...] = (
    "无人驾驶航空器",
    "无人飞行器",
    "电池管理系统",
    "荷电状态",
    "集成电路",
    "石墨烯",
    "碳纤维",
    "聚乳酸",
    "聚酰亚胺",
    "反渗透",
    "海水淡化",
    "水下机器人",
    "转向架",
    "受电弓",
    "变流器",
    "动车组",
    "充电桩",
    "锂离子电池",
    "动力电池",
    "燃料电池",
    "单克隆抗体",
    "抗肿瘤",
    "核酸检测",
    "基因测序",
    "缓释制剂",
    "知识图谱",
    "自然语言处理",
    "深度学习",
    "卷积神经网络",
    "图像识别",
    "缺陷检测",
    "永磁同步电机",
    "液冷板",
    "热管理",
    "印制电路板",
    "发光二极管",
    "有机发光二极管",
    "智能家居",
    "物联网",
    "避障",
    "导热膜",
    "稀土永磁",
    "压载水",
    "抗菌肽",
    "密炼机",
    "子午线轮胎",
    "气密层",
    "硫化促进剂",
    "丁苯橡胶",
    "增塑剂",
    "铝合金",
    "牵引变流器",
    "弓网",
    "踏面",
    "除霜",
    "滤网",
    "指纹识别",
    "语音控制",
    "食材识别",
    "海藻酸钠",
    "网箱",
    "浮标",
    "推进器",
    "多糖",
    "缝合线",
    "文库构建",
    "无创",
    "血糖",
    "双碳",
    "储能",
    "电堆",
    "车载充电机",
)

#: Words that occur in nearly every patent title or abstract and say nothing about the subject.
STOPWORDS = frozenset(
    "一种 及其 其 的 和 与 或 及 用于 基于 方法 装置 系统 设备 制备 制备方法 应用 技术 本发明 发明 公开 涉及 领域 "
    "所述 一个 具有 包括 通过 进行 实现 提供 采用 可以 能够 其中 以及 该 为 在 了 是 对 将 由 中 上 下 等 "
    "改进 优化 结构 工艺 参数 问题 现有 效率 成本 可靠性 性能 稳定 易于 产业化 优点 广泛 广泛应用 解决 "
    "制造 制造方法 使用 相关 新型 一类 方面 特别 特别是 以上 以下 至少 多个 若干 求购 需求 寻求 希望 "
    "专利 专利技术 转让 许可 合作 我司 公司 企业".split()
)

_CANONICAL: dict[str, str] = {term: group[0] for group in SYNONYM_GROUPS for term in group}
_TERM_RE = re.compile(r"^[0-9a-z\u3400-\u9fff]+$")

_jieba_lock = threading.Lock()
_jieba = None


def _tokenizer():
    """jieba, initialised once per process with the domain dictionary (it loads lazily, ~1 s)."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tk = jieba.Tokenizer()
                tk.initialize()
                for term in {*DOMAIN_TERMS, *(t for g in SYNONYM_GROUPS for t in g if not t.isascii())}:
                    tk.add_word(term, freq=200_000)
                _jieba = tk
    return _jieba


def normalize_text(text: str) -> str:
    """Full-width to half-width, lower case: ＢＭＳ and bms are one term."""
    return unicodedata.normalize("NFKC", text or "").lower()


def canonical(term: str) -> str:
    return _CANONICAL.get(term, term)


def raw_terms(text: str) -> list[str]:
    """The meaningful terms of `text`, in order, before synonym mapping (duplicates kept)."""
    out = []
    for token in _tokenizer().cut_for_search(normalize_text(text)):
        token = token.strip()
        if not token or token in STOPWORDS or not _TERM_RE.match(token):
            continue
        if len(token) == 1 and not token.isdigit():
            continue  # single characters (的, 性, a) match everything and mean nothing
        out.append(token)
    return out


def terms(text: str) -> list[str]:
    """Canonical terms of `text`, unique, in first-seen order."""
    return list(_terms(text or ""))


@lru_cache(maxsize=50_000)
def _terms(text: str) -> tuple[str, ...]:
    # Titles and stock phrases repeat (一种…及其制备方法); cutting each once per process is enough.
    seen: dict[str, None] = {}
    for token in raw_terms(text):
        seen.setdefault(canonical(token), None)
    return tuple(seen)


def index_text(*parts: str) -> str:
    """Space-separated canonical terms, as stored for the `simple` tsvector."""
    seen: dict[str, None] = {}
    for part in parts:
        for term in terms(part):
            seen.setdefault(term, None)
    return " ".join(seen)


def term_weight(term: str) -> float:
    """Longer terms are more specific: 无人驾驶航空器 says more than 控制."""
    return float(min(len(term), 4)) if not term.isascii() else 2.0


def _valid(token: str) -> bool:
    return (
        bool(token)
        and token not in STOPWORDS
        and bool(_TERM_RE.match(token))
        and (len(token) > 1 or token.isdigit())
    )


@dataclass(frozen=True)
class QueryTerm:
    """One term of a query: canonical form, the word as written, the canonical parts of a long word, and
    what the thesaurus relates to it (canonical forms): synonyms, then broader and narrower terms."""

    term: str
    written: str
    parts: tuple[str, ...] = ()
    synonyms: frozenset[str] = frozenset()
    related: frozenset[str] = frozenset()
    #: the words worth asking the index for besides the term: its first synonyms. A family's words are
    #: generic (车辆, 机械) and would fill the bounded candidate pool; they only score what was found.
    alternatives: tuple[str, ...] = ()
    #: the synonyms of each part, in the order of `parts` (昆布多糖: 昆布 → 海带)
    part_synonyms: tuple[frozenset[str], ...] = ()


#: Thesaurus words asked of the index per query word: a broad word's synonyms must not make the query slow.
MAX_ALTERNATIVES = 6


def _thesaurus_terms(token: str, exclude: set[str]) -> tuple[frozenset[str], frozenset[str], tuple[str, ...]]:
    """(synonyms, related, alternatives) of a query word, canonical and valid, none of them in `exclude`.

    A word of the domain table is left to the table (see `trading.thesaurus`)."""
    if token in _CANONICAL:
        return frozenset(), frozenset(), ()
    from . import thesaurus

    found = thesaurus.relations(token)

    def usable(words) -> list[str]:
        return [c for c in dict.fromkeys(canonical(w) for w in words if _valid(w)) if c not in exclude]

    synonyms = usable(found.synonyms)
    broader = [w for w in usable(found.broader) if w not in synonyms]
    narrower = [w for w in usable(sorted(found.narrower)) if w not in synonyms and w not in broader]
    return (
        frozenset(synonyms),
        frozenset(broader + narrower),
        tuple(synonyms[:MAX_ALTERNATIVES]),
    )


def query_terms(text: str) -> list[QueryTerm]:
    """The words of a query as a person meant them (jieba's precise mode), each with its parts and what
    the thesaurus relates to it.

    A query asks for whole words (导热膜); a listing that only says 导热 still earns part of the credit
    through the parts, and the AND query over whole words stays selective.
    """
    tk = _tokenizer()
    out: dict[str, QueryTerm] = {}
    for token in tk.cut(normalize_text(text)):
        token = token.strip()
        if not _valid(token):
            continue
        parts = tuple(
            dict.fromkeys(
                canonical(p)
                for p in tk.cut_for_search(token)
                if p != token and _valid(p) and canonical(p) != token
            )
        )
        term = canonical(token)
        if term not in out:
            parts = tuple(p for p in parts if p != term)
            synonyms, related, alternatives = _thesaurus_terms(token, {term, *parts})
            part_synonyms = tuple(_thesaurus_terms(p, {term, *parts})[0] for p in parts)
            out[term] = QueryTerm(
                term,
                token,
                parts,
                synonyms,
                related,
                alternatives,
                part_synonyms if any(part_synonyms) else (),
            )
    return list(out.values())


def tsquery(terms_: list[str], mode: str) -> str:
    """A raw tsquery over safe terms: `and`, `or`, or `pairs` (at least two of the terms)."""
    return tsquery_groups([(t,) for t in terms_], mode)


def tsquery_groups(groups: list[tuple[str, ...]], mode: str) -> str:
    """A raw tsquery over groups of interchangeable terms (a word and its thesaurus alternatives): `and`,
    `or`, or `pairs` (at least two of the groups), where any term of a group stands for it."""
    quoted: dict[str, None] = {}
    for group in groups:
        terms_ = [f"'{t}'" for t in dict.fromkeys(group) if _TERM_RE.match(t)]
        if terms_:
            quoted.setdefault(terms_[0] if len(terms_) == 1 else f"({' | '.join(terms_)})", None)
    alternatives = list(quoted)
    if not alternatives:
        return ""
    if mode == "and":
        return " & ".join(alternatives)
    if mode == "pairs" and len(alternatives) >= 2:
        pairs = [f"({a} & {b})" for i, a in enumerate(alternatives) for b in alternatives[i + 1 :]]
        return " | ".join(pairs)
    return " | ".join(alternatives)


# --- IPC ----------------------------------------------------------------------------------

_IPC_RE = re.compile(r"^([A-H])(\d{2})([A-Z])\s*(\d{1,4})/(\d{1,6})$")
#: Levels from finest to coarsest, with the share of the IPC score each earns.
IPC_LEVELS = (("subgroup", 1.0), ("group", 0.8), ("subclass", 0.6), ("class", 0.3), ("section", 0.1))


@lru_cache(maxsize=100_000)
def ipc_levels(code: str) -> dict[str, str]:
    """{"section": "H", "class": "H01", "subclass": "H01M", "group": "H01M 10", "subgroup": "H01M 10/613"}."""
    match = _IPC_RE.match((code or "").strip().upper())
    if not match:
        return {}
    section, klass, sub, group, subgroup = match.groups()
    subclass = f"{section}{klass}{sub}"
    return {
        "section": section,
        "class": f"{section}{klass}",
        "subclass": subclass,
        "group": f"{subclass} {int(group)}",
        "subgroup": f"{subclass} {int(group)}/{subgroup}",
    }


def ipc_prefixes(codes) -> list[str]:
    out: dict[str, None] = {}
    for code in codes or ():
        for value in ipc_levels(code).values():
            out.setdefault(value, None)
    return list(out)


def ipc_overlap(wanted, offered) -> tuple[float, str, str]:
    """(score 0–1, level name, the shared prefix) of the closest pair of IPC symbols."""
    best = (0.0, "", "")
    offered_levels = [ipc_levels(c) for c in offered or ()]
    for code in wanted or ():
        mine = ipc_levels(code)
        for theirs in offered_levels:
            for level, score in IPC_LEVELS:
                if mine.get(level) and mine.get(level) == theirs.get(level):
                    if score > best[0]:
                        best = (score, level, mine[level])
                    break
    return best


# --- budget and deal type -------------------------------------------------------------------


def budget_fit(
    price: Decimal | None, budget_min: Decimal | None, budget_max: Decimal | None
) -> tuple[float, str]:
    """How well an asking price fits a budget, 0–1, and why."""
    if budget_min is None and budget_max is None:
        return 0.7, "no_budget"
    if price is None:
        return 0.6, "negotiable"
    if budget_max is not None and price > budget_max:
        over = (price - budget_max) / budget_max if budget_max > 0 else Decimal(1)
        # 10 % over budget still deserves a look; twice the budget doesn't.
        return max(0.0, 1.0 - float(over) * 2), "over_budget"
    if budget_min is not None and price < budget_min:
        return 0.8, "under_budget"
    return 1.0, "within_budget"


#: wanted deal type → offered deal type → fit. A buyer wanting a licence may also take an assignment.
DEAL_FIT = {
    "assignment": {
        "assignment": 1.0,
        "pledge_disposal": 0.9,
        "exclusive_licence": 0.5,
        "sole_licence": 0.4,
        "non_exclusive_licence": 0.2,
    },
    "pledge_disposal": {"pledge_disposal": 1.0, "assignment": 0.9},
    "exclusive_licence": {
        "exclusive_licence": 1.0,
        "assignment": 0.8,
        "sole_licence": 0.7,
        "pledge_disposal": 0.7,
        "non_exclusive_licence": 0.3,
    },
    "sole_licence": {
        "sole_licence": 1.0,
        "exclusive_licence": 0.9,
        "assignment": 0.7,
        "pledge_disposal": 0.6,
        "non_exclusive_licence": 0.4,
    },
    "non_exclusive_licence": {
        "non_exclusive_licence": 1.0,
        "sole_licence": 0.8,
        "exclusive_licence": 0.7,
        "assignment": 0.6,
        "pledge_disposal": 0.5,
    },
}


def deal_fit(wanted, offered: str) -> float:
    wanted = list(wanted or ())
    if not wanted:
        return 1.0
    return max(DEAL_FIT.get(w, {}).get(offered, 0.1) for w in wanted)


#: A deal type the buyer did not name but fits at least this well (a licence buyer offered an assignment).
DEAL_CLOSE = 0.7


def deal_fit_reason(wanted, offered: str) -> str:
    """Why the deal type fits: `any` (the buyer named none), `same`, `close` or `different`."""
    wanted = list(wanted or ())
    if not wanted:
        return "any"
    if offered in wanted:
        return "same"
    return "close" if deal_fit(wanted, offered) >= DEAL_CLOSE else "different"


# --- the match score --------------------------------------------------------------------------

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


# --- operations centres ------------------------------------------------------------------------

#: [003]: a national-level industry IP operations centre needs ≥ 5,000,000 CNY a year or ≥ 10 projects,
#: and ≥ 20 member enterprises, universities and institutes.
CENTRE_MIN_AMOUNT = Decimal("5000000")
CENTRE_MIN_PROJECTS = 10
CENTRE_MIN_MEMBERS = 20


def centre_meets_national_level(*, amount: Decimal, projects: int, members: int) -> bool:
    return (amount >= CENTRE_MIN_AMOUNT or projects >= CENTRE_MIN_PROJECTS) and members >= CENTRE_MIN_MEMBERS
