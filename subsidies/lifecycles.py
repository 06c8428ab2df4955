"""A claim's lifecycle, declared once (`ipops.workflow`):

draft → submitted → (returned ↺ submitted) → in notice (approved, with its amount) | rejected;
in notice → held (an objection) → in notice again | rejected (the objection upheld);
in notice → payable (the notice ended without objection: the nightly task) → paid (in a batch).
An automatic claim (免申即享) starts awaiting the claimant's confirmation of its bank account.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ipops.workflow import Step, Workflow
from subsidies.errors import ClaimInvalidTransition
from subsidies.models import Claim, ClaimState
from subsidies.permissions import can

S = ClaimState

CLAIM: Workflow[Claim] = Workflow(
    model=Claim,
    entity="claim",
    state_field="state",
    can=can,
    invalid=ClaimInvalidTransition,
    steps=[
        Step("update", frozenset({S.DRAFT, S.RETURNED}), None, "claim.edit", manual=False),
        Step("submit", frozenset({S.DRAFT, S.RETURNED}), S.SUBMITTED, "claim.edit", _("Submit the claim")),
        Step("confirm", frozenset({S.TO_CONFIRM}), S.SUBMITTED, "claim.edit", _("Confirm and receive it")),
        Step(
            "withdraw",
            frozenset({S.DRAFT, S.TO_CONFIRM, S.SUBMITTED, S.RETURNED}),
            S.WITHDRAWN,
            "claim.edit",
            _("Withdraw"),
            style="outline-danger",
        ),
        Step(
            "return", frozenset({S.SUBMITTED}), S.RETURNED, "claim.review", _("Return for more information")
        ),
        Step("approve", frozenset({S.SUBMITTED}), S.IN_NOTICE, "claim.review", _("Approve")),
        Step(
            "reject",
            frozenset({S.SUBMITTED}),
            S.REJECTED,
            "claim.review",
            _("Reject"),
            style="outline-danger",
        ),
        # Taken by the public (an objection), by staff resolving it, by the nightly task and in a batch.
        Step("hold", frozenset({S.IN_NOTICE, S.HELD}), S.HELD, manual=False),
        Step("release", frozenset({S.HELD}), S.IN_NOTICE, manual=False),
        Step("overturn", frozenset({S.HELD}), S.REJECTED, manual=False),
        Step("notice_pass", frozenset({S.IN_NOTICE}), S.PAYABLE, manual=False),
        Step("pay", frozenset({S.PAYABLE}), S.PAID, manual=False),
    ],
)
