"""IPC symbols: their levels (section to subgroup), the prefixes an index stores, and how closely two
sets of symbols overlap."""

from __future__ import annotations

import re
from functools import lru_cache

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
