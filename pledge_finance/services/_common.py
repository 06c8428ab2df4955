"""Helpers shared by the pledge-finance services: locking, transitions, parsing money and rates."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from ipops import audit
from ipops.errors import FieldErrors
from ipops.money import fen, to_decimal
from pledge_finance import clock
from pledge_finance.errors import (
    LoanInvalidTransition,
)
from pledge_finance.models import (
    TRANSITIONS,
    Loan,
    allowed,
)

RATE_PLACES = Decimal("0.000001")


# --- helpers --------------------------------------------------------------------------


def _today() -> datetime.date:
    return clock.today()


def _user(actor):
    return getattr(actor, "user", None)


def _lock(loan: Loan) -> Loan:
    return Loan.objects.select_for_update().select_related("product").get(pk=loan.pk)


def _check_state(loan: Loan, action: str) -> None:
    if not allowed(action, loan.state):
        raise LoanInvalidTransition(
            fields={"state": [{"code": "invalid_transition", "detail": loan.get_state_display()}]}
        )


def _move(
    loan: Loan,
    action: str,
    *,
    actor,
    to_state: str | None = None,
    reason: str = "",
    data: dict | None = None,
    fields: Iterable[str] = (),
) -> Loan:
    """Apply one transition of `TRANSITIONS`, save, and leave the audit record."""
    _check_state(loan, action)
    from_state = loan.state
    loan.state = to_state or TRANSITIONS[action][1]
    loan.save(update_fields=["state", "updated_at", *fields])
    audit.record(
        actor=_user(actor),
        city=loan.city_id,
        action=f"loan_{action}",
        obj=loan,
        from_state=from_state,
        to_state=loan.state,
        reason=reason,
        data=data,
    )
    return loan


def _money(value, field: str, errors: FieldErrors, *, positive: bool = True) -> Decimal | None:
    try:
        amount = fen(value)
    except (InvalidOperation, TypeError, ValueError):
        errors.add(field, "invalid", _("Enter an amount."))
        return None
    if positive and amount <= 0:
        errors.add(field, "not_positive", _("The amount must be positive."))
    return amount


def _rate(value, field: str, errors: FieldErrors, *, low=Decimal(0), high=Decimal(1)) -> Decimal | None:
    try:
        rate = to_decimal(value).quantize(RATE_PLACES)
    except (InvalidOperation, TypeError, ValueError):
        errors.add(field, "invalid", _("Enter a ratio between 0 and 1."))
        return None
    if not low <= rate <= high:
        errors.add(field, "out_of_range", _("Enter a ratio between 0 and 1."))
    return rate
