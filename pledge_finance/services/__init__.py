"""Every write of pledge finance. `<entity>_<action>(*, actor, ...)`, atomic, row locked before the state check.

Pledge exclusivity lives in the registry (`ipops.services.registry`): a submitted
application places a `pledge` encumbrance on its assets (source `pledge_finance.loan:<pk>`),
so a second application, a sale or an exclusive licence of the same asset meets it there.

A loan from application to repayment: submit, valuation, three-party review, disbursement, repayments
(`applications`, `review`, `servicing`), and the fees the enterprise paid on it (`fees`). Every step locks
the loan (`LOAN.lock`), checks it against the lifecycle (`LOAN.check`: permission, state, guard), collects
every field error before it writes, and moves the loan with `LOAN.apply`, which audits.
"""

from pledge_finance.services.applications import loan_create, loan_submit, loan_update, loan_withdraw
from pledge_finance.services.fees import loan_fee_record
from pledge_finance.services.losses import (
    instalments_mark_overdue,
    loan_declare_default,
    loan_record_recovery,
    loan_release_pledge,
    reserve_open,
    reserve_top_up,
    reserve_update,
)
from pledge_finance.services.products import product_create, product_update
from pledge_finance.services.review import loan_decide, loan_record_valuation
from pledge_finance.services.servicing import loan_disburse, loan_record_repayment

__all__ = [
    "instalments_mark_overdue",
    "loan_create",
    "loan_decide",
    "loan_declare_default",
    "loan_disburse",
    "loan_fee_record",
    "loan_record_recovery",
    "loan_record_repayment",
    "loan_record_valuation",
    "loan_release_pledge",
    "loan_submit",
    "loan_update",
    "loan_withdraw",
    "product_create",
    "product_update",
    "reserve_open",
    "reserve_top_up",
    "reserve_update",
]
