"""Who may see and do what with the special budget: the city's readers (bureau, officials) see every
source and expenditure; the bureau records receipts and the mid-term review. Payments are posted by the
apps that make them (`budget_spend`), under those apps' own permissions."""

from __future__ import annotations

import rules

from funds.errors import ExpenditureNotFound, SourceNotFound
from funds.models import BudgetSource, Expenditure
from ipops import visibility
from ipops.access import BUREAU_ROLES, CITY_READER_ROLES
from ipops.errors import PermissionDenied
from ipops.permissions import is_bureau, reads_city


def budget_visibility(actor) -> bool:
    return reads_city(actor)


visibility.register(BudgetSource, view=budget_visibility, not_found=SourceNotFound)
visibility.register(Expenditure, view=budget_visibility, not_found=ExpenditureNotFound)

permissions = rules.RuleSet()
permissions.add_rule("budget.view", reads_city)
permissions.add_rule("budget.manage", is_bureau)

#: The platform roles that pass each rule (what the API declares per endpoint).
PERMISSION_ROLES: dict[str, frozenset[str]] = {
    "budget.view": CITY_READER_ROLES,
    "budget.manage": BUREAU_ROLES,
}


def can(actor, action: str, obj=None) -> bool:
    return permissions.test_rule(action, actor, obj)


def require(actor, action: str, obj=None) -> None:
    if not can(actor, action, obj):
        raise PermissionDenied()
