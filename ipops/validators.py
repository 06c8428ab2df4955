"""Field validation every service shares: collect every error, then fail once.

A service makes a `FieldErrors`, passes it to these checks field by field, and calls
`errors.raise_if_any()` before it writes anything: an API client or a form sees every
problem at once, each with a stable code (`CoreErrorCode`) and a translated message.
Each check returns the cleaned value, or None when the field was invalid (already recorded).
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from ipops.errors import CoreErrorCode as Code
from ipops.errors import FieldErrors
from ipops.money import MONEY_LIMIT, RATE_PLACES, fen, to_decimal

__all__ = [
    "FieldErrors",
    "money",
    "rate",
    "choice",
    "text",
    "whole_number",
    "not_in_future",
    "in_future",
    "ipc_codes",
]


def money(
    value,
    field: str,
    errors: FieldErrors,
    *,
    required: bool = True,
    positive: bool = True,
    allow_zero: bool = False,
) -> Decimal | None:
    """An amount in 元, to the fen (half up). `positive`: > 0 (≥ 0 with `allow_zero`)."""
    if value is None or value == "":
        if required:
            errors.add(field, Code.REQUIRED, _("An amount is required."))
        return None
    try:
        amount = fen(value)
    except (InvalidOperation, TypeError, ValueError):
        errors.add(field, Code.INVALID_AMOUNT, _("Enter an amount."))
        return None
    if not amount.is_finite():
        errors.add(field, Code.INVALID_AMOUNT, _("Enter an amount."))
        return None
    if positive and (amount < 0 or (amount == 0 and not allow_zero)):
        errors.add(field, Code.AMOUNT_NOT_POSITIVE, _("The amount must be positive."))
    elif not positive and amount < 0:
        errors.add(field, Code.AMOUNT_NEGATIVE, _("The amount cannot be negative."))
    elif abs(amount) >= MONEY_LIMIT:
        errors.add(field, Code.AMOUNT_TOO_LARGE, _("This amount is too large."))
    else:
        return amount
    return None


def rate(
    value,
    field: str,
    errors: FieldErrors,
    *,
    low: Decimal = Decimal(0),
    high: Decimal = Decimal(1),
    required: bool = True,
) -> Decimal | None:
    """A ratio (0.0435 for 4.35%), to six places, within [low, high]."""
    if value is None or value == "":
        if required:
            errors.add(field, Code.REQUIRED, _("A rate is required."))
        return None
    try:
        ratio = to_decimal(value).quantize(RATE_PLACES)
    except (InvalidOperation, TypeError, ValueError):
        errors.add(field, Code.INVALID_RATE, _("Enter a rate."))
        return None
    if not low <= ratio <= high:
        errors.add(
            field,
            Code.RATE_OUT_OF_RANGE,
            _("Enter a rate between %(low)s%% and %(high)s%%.")
            % {"low": _percent(low), "high": _percent(high)},
        )
        return None
    return ratio


def _percent(ratio: Decimal) -> str:
    return f"{(ratio * 100).normalize():f}"


def choice(
    value, choices: Collection[str], field: str, errors: FieldErrors, *, required: bool = True
) -> str | None:
    if value in (None, ""):
        if required:
            errors.add(field, Code.REQUIRED, _("Choose one."))
        return None
    if value not in choices:
        errors.add(field, Code.INVALID_CHOICE, _("Not a valid choice."))
        return None
    return str(value)


def text(
    value,
    field: str,
    errors: FieldErrors,
    *,
    required: bool = True,
    max_length: int | None = None,
    message=None,
) -> str:
    cleaned = (value or "").strip()
    if required and not cleaned:
        errors.add(field, Code.REQUIRED, message or _("This field is required."))
    elif max_length is not None and len(cleaned) > max_length:
        errors.add(field, Code.INVALID, _("At most %(n)d characters.") % {"n": max_length})
    return cleaned


def whole_number(
    value,
    field: str,
    errors: FieldErrors,
    *,
    low: int | None = None,
    high: int | None = None,
    required: bool = True,
) -> int | None:
    if value is None or value == "":
        if required:
            errors.add(field, Code.REQUIRED, _("This field is required."))
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors.add(field, Code.INVALID_NUMBER, _("Enter a whole number."))
        return None
    if (low is not None and number < low) or (high is not None and number > high):
        errors.add(
            field,
            Code.INVALID_NUMBER,
            _("Enter a whole number between %(low)s and %(high)s.")
            % {"low": low if low is not None else "", "high": high if high is not None else ""},
        )
        return None
    return number


def not_in_future(
    value: datetime.date | None, field: str, errors: FieldErrors, *, today: datetime.date
) -> datetime.date | None:
    if value is not None and value > today:
        errors.add(field, Code.DATE_IN_FUTURE, _("This date cannot be in the future."))
        return None
    return value


def in_future(
    value: datetime.date | None, field: str, errors: FieldErrors, *, today: datetime.date
) -> datetime.date | None:
    if value is not None and value <= today:
        errors.add(field, Code.DATE_IN_PAST, _("The date must be in the future."))
        return None
    return value


def ipc_codes(values: Iterable[str] | None, field: str, errors: FieldErrors) -> list[str]:
    """IPC symbols normalised and de-duplicated, in the order given; each bad one is its own error."""
    from ipops.ids import InvalidIdentifier, normalize_ipc

    out: list[str] = []
    for raw in values or ():
        try:
            code = normalize_ipc(raw)
        except InvalidIdentifier as exc:
            errors.add(field, exc.code, f"{raw}: {exc.message}")
        else:
            if code not in out:
                out.append(code)
    return out
