"""Public notice (公示): anyone may object during an award's notice, which holds the claim until staff
resolve it; the nightly task moves awards whose notice ended without an open objection to payment."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from ipops import audit, clock, validators
from ipops.access import Actor
from ipops.errors import FieldErrors
from ipops.visibility import get_visible_or_404
from subsidies.errors import ClaimNotFound, NoticeOver, ObjectionResolved
from subsidies.lifecycles import CLAIM
from subsidies.models import Claim, ClaimState, Objection
from subsidies.permissions import require
from subsidies.services.claims import release_counters


@transaction.atomic
def objection_lodge(*, city, claim: Claim | int, lodged_by: str, contact: str, reason: str) -> Objection:
    """Anyone, without logging in: an objection to an award in notice holds it."""
    errors = FieldErrors()
    lodged_by = validators.text(lodged_by, "lodged_by", errors, max_length=60, message=_("Give your name."))
    contact = validators.text(
        contact, "contact", errors, max_length=60, message=_("Give a phone number or an email address.")
    )
    reason = validators.text(
        reason, "reason", errors, max_length=1000, message=_("Say what is wrong with the award.")
    )
    errors.raise_if_any()
    found = (
        Claim.objects.select_for_update()
        .filter(pk=getattr(claim, "pk", claim), city_id=getattr(city, "pk", city))
        .first()
    )
    if found is None:
        raise ClaimNotFound()
    if found.state not in (ClaimState.IN_NOTICE, ClaimState.HELD) or (
        found.notice_ends_on is not None and found.notice_ends_on < clock.today()
    ):
        raise NoticeOver()
    objection = Objection.objects.create(
        city_id=found.city_id,
        claim=found,
        lodged_by=lodged_by,
        contact=contact,
        reason=reason,
        lodged_at=clock.now(),
    )
    CLAIM.apply(found, "hold", system=True, reason=reason[:200], data={"objection": objection.pk})
    return objection


@transaction.atomic
def objection_resolve(
    *, actor: Actor, objection: Objection | int, upheld: bool, resolution: str
) -> Objection:
    """Bureau: an upheld objection rejects the award (its budget and quota return to the policy); a
    dismissed one lets the notice run on once no other objection is open."""
    require(actor, "claim.review")
    errors = FieldErrors()
    resolution = validators.text(
        resolution, "resolution", errors, max_length=200, message=_("Give the reason.")
    )
    errors.raise_if_any()
    found = get_visible_or_404(Objection.objects.all(), actor, getattr(objection, "pk", objection))
    claim = CLAIM.lock(found.claim, "policy")
    locked = Objection.objects.select_for_update().get(pk=found.pk)
    if locked.resolved_at is not None:
        raise ObjectionResolved()
    locked.upheld, locked.resolution = bool(upheld), resolution
    locked.resolved_at, locked.resolved_by = clock.now(), actor.user
    locked.save(update_fields=["upheld", "resolution", "resolved_at", "resolved_by"])
    if upheld:
        claim.decision_reason = resolution
        release_counters(claim)
        CLAIM.apply(
            claim, "overturn", actor=actor, system=True, reason=resolution, update_fields=["decision_reason"]
        )
    elif not claim.objections.filter(resolved_at__isnull=True).exists():
        CLAIM.apply(claim, "release", actor=actor, system=True, reason=resolution)
    audit.record(
        actor=actor.user,
        city=actor.city,
        action="objection_resolve",
        obj=locked,
        reason=resolution,
        data={"claim": claim.pk, "upheld": bool(upheld)},
    )
    return locked


def notices_advance(*, city, today: datetime.date | None = None) -> int:
    """Nightly: every award whose notice ended before today, with no open objection, becomes payable.
    Each claim in its own transaction, locked: running twice, or beside an objection, changes nothing twice."""
    today = today or clock.today()
    moved = 0
    due = Claim.objects.filter(
        city_id=getattr(city, "pk", city), state=ClaimState.IN_NOTICE, notice_ends_on__lt=today
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            claim = Claim.objects.select_for_update().get(pk=pk)
            if (
                claim.state != ClaimState.IN_NOTICE
                or claim.notice_ends_on is None
                or claim.notice_ends_on >= today
            ):
                continue
            CLAIM.apply(claim, "notice_pass", system=True)
            moved += 1
    return moved
