"""Home-page panels of the funds app."""

from __future__ import annotations

from funds import selectors
from funds.models import CapitalCall
from ipops.access import Actor


def city_budget(actor: Actor) -> dict:
    return {"summary": selectors.budget_summary(actor)}


def manager_funds(actor: Actor) -> dict:
    """A fund manager's funds with what they raised, called and invested, and the capital calls still
    waiting for the investors' money."""
    unpaid = (
        CapitalCall.objects.restrict(actor)
        .filter(paid_on__isnull=True)
        .select_related("commitment__fund")
        .order_by("called_on", "pk")
    )
    return {"rows": selectors.fund_rows(actor), "unpaid": list(unpaid[:8]), "unpaid_total": unpaid.count()}
