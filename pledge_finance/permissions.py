"""Who may see and do what with pledge loans: django-rules predicates on (`Actor`, object).

- a bank, insurer or guarantor sees only the (submitted) loans where it is a party, and acts only for itself;
- an appraiser (service institution) sees the submitted loans of products it takes part in, and
  the loans it valued;
- an enterprise sees its own applications;
- bureau staff see (and manage products and the reserve of) their whole city; officials read.

`pledge_finance.selectors.loan_queryset` filters lists the same way, so lists and details agree.
"""

from __future__ import annotations

import rules

from ipops.errors import PermissionDenied
from ipops.models import Role
from ipops.permissions import is_bureau, reads_city


def _org(actor) -> int | None:
    return actor.organization_id


def _submitted(loan) -> bool:
    """Institutions see an application once the enterprise has submitted it, never its drafts."""
    return loan is not None and loan.submitted_at is not None


@rules.predicate
def can_write(actor, obj=None) -> bool:
    return actor.can_write


@rules.predicate
def is_enterprise(actor, obj=None) -> bool:
    return actor.role == Role.ENTERPRISE


@rules.predicate
def is_applicant(actor, loan) -> bool:
    return loan is not None and _org(actor) is not None and loan.enterprise_id == _org(actor)


@rules.predicate
def is_loan_bank(actor, loan) -> bool:
    return _submitted(loan) and actor.role == Role.BANK and loan.bank_id == _org(actor)


@rules.predicate
def is_loan_insurer(actor, loan) -> bool:
    return _submitted(loan) and actor.role == Role.INSURER and loan.insurer_id == _org(actor)


@rules.predicate
def is_loan_guarantor(actor, loan) -> bool:
    return _submitted(loan) and actor.role == Role.GUARANTOR and loan.guarantor_id == _org(actor)


@rules.predicate
def is_loan_appraiser(actor, loan) -> bool:
    """The appraiser that valued it, or, while it waits for a valuation, any appraiser of its product."""
    if loan is None or actor.role != Role.SERVICE or _org(actor) is None:
        return False
    if loan.appraiser_id is not None:
        return loan.appraiser_id == _org(actor)
    from pledge_finance.models import LoanState, ProductInstitution

    return (
        loan.state == LoanState.SUBMITTED
        and ProductInstitution.objects.filter(
            product_id=loan.product_id, organization_id=_org(actor), role="appraiser"
        ).exists()
    )


is_risk_party = is_loan_bank | is_loan_insurer | is_loan_guarantor

permissions = rules.RuleSet()
permissions.add_rule("loan.view", reads_city | is_applicant | is_risk_party | is_loan_appraiser)
permissions.add_rule("loan.create", is_enterprise & can_write)
permissions.add_rule("loan.apply", is_applicant & can_write)
permissions.add_rule("loan.value", is_loan_appraiser & can_write)
permissions.add_rule("loan.decide", is_risk_party & can_write)
permissions.add_rule("loan.service", is_loan_bank & can_write)
permissions.add_rule("loan.list_city", reads_city)
permissions.add_rule("product.manage", is_bureau)
permissions.add_rule("reserve.view", reads_city)
permissions.add_rule("reserve.manage", is_bureau)


def can(actor, action: str, obj=None) -> bool:
    return permissions.test_rule(action, actor, obj)


def require(actor, action: str, obj=None) -> None:
    if not can(actor, action, obj):
        raise PermissionDenied(code="permission_denied")


def party_of(actor, loan) -> str | None:
    """Which of the three risk-sharing parties the actor speaks for on this loan, if any."""
    for party, predicate in (
        ("bank", is_loan_bank),
        ("insurer", is_loan_insurer),
        ("guarantor", is_loan_guarantor),
    ):
        if predicate(actor, loan):
            return party
    return None
