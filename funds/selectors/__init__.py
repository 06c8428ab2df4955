"""Reads of funds' records, through the visibility rules."""

from funds.selectors.budget import BudgetSummary, Share, budget_summary, expenditures, sources
from funds.selectors.register import (
    FundRow,
    GuideSummary,
    fund_detail,
    fund_rows,
    funds,
    guide_summary,
)

__all__ = [
    "BudgetSummary",
    "FundRow",
    "GuideSummary",
    "Share",
    "budget_summary",
    "expenditures",
    "fund_detail",
    "fund_rows",
    "funds",
    "guide_summary",
    "sources",
]
