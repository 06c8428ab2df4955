"""The loan's lifecycle, declared once (`ipops.workflow`): the services move a loan only through it, and
the loan page and the API's loan detail offer exactly `LOAN.available(actor, loan)`.

draft → submitted → valued → approved → disbursed → repaid, with the other endings: withdrawn (before
a decision), rejected (by any of the three parties) and defaulted. `decide` is one party's decision and
keeps the loan valued; `approve` / `reject` are the outcomes the last decision (or the first rejection)
brings, `close` the one the last repayment brings. Repayments, the fees the enterprise paid, recoveries and
the release of a defaulted loan's pledge are recorded within their state.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ipops.workflow import Step, Workflow
from pledge_finance.errors import LoanInvalidTransition, PledgeAlreadyReleased
from pledge_finance.models import Loan, LoanState
from pledge_finance.permissions import can

S = LoanState


def _pledge_held(loan: Loan) -> None:
    if loan.pledge_released_at is not None:
        raise PledgeAlreadyReleased()


LOAN: Workflow[Loan] = Workflow(
    model=Loan,
    entity="loan",
    state_field="state",
    can=can,
    invalid=LoanInvalidTransition,
    steps=[
        # Changing a draft is the application's own form (PATCH), not a step of the page.
        Step("update", frozenset({S.DRAFT}), None, "loan.apply", manual=False),
        Step("submit", frozenset({S.DRAFT}), S.SUBMITTED, "loan.apply", _("Submit the application")),
        Step("value", frozenset({S.SUBMITTED}), S.VALUED, "loan.value", _("Record the valuation")),
        Step("decide", frozenset({S.VALUED}), None, "loan.decide", _("Your decision")),
        # Outcomes the service takes within a permitted step (decide, repay): no permission of their own.
        Step("approve", frozenset({S.VALUED}), S.APPROVED, manual=False),
        Step("reject", frozenset({S.VALUED}), S.REJECTED, manual=False),
        Step(
            "withdraw",
            frozenset({S.DRAFT, S.SUBMITTED, S.VALUED}),
            S.WITHDRAWN,
            "loan.apply",
            _("Withdraw the application"),
            style="outline-danger",
        ),
        Step(
            "disburse",
            frozenset({S.APPROVED}),
            S.DISBURSED,
            "loan.service",
            _("Contract, pledge registration and disbursement"),
        ),
        Step("repay", frozenset({S.DISBURSED}), None, "loan.service", _("Record a repayment")),
        # The fees the enterprise paid (premium, guarantee, appraisal, intermediary), from their invoices:
        # on a live or repaid loan, whose subsidies are computed from them.
        Step(
            "record_fee",
            frozenset({S.DISBURSED, S.REPAID}),
            None,
            "loan.service",
            _("Record a fee the enterprise paid"),
            style="outline-primary",
        ),
        Step("close", frozenset({S.DISBURSED}), S.REPAID, manual=False),
        Step(
            "default",
            frozenset({S.DISBURSED}),
            S.DEFAULTED,
            "loan.service",
            _("Declare default"),
            style="outline-danger",
        ),
        Step("recover", frozenset({S.DEFAULTED}), None, "loan.service", _("Record a recovery")),
        Step(
            "release_pledge",
            frozenset({S.DEFAULTED}),
            None,
            "loan.service",
            _("Release the pledge"),
            guard=_pledge_held,
        ),
    ],
)
