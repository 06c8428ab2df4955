"""Panels for the role homes: the subsidy work waiting for each role (see ipops.navigation)."""

from __future__ import annotations

from ipops.access import Actor
from subsidies import selectors
from subsidies.models import ClaimState, Objection


def claimant_claims(actor: Actor) -> dict:
    """A claimant: the awards the platform filled in, waiting for its bank account (免申即享), and the claims
    the bureau returned for more information."""
    waiting = list(
        selectors.claims(actor).filter(state__in=[ClaimState.TO_CONFIRM, ClaimState.RETURNED])[:20]
    )
    counts = selectors.claimant_counts(actor)
    return {
        "to_confirm": [c for c in waiting if c.state == ClaimState.TO_CONFIRM],
        "returned": [c for c in waiting if c.state == ClaimState.RETURNED],
        "in_progress": counts[ClaimState.SUBMITTED] + counts[ClaimState.IN_NOTICE] + counts[ClaimState.HELD],
        "to_be_paid": counts[ClaimState.PAYABLE],
    }


def bureau_claims(actor: Actor) -> dict:
    """The bureau: claims to review, objections to resolve, awards to pay."""
    counts = selectors.queue_counts(actor)
    return {
        "submitted": counts.get(ClaimState.SUBMITTED, 0),
        "payable": counts.get(ClaimState.PAYABLE, 0),
        "in_notice": counts.get(ClaimState.IN_NOTICE, 0) + counts.get(ClaimState.HELD, 0),
        "objections": Objection.objects.restrict(actor).filter(resolved_at__isnull=True).count(),
    }
