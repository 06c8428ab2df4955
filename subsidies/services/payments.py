"""Paying awards: a batch of payable claims, one payment list for the bank, booked against the special
budget through the funds posting service in the same transaction — a batch that would overspend any
source is refused whole, and nothing of it is written."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction

from funds import services as funds
from ipops import audit, clock, events, validators
from ipops.access import Actor
from ipops.errors import FieldErrors
from ipops.money import ZERO
from subsidies.errors import NothingPayable
from subsidies.lifecycles import CLAIM
from subsidies.models import Claim, ClaimState, PaymentBatch
from subsidies.permissions import require

#: The special budget's category for every award and subsidy paid.
BUDGET_CATEGORY = "subsidy_award"


@transaction.atomic
def batch_pay(*, actor: Actor, claims: Iterable[int], paid_on: datetime.date | None = None) -> PaymentBatch:
    """Bureau: pay the chosen payable claims in one batch (claims not payable are left out; none payable
    is refused). Locked, so a claim is never in two batches."""
    require(actor, "claim.review")
    errors = FieldErrors()
    day = validators.not_in_future(paid_on, "paid_on", errors, today=clock.today()) or clock.today()
    errors.raise_if_any()
    ids = sorted({int(pk) for pk in claims if str(pk).isdigit()})
    locked = list(
        Claim.objects.select_for_update(of=("self",))
        .select_related("policy")
        .filter(pk__in=ids, state=ClaimState.PAYABLE)
        .order_by("pk")
    )
    if not locked:
        raise NothingPayable()
    total = sum((c.approved_amount or ZERO for c in locked), ZERO)
    batch = PaymentBatch.objects.create(
        city=actor.city,
        paid_on=day,
        total=total,
        count=len(locked),
        created_by=actor.user,
        created_at=clock.now(),
    )
    by_source: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for claim in locked:
        by_source[claim.policy.budget_source] += claim.approved_amount or ZERO
        claim.batch = batch
        CLAIM.apply(claim, "pay", actor=actor, system=True, update_fields=["batch"], data={"batch": batch.pk})
    for source, amount in sorted(by_source.items()):
        funds.budget_spend(
            actor=actor,
            city=actor.city,
            source_kind=source,
            category=BUDGET_CATEGORY,
            amount=amount,
            spent_on=day,
            reference=f"subsidies.paymentbatch:{batch.pk}",
            market_based=False,
            note=f"{len(locked)} claims",
        )
    events.publish(actor.city.pk, events.CLAIMS_PAID)
    audit.record(
        actor=actor.user,
        city=actor.city,
        action="batch_pay",
        obj=batch,
        data={"claims": [c.pk for c in locked], "total": total},
    )
    return batch
