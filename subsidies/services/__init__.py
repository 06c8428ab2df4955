"""Every write of the subsidies app."""

from subsidies.services.automatic import automatic_run
from subsidies.services.catalogue import eligible, evaluate, policy_save
from subsidies.services.claims import (
    claim_approve,
    claim_confirm,
    claim_reject,
    claim_return,
    claim_start,
    claim_submit,
    claim_update,
    claim_withdraw,
)
from subsidies.services.notice import notices_advance, objection_lodge, objection_resolve
from subsidies.services.payments import batch_pay

__all__ = [
    "automatic_run",
    "batch_pay",
    "claim_approve",
    "claim_confirm",
    "claim_reject",
    "claim_return",
    "claim_start",
    "claim_submit",
    "claim_update",
    "claim_withdraw",
    "eligible",
    "evaluate",
    "notices_advance",
    "objection_lodge",
    "objection_resolve",
    "policy_save",
]
