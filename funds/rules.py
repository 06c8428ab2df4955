"""The special budget's rules as pure functions (no ORM): what central money may pay for, what a source
has left, the two 40% shares."""

from __future__ import annotations

from decimal import Decimal

from ipops.money import ZERO

# Source kinds (the model's choices use these values).
CENTRAL_1 = "central_1"
CENTRAL_2 = "central_2"
PROVINCIAL = "provincial"
MUNICIPAL = "municipal"
DISTRICT = "district"
CENTRAL_KINDS = frozenset({CENTRAL_1, CENTRAL_2})

# Expenditure categories (the model's choices use these values).
SUBSIDY_AWARD = "subsidy_award"
RISK_RESERVE = "risk_reserve"
GUIDE_FUND = "guide_fund"
CLUSTER_ZONE = "cluster_zone"
SERVICE_PURCHASE = "service_purchase"
EQUITY_INVESTMENT = "equity_investment"
PLATFORM = "platform"
TRAINING = "training"
RENOVATION = "renovation"
LAND_ACQUISITION = "land_acquisition"
PERSONNEL = "personnel"
RECURRING_COSTS = "recurring_costs"
STAFF_WELFARE = "staff_welfare"

#: The national notice [004]: 中央财政资金不得用于房屋装修、征地拆迁、人员经费等经常性支出及职工经费的提取.
CENTRAL_FORBIDDEN = frozenset({RENOVATION, LAND_ACQUISITION, PERSONNEL, RECURRING_COSTS, STAFF_WELFARE})

#: Categories that are market-based means by their nature (股权投资, 政府购买服务, a guide fund's stake):
#: the flag's default when the caller does not say.
MARKET_BASED_CATEGORIES = frozenset({GUIDE_FUND, SERVICE_PURCHASE, EQUITY_INVESTMENT})

#: Both shares must reach 40% of the special budget's spending.
SHARE_FLOOR = Decimal("0.4")


def central_may_pay(kind: str, category: str) -> bool:
    return not (kind in CENTRAL_KINDS and category in CENTRAL_FORBIDDEN)


def remaining(received: Decimal, spent: Decimal) -> Decimal:
    return received - spent


def spendable(*, received: Decimal, spent: Decimal, amount: Decimal) -> bool:
    """Never spend beyond what a source has received."""
    return amount <= remaining(received, spent)


def share(part: Decimal, total: Decimal) -> Decimal | None:
    """`part` of `total` as a ratio, None when nothing has been spent (no share to show yet)."""
    if total <= ZERO:
        return None
    return part / total
