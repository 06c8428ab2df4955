"""免申即享: the nightly task (and the staff's button) finds every organisation the records entitle under
an automatic policy and creates its claim already filled in, awaiting only its bank account. Nothing is
created twice however often it runs, even beside itself: the claim's period is unique per organisation
and policy, and a duplicate is skipped."""

from __future__ import annotations

from django.db import transaction

from ipops import clock
from ipops.models import Organization
from subsidies import bases, rules
from subsidies.errors import DuplicateClaim
from subsidies.models import Claim, ClaimState
from subsidies.permissions import require
from subsidies.services.catalogue import eligible, evaluate
from subsidies.services.claims import _create, automatic_policies


def automatic_run(*, city, actor=None) -> int:
    """Create the claims the records entitle organisations to; returns how many were created. `actor`
    None is the nightly task; a person running it must be bureau staff."""
    if actor is not None:
        require(actor, "claim.review")
    today = clock.today()
    created = 0
    for policy in automatic_policies(city):
        taken = set(
            Claim.objects.filter(policy=policy)
            .exclude(state=ClaimState.WITHDRAWN)
            .values_list("organization_id", "period")
        )
        for organization in Organization.objects.filter(kind__in=policy.claimant_kinds).order_by("pk"):
            if eligible(policy, organization):
                continue
            for case in bases.record_cases(policy, organization, None, today):
                period = rules.period_key(policy.frequency, case.year, case.key)
                if (organization.pk, period) in taken:
                    continue
                try:
                    evaluation = evaluate(policy, organization, case=case)
                except rules.RuleError:
                    continue
                if evaluation.computation.amount <= rules.ZERO:
                    continue
                try:
                    with transaction.atomic():
                        _create(
                            actor=actor,
                            policy=policy,
                            organization=organization,
                            evaluation=evaluation,
                            state=ClaimState.TO_CONFIRM,
                            inputs={},
                            automatic=True,
                        )
                except DuplicateClaim:
                    continue
                created += 1
    return created
