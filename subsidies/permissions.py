"""Who may see and do what with subsidies.

- The catalogue: every member of the city reads the active policies (the calculator shows them);
  bureau staff edit it.
- Claims: a claimant organisation (enterprise, university or institute, service institution) sees and
  keeps its own; the bureau reviews, decides, resolves objections and pays; officials read.
- Approved awards are public during their notice (the public page needs no login).
"""

from __future__ import annotations

import rules
from django.db.models import Q

from ipops import visibility
from ipops.access import ASSET_HOLDER_ROLES, BUREAU_ROLES, CITY_READER_ROLES, EVERY_ROLE
from ipops.errors import PermissionDenied
from ipops.permissions import is_bureau, reads_city
from subsidies.errors import ClaimNotFound, EvidenceNotFound, ObjectionNotFound, PolicyNotFound
from subsidies.models import Claim, Evidence, Objection, PaymentBatch, Policy

#: The roles that claim: the organisations the catalogue's policies name.
CLAIMANT_ROLES = ASSET_HOLDER_ROLES


def policy_visibility(actor) -> Q | bool:
    return True if reads_city(actor) else Q(active=True)


def claim_visibility(actor) -> Q | bool:
    if reads_city(actor):
        return True
    if actor.role in CLAIMANT_ROLES and actor.organization_id is not None:
        return Q(organization_id=actor.organization_id)
    return False


def evidence_visibility(actor) -> Q | bool:
    """A claim's evidence is seen by exactly those who see the claim (its own rule, with any widening)."""
    return Q(claim__in=visibility.restrict(Claim.objects.all(), actor).values("pk"))


def bureau_only(actor) -> bool:
    return reads_city(actor)


visibility.register(Policy, view=policy_visibility, not_found=PolicyNotFound)
visibility.register(Claim, view=claim_visibility, not_found=ClaimNotFound)
visibility.register(Evidence, view=evidence_visibility, not_found=EvidenceNotFound)
visibility.register(Objection, view=bureau_only, not_found=ObjectionNotFound)
visibility.register(PaymentBatch, view=bureau_only)


@rules.predicate
def is_claimant(actor, obj=None) -> bool:
    return actor.role in CLAIMANT_ROLES and actor.can_write


@rules.predicate
def owns_claim(actor, claim) -> bool:
    return is_claimant(actor) and claim is not None and claim.organization_id == actor.organization_id


permissions = rules.RuleSet()
permissions.add_rule("policy.view", rules.always_true)
permissions.add_rule("policy.manage", is_bureau)
permissions.add_rule("claim.apply", is_claimant)
permissions.add_rule("claim.edit", owns_claim)
permissions.add_rule("claim.review", is_bureau)
permissions.add_rule("claim.view_all", reads_city)

PERMISSION_ROLES: dict[str, frozenset[str]] = {
    "policy.view": EVERY_ROLE,
    "policy.manage": BUREAU_ROLES,
    "claim.apply": CLAIMANT_ROLES,
    "claim.edit": CLAIMANT_ROLES,
    "claim.review": BUREAU_ROLES,
    "claim.view": CLAIMANT_ROLES | CITY_READER_ROLES,
    "claim.view_all": CITY_READER_ROLES,
}


def can(actor, action: str, obj=None) -> bool:
    return permissions.test_rule(action, actor, obj)


def require(actor, action: str, obj=None) -> None:
    if not can(actor, action, obj):
        raise PermissionDenied()
