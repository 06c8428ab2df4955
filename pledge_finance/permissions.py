"""Who may see and do what with pledge loans: django-rules predicates on (`Actor`, object), and each
entity's one visibility rule (`ipops.visibility`) from which lists, detail lookups and `*.view` derive.

- a bank, insurer or guarantor sees only the (submitted) loans where it is a party, and acts only for itself;
- an appraiser (service institution) sees the submitted loans of products it takes part in, and
  the loans it valued;
- an enterprise sees its own applications;
- bureau staff see (and manage products and the reserve of) their whole city; officials read;
- the institutions of a loan see its pledged assets in the registry, read-only (a lender looks at its
  collateral): `pledged_asset_visibility` widens the registry's rule for `IPAsset`.
"""

from __future__ import annotations

import rules
from django.db.models import Q

from ipops import visibility
from ipops.access import BUREAU_ROLES, CITY_READER_ROLES
from ipops.errors import PermissionDenied
from ipops.models import IPAsset
from ipops.permissions import is_bureau, reads_city
from pledge_finance.errors import LoanNotFound, ProductNotFound
from pledge_finance.models import (
    APPLICANT_ROLES,
    INSTITUTION_ACTOR_ROLES,
    INSTITUTIONS,
    PARTY_ACTOR_ROLES,
    InstitutionRole,
    Loan,
    LoanAsset,
    LoanProduct,
    LoanState,
    ProductInstitution,
    institution_of,
)

# --- who sees which rows ---------------------------------------------------------------------------


def loan_visibility(actor) -> Q | bool:
    """The loans an actor sees (see the module's docstring). Institutions never see a draft."""
    if reads_city(actor):
        return True
    org = actor.organization_id
    if org is None:
        return False
    if actor.role in APPLICANT_ROLES:
        return Q(enterprise_id=org)
    role = institution_of(actor.role)
    if role == InstitutionRole.APPRAISER:
        products = ProductInstitution.objects.filter(organization_id=org, role=role).values("product_id")
        return Q(appraiser_id=org) | Q(
            appraiser__isnull=True, state=LoanState.SUBMITTED, product_id__in=products
        )
    if role is not None:
        return Q(submitted_at__isnull=False, **{f"{role}_id": org})
    return False


def product_visibility(actor) -> Q | bool:
    """The bureau and officials see every product; everyone else those open for applications."""
    return True if reads_city(actor) else Q(is_active=True)


def pledged_asset_visibility(actor) -> Q | bool:
    """The assets pledged to the loans an institution sees (as a party, or as the appraiser): the same
    loans as `loan_visibility`, so following a loan's asset link never ends in a 404. Read-only: the
    registry lets only the owner and the bureau change an asset. Applicants see their own assets anyway."""
    if actor.role not in INSTITUTION_ACTOR_ROLES or actor.organization_id is None:
        return False
    loans = Loan.objects.restrict(actor)
    return Q(pk__in=LoanAsset.objects.filter(loan__in=loans).values("asset_id"))


visibility.register(Loan, view=loan_visibility, not_found=LoanNotFound)
visibility.register(LoanProduct, view=product_visibility, not_found=ProductNotFound)
visibility.widen(IPAsset, rule=pledged_asset_visibility)


# --- who acts ---------------------------------------------------------------------------------------


def party_of(actor, loan) -> InstitutionRole | None:
    """Which of the three risk-sharing parties the actor speaks for on this loan, if any (never a draft)."""
    party = institution_of(actor.role)
    if loan is None or loan.submitted_at is None or party is None or party == InstitutionRole.APPRAISER:
        return None
    return party if loan.party_org_id(party) == actor.organization_id else None


@rules.predicate
def can_write(actor, obj=None) -> bool:
    return actor.can_write


@rules.predicate
def is_applicant_role(actor, obj=None) -> bool:
    return actor.role in APPLICANT_ROLES


@rules.predicate
def is_applicant(actor, loan) -> bool:
    return (
        loan is not None and actor.organization_id is not None and loan.enterprise_id == actor.organization_id
    )


@rules.predicate
def is_appraiser_role(actor, obj=None) -> bool:
    return institution_of(actor.role) == InstitutionRole.APPRAISER and actor.organization_id is not None


@rules.predicate
def is_institution_staff(actor, obj=None) -> bool:
    return actor.role in INSTITUTION_ACTOR_ROLES and actor.organization_id is not None


@rules.predicate
def is_party_staff(actor, obj=None) -> bool:
    return actor.role in PARTY_ACTOR_ROLES and actor.organization_id is not None


@rules.predicate
def is_risk_party(actor, loan) -> bool:
    return party_of(actor, loan) is not None


@rules.predicate
def is_loan_bank(actor, loan) -> bool:
    return party_of(actor, loan) == InstitutionRole.BANK


@rules.predicate
def has_decided(actor, loan) -> bool:
    """The actor's institution has already given its decision on this loan (each decides once)."""
    party = party_of(actor, loan)
    return party is not None and loan.decisions.filter(party=party).exists()


permissions = rules.RuleSet()
permissions.add_rule("loan.view", visibility.visible)
permissions.add_rule("loan.create", can_write & is_applicant_role)
permissions.add_rule("loan.apply", can_write & is_applicant)
# An appraiser may value what it sees: the loans of its products that wait for a valuation.
permissions.add_rule("loan.value", can_write & is_appraiser_role & visibility.visible)
permissions.add_rule("loan.decide", can_write & is_risk_party & ~has_decided)
permissions.add_rule("loan.service", can_write & is_loan_bank)
permissions.add_rule("loan.list_city", reads_city)
permissions.add_rule("loan.queue", is_institution_staff)
permissions.add_rule("loan.portfolio", is_party_staff)
permissions.add_rule("product.manage", is_bureau)
permissions.add_rule("reserve.view", reads_city)
permissions.add_rule("reserve.manage", is_bureau)


#: The platform roles that pass each rule at least sometimes: what the API declares per endpoint
#: (`CityAPIView.roles`), so every other role is refused before a view runs.
PERMISSION_ROLES: dict[str, frozenset[str]] = {
    "loan.view": APPLICANT_ROLES | INSTITUTION_ACTOR_ROLES | CITY_READER_ROLES,
    "loan.create": APPLICANT_ROLES,
    "loan.apply": APPLICANT_ROLES,
    "loan.value": frozenset({INSTITUTIONS[InstitutionRole.APPRAISER].actor_role}),
    "loan.decide": PARTY_ACTOR_ROLES,
    "loan.service": frozenset({INSTITUTIONS[InstitutionRole.BANK].actor_role}),
    "product.manage": BUREAU_ROLES,
    "reserve.view": CITY_READER_ROLES,
    "reserve.manage": BUREAU_ROLES,
}


def can(actor, action: str, obj=None) -> bool:
    return permissions.test_rule(action, actor, obj)


def require(actor, action: str, obj=None) -> None:
    if not can(actor, action, obj):
        raise PermissionDenied()
