"""What the subsidy pages share: refusals shown on forms, and small reads the pages need."""

from __future__ import annotations

from django.db.models import QuerySet

from ipops import clock
from ipops.errors import ApplicationError, NotFound, PermissionDenied
from subsidies.models import Claim, ClaimState
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


def awards_in_notice() -> QuerySet[Claim]:
    """The city's awards in public notice today (the scope names the city), soonest end first."""
    return (
        Claim.objects.filter(state__in=NOTICE_STATES, notice_ends_on__gte=clock.today())
        .select_related("policy", "organization")
        .order_by("notice_ends_on", "pk")
    )
