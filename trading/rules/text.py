"""Text: the domain dictionary and synonym table, tokenising, the terms an index stores, a query's words
and the tsquery that asks for them.

Chinese has no spaces. Text is cut by jieba (search mode, so long terms also yield their
parts) with a domain dictionary loaded on top of jieba's own, so technical terms such as
无人驾驶航空器 or 电池管理系统 stay whole. Every term is then mapped to the canonical
term of its synonym group (芯片 = 集成电路 = IC), on both the indexed side and the query
side, so buyers and sellers who name the same thing differently still meet.

Words no domain table lists are widened on the query side only, through a general thesaurus
(`trading.thesaurus`, 同义词词林): its synonyms and, weaker, a word's family (白菜 ↔ 蔬菜). They earn
less than the word itself wherever it is found (`scoring`: `THESAURUS_SHARE`, `RELATED_SHARE` <
`BODY_SHARE`), so an exact match always ranks above a thesaurus one, and the index stays as it is.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from dataclasses import dataclass
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
    from .. import thesaurus

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
