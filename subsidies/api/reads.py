"""The subsidies reads the API needs besides `subsidies.selectors`: one record through its visibility rule
(404 otherwise, another city's as much as an invisible one), the claim list's filters, the objections and
batches in the order the bureau works them, and the public notice."""

from __future__ import annotations

from django.db.models import QuerySet

from ipops.visibility import get_visible_or_404
from subsidies import selectors
from subsidies.models import Claim, Objection, PaymentBatch, Policy

#: Awards the public sees: approved and in their notice, also while an objection holds them.


def policy_get(actor, pk) -> Policy:
    return get_visible_or_404(Policy.objects.all(), actor, pk)


def claim_get(actor, pk) -> Claim:
    return get_visible_or_404(Claim.objects.select_related("policy", "organization"), actor, pk)


def claims(actor, *, state: str | None = None, policy: int | None = None, year: int | None = None):
    rows = selectors.claims(actor)
    if state:
        rows = rows.filter(state=state)
    if policy is not None:
        rows = rows.filter(policy_id=policy)
    if year is not None:
        rows = rows.filter(year=year)
    return rows


def objection_get(actor, pk) -> Objection:
    return get_visible_or_404(
        Objection.objects.select_related("claim__policy", "claim__organization", "resolved_by"), actor, pk
    )


def objections(actor, *, open_only: bool = False, claim: int | None = None) -> QuerySet[Objection]:
    """Open objections first (each holds an award), then the resolved, newest first."""
    rows = Objection.objects.restrict(actor).select_related(
        "claim__policy", "claim__organization", "resolved_by"
    )
    if open_only:
        rows = rows.filter(resolved_at__isnull=True)
    if claim is not None:
        rows = rows.filter(claim_id=claim)
    return rows.order_by("-resolved_at", "-lodged_at", "-pk")


def batches(actor) -> QuerySet[PaymentBatch]:
    return PaymentBatch.objects.restrict(actor).select_related("created_by").order_by("-paid_on", "-pk")


def batch_get(actor, pk) -> PaymentBatch:
    return get_visible_or_404(PaymentBatch.objects.select_related("created_by"), actor, pk)


def batch_claims(batch: PaymentBatch) -> QuerySet[Claim]:
    return batch.claims.select_related("policy", "organization").order_by("organization__name", "pk")
