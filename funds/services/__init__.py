"""Every write of the funds app. `budget_spend` / `budget_spend_reverse` are the one posting service for
public money: other apps call them inside their own transaction when they pay."""

from funds.services.budget import (
    budget_open,
    budget_receive,
    budget_review_record,
    budget_spend,
    budget_spend_reverse,
)
from funds.services.register import (
    call_mark_paid,
    call_record,
    commitment_add,
    distribution_record,
    fund_register,
    fund_set_status,
    investment_record,
    investment_revalue,
    patents_in_force_on,
)

__all__ = [
    "budget_open",
    "budget_receive",
    "budget_review_record",
    "budget_spend",
    "budget_spend_reverse",
    "call_mark_paid",
    "call_record",
    "commitment_add",
    "distribution_record",
    "fund_register",
    "fund_set_status",
    "investment_record",
    "investment_revalue",
    "patents_in_force_on",
]
