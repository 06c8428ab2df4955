"""Panels for the role homes: the pledge-loan work waiting for each role (see ipops.navigation)."""

from __future__ import annotations

from ipops.access import Actor
from pledge_finance import selectors


def institution_queue(actor: Actor) -> dict:
    """Bank, insurer, guarantor, appraiser: what waits for us, most urgent first."""
    queue = selectors.review_queue(actor)
    waiting = [
        loan
        for section in ("overdue", "to_disburse", "to_decide", "to_value")
        for loan in queue.get(section, [])
    ]
    return {"counts": {k: len(v) for k, v in queue.items()}, "loans": waiting[:6], "total": len(waiting)}


def enterprise_loans(actor: Actor) -> dict:
    loans = selectors.loan_list(actor).select_related("enterprise", "bank")
    return {"loans": list(loans[:5]), "total": loans.count()}


def city_pledge(actor: Actor) -> dict:
    return {"summary": selectors.city_summary()}
