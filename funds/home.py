"""Home-page panels of the funds app."""

from __future__ import annotations

from funds import selectors
from ipops.access import Actor


def city_budget(actor: Actor) -> dict:
    return {"summary": selectors.budget_summary(actor)}
