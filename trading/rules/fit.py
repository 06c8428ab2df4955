"""How an asking price fits a budget and an offered deal type the wanted ones: two signals of the match
score."""

from __future__ import annotations

from decimal import Decimal


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
