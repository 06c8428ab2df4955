"""What the subsidy pages share: refusals shown on forms, and small reads the pages need."""

from __future__ import annotations

from ipops.errors import ApplicationError, NotFound, PermissionDenied
from subsidies.models import ClaimState
from subsidies.permissions import CLAIMANT_ROLES


def service_error(form, exc: ApplicationError) -> None:
    """A refusal beside the form's fields; a permission or a missing row stays a page of its own."""
    if isinstance(exc, PermissionDenied | NotFound):
        raise exc
    form.add_service_errors(exc)


def require_claimant(actor) -> None:
    """The claimant's pages: an enterprise, a university or institute, a service institution."""
    if actor.role not in CLAIMANT_ROLES or actor.organization_id is None:
        raise PermissionDenied()


#: The states a claim is in while its award is published (held ones stay listed: an objection is open).
NOTICE_STATES = (ClaimState.IN_NOTICE, ClaimState.HELD)
