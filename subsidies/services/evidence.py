"""Evidence files for a claim: added and removed by the claimant while the claim is still theirs to change
(a draft, returned for more information, or an automatic claim awaiting confirmation), read by whoever
may see the claim.

Every file is checked by its content before anything is written (`ipops.uploads.check_upload`: size, real
type, encrypted or scripted PDFs), stored outside the static root under its SHA-256, and recorded with
that hash so a reviewer can tell the file they read is the one that was given.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ipops import audit, uploads, validators, visibility
from ipops.access import Actor
from ipops.errors import CoreErrorCode, FieldErrors
from subsidies.errors import ClaimInvalidTransition, EvidenceNotFound
from subsidies.lifecycles import CLAIM
from subsidies.models import Claim, ClaimState, Evidence
from subsidies.permissions import require

#: While the claim is in one of these states its claimant may add and remove evidence; from submission on,
#: the reviewers decide on what was given.
OPEN_FOR_EVIDENCE = frozenset({ClaimState.DRAFT, ClaimState.RETURNED, ClaimState.TO_CONFIRM})


def claim_evidence(actor: Actor, claim: Claim | int) -> QuerySet[Evidence]:
    """The evidence of a claim the actor may see (404 otherwise), oldest first."""
    found = visibility.get_visible_or_404(Claim.objects.all(), actor, getattr(claim, "pk", claim))
    return Evidence.objects.filter(claim=found).order_by("uploaded_at", "pk")


def evidence_get(actor: Actor, pk, *, claim: int | None = None) -> Evidence:
    """One evidence file the actor may see; with `claim`, only if it belongs to that claim (404 otherwise)."""
    found = visibility.get_visible_or_404(Evidence.objects.all(), actor, pk)
    if claim is not None and found.claim_id != claim:
        raise EvidenceNotFound()
    return found


def _open_claim(actor: Actor, claim: Claim) -> Claim:
    """The claim locked, if the actor is its claimant and it still takes changes to its evidence."""
    locked = CLAIM.lock(claim)
    require(actor, "claim.edit", locked)
    if locked.state not in OPEN_FOR_EVIDENCE:
        raise ClaimInvalidTransition(
            _(
                "Evidence can be added or removed only while the claim is a draft, returned for more "
                "information or awaiting your confirmation."
            )
        )
    return locked


@transaction.atomic
def evidence_add(*, actor: Actor, claim: Claim | int, label: str, upload) -> Evidence:
    """The claimant attaches a file to their claim, saying which required evidence it answers (one of the
    policy's `evidence` list, or their own words)."""
    found = visibility.get_visible_or_404(Claim.objects.all(), actor, getattr(claim, "pk", claim))
    require(actor, "claim.edit", found)
    errors = FieldErrors()
    label = validators.text(
        label, "label", errors, max_length=120, message=_("Say which required evidence this file is.")
    )
    if upload is None:
        errors.add("file", CoreErrorCode.REQUIRED, _("Choose a file to upload."))
    errors.raise_if_any()
    # Checked before the claim is locked: reading a large PDF must not hold up the claim's reviewers.
    checked = uploads.check_upload(upload)
    locked = _open_claim(actor, found)
    path = uploads.store(checked, prefix=f"subsidies/{locked.city_id}")
    evidence = Evidence.objects.create(
        city_id=locked.city_id,
        claim=locked,
        label=label,
        path=path,
        original_name=checked.name,
        mime=checked.mime,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor.user,
    )
    audit.record(
        actor=actor.user,
        city=locked.city_id,
        action="claim_evidence_add",
        obj=locked,
        data={
            "evidence": evidence.pk,
            "label": label,
            "name": checked.name,
            "size": checked.size,
            "sha256": checked.sha256,
        },
    )
    return evidence


@transaction.atomic
def evidence_remove(*, actor: Actor, evidence: Evidence | int) -> None:
    """The claimant takes a file off their claim while it still takes changes. The stored file stays: its
    row's history keeps the path and hash, and the same content may back another claim's evidence."""
    found = evidence_get(actor, getattr(evidence, "pk", evidence))
    locked = _open_claim(actor, found.claim)
    audit.record(
        actor=actor.user,
        city=locked.city_id,
        action="claim_evidence_remove",
        obj=locked,
        data={
            "evidence": found.pk,
            "label": found.label,
            "name": found.original_name,
            "sha256": found.sha256,
        },
    )
    found.delete()
