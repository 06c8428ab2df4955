"""Who may see and do what with funds' records.

- The special budget: the city's readers (bureau, officials) see every source and expenditure; the
  bureau records receipts and the mid-term review. Payments are posted by the apps that make them
  (`budget_spend`), under those apps' own permissions.
- The fund register: the city's readers see every fund; a fund manager sees the funds it manages (and
  the sub-funds of a guide fund it manages) and keeps its own funds' records (commitments, calls,
  investments, distributions). The bureau registers funds
  (naming their manager) and so may a fund manager, for itself.
"""

from __future__ import annotations

import rules
from django.db.models import Q

from funds.errors import (
    CallNotFound,
    CommitmentNotFound,
    DistributionNotFound,
    ExpenditureNotFound,
    FundNotFound,
    InvestmentNotFound,
    SourceNotFound,
)
from funds.models import BudgetSource, CapitalCall, Commitment, Distribution, Expenditure, Fund, Investment
from ipops import visibility
from ipops.access import BUREAU_ROLES, CITY_READER_ROLES
from ipops.errors import PermissionDenied
from ipops.models import Role
from ipops.permissions import is_bureau, reads_city


def budget_visibility(actor) -> bool:
    return reads_city(actor)


def _managed(actor, path: str) -> Q | bool:
    """The rows of the funds an actor reads: every fund for the city's readers, its own for a manager."""
    if reads_city(actor):
        return True
    if actor.role == Role.FUND_MANAGER and actor.organization_id is not None:
        return Q(**{path: actor.organization_id})
    return False


def _managed_or_guided(actor, fund_path: str) -> Q | bool:
    """A fund manager also reads the sub-funds of a guide fund it manages (the guide fund is an investor
    in them, and reports how many it has guided); it keeps the records of its own funds only."""
    rows = _managed(actor, f"{fund_path}manager_id")
    if isinstance(rows, Q):
        return rows | Q(**{f"{fund_path}parent__manager_id": actor.organization_id})
    return rows


def fund_visibility(actor) -> Q | bool:
    return _managed_or_guided(actor, "")


def fund_record_visibility(actor) -> Q | bool:
    return _managed_or_guided(actor, "fund__")


def call_visibility(actor) -> Q | bool:
    return _managed_or_guided(actor, "commitment__fund__")


visibility.register(BudgetSource, view=budget_visibility, not_found=SourceNotFound)
visibility.register(Expenditure, view=budget_visibility, not_found=ExpenditureNotFound)
visibility.register(Fund, view=fund_visibility, not_found=FundNotFound)
visibility.register(Commitment, view=fund_record_visibility, not_found=CommitmentNotFound)
visibility.register(Investment, view=fund_record_visibility, not_found=InvestmentNotFound)
visibility.register(Distribution, view=fund_record_visibility, not_found=DistributionNotFound)
visibility.register(CapitalCall, view=call_visibility, not_found=CallNotFound)


@rules.predicate
def is_fund_manager(actor, obj=None) -> bool:
    return actor.role == Role.FUND_MANAGER and actor.can_write


@rules.predicate
def manages_fund(actor, fund) -> bool:
    return is_fund_manager(actor) and fund is not None and fund.manager_id == actor.organization_id


@rules.predicate
def reads_funds(actor, obj=None) -> bool:
    return reads_city(actor) or actor.role == Role.FUND_MANAGER


permissions = rules.RuleSet()
permissions.add_rule("budget.view", reads_city)
permissions.add_rule("budget.manage", is_bureau)
permissions.add_rule("fund.view", reads_funds)
permissions.add_rule("fund.register", is_bureau | is_fund_manager)
permissions.add_rule("fund.manage", manages_fund)

#: The platform roles that pass each rule (what the API declares per endpoint).
PERMISSION_ROLES: dict[str, frozenset[str]] = {
    "budget.view": CITY_READER_ROLES,
    "budget.manage": BUREAU_ROLES,
    "fund.view": CITY_READER_ROLES | {Role.FUND_MANAGER},
    "fund.register": BUREAU_ROLES | {Role.FUND_MANAGER},
    "fund.manage": frozenset({Role.FUND_MANAGER}),
}


def can(actor, action: str, obj=None) -> bool:
    return permissions.test_rule(action, actor, obj)


def require(actor, action: str, obj=None) -> None:
    if not can(actor, action, obj):
        raise PermissionDenied()
