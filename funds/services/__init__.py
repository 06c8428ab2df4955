"""Every write of the funds app. `budget_spend` / `budget_spend_reverse` are the one posting service for
public money: other apps call them inside their own transaction when they pay."""

from funds.services.budget import (
    budget_open,
    budget_receive,
    budget_review_record,
    budget_spend,
    budget_spend_reverse,
)

__all__ = [
    "budget_open",
    "budget_receive",
    "budget_review_record",
    "budget_spend",
    "budget_spend_reverse",
]
