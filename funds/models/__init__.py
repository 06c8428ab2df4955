from funds.models.budget import BudgetSource, Category, Expenditure, SourceKind, SpecialBudget
from funds.models.register import (
    CapitalCall,
    Commitment,
    Distribution,
    DistributionKind,
    Fund,
    FundKind,
    FundStatus,
    Investment,
    InvestorSource,
)

__all__ = [
    "BudgetSource",
    "CapitalCall",
    "Category",
    "Commitment",
    "Distribution",
    "DistributionKind",
    "Expenditure",
    "Fund",
    "FundKind",
    "FundStatus",
    "Investment",
    "InvestorSource",
    "SourceKind",
    "SpecialBudget",
]
