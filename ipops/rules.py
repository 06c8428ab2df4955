"""Pure registry rules: terms, and which encumbrances block which action. No ORM here."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

# Patent Law art. 42 (2021): invention 20 years, utility model 10, design 15, from filing.
PATENT_TERM_YEARS = {"invention": 20, "utility_model": 10, "design": 15}
TRADEMARK_TERM_YEARS = 10  # from registration, renewable

#: Actions on an asset and the encumbrance kinds that forbid them.
BLOCKING = {
    # A pledged asset can't be pledged again, sold or exclusively licensed (SPEC §3).
    "pledge": {"pledge", "sale_pending"},
    "assign": {"pledge", "sale_pending", "exclusive_licence", "sole_licence"},
    "exclusive_licence": {
        "pledge",
        "sale_pending",
        "exclusive_licence",
        "sole_licence",
        "non_exclusive_licence",
    },
    "sole_licence": {"pledge", "sale_pending", "exclusive_licence", "sole_licence", "non_exclusive_licence"},
    "non_exclusive_licence": {"sale_pending", "exclusive_licence"},
}


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def expiry_date(
    kind: str, filing_date: datetime.date | None, grant_date: datetime.date | None
) -> datetime.date | None:
    """The day protection ends (the day before the anniversary), or None when not computable."""
    if kind in PATENT_TERM_YEARS and filing_date:
        return add_years(filing_date, PATENT_TERM_YEARS[kind]) - datetime.timedelta(days=1)
    if kind == "trademark" and grant_date:
        return add_years(grant_date, TRADEMARK_TERM_YEARS) - datetime.timedelta(days=1)
    return None


def blocking_encumbrances(action: str, active_kinds: Iterable[str]) -> set[str]:
    """The active encumbrance kinds that forbid `action`; empty means allowed."""
    return BLOCKING[action] & set(active_kinds)
