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

from django.utils.formats import date_format
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
    "date_in_range",
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


#: Nothing the platform records happened before China's first IP laws were in force: a day before this is a
#: typing error (0025 for 2025), not history. Events that happened (a payment, a signature, a booking) are
#: held to it by `not_in_future`.
EARLIEST = datetime.date(1985, 1, 1)
#: China's Patent Law took effect on 1 April 1985: no Chinese patent was filed or granted before it.
PATENT_LAW = datetime.date(1985, 4, 1)
#: How far ahead a date of something planned may lie (a listing's expiry): a year 9999 is a typing error.
FURTHEST_YEARS = 5


def _day(value: datetime.date) -> str:
    return date_format(value, "DATE_FORMAT")


def years_after(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def date_in_range(
    value: datetime.date | None,
    field: str,
    errors: FieldErrors,
    *,
    earliest: datetime.date | None = None,
    latest: datetime.date | None = None,
    message=None,
) -> datetime.date | None:
    """A date within [earliest, latest]: before it is `date_too_early`, after it `date_too_far`, each with a
    message naming the bound (or `message`)."""
    if value is None:
        return None
    if earliest is not None and value < earliest:
        errors.add(
            field,
            Code.DATE_TOO_EARLY,
            message or _("This date cannot be before %(day)s.") % {"day": _day(earliest)},
        )
        return None
    if latest is not None and value > latest:
        errors.add(
            field,
            Code.DATE_TOO_FAR,
            message or _("This date cannot be after %(day)s.") % {"day": _day(latest)},
        )
        return None
    return value


def not_in_future(
    value: datetime.date | None,
    field: str,
    errors: FieldErrors,
    *,
    today: datetime.date,
    earliest: datetime.date = EARLIEST,
) -> datetime.date | None:
    """A day something happened: not after today (`in_future`), not before `earliest` (`date_too_early`)."""
    if value is not None and value > today:
        errors.add(field, Code.DATE_IN_FUTURE, _("This date cannot be in the future."))
        return None
    return date_in_range(value, field, errors, earliest=earliest)


def in_future(
    value: datetime.date | None,
    field: str,
    errors: FieldErrors,
    *,
    today: datetime.date,
    within_years: int | None = None,
) -> datetime.date | None:
    """A day still to come: after today (`date_in_past`), and with `within_years` no further than that
    many years ahead (`date_too_far`)."""
    if value is not None and value <= today:
        errors.add(field, Code.DATE_IN_PAST, _("The date must be in the future."))
        return None
    if within_years is None:
        return value
    latest = years_after(today, within_years)
    return date_in_range(
        value,
        field,
        errors,
        latest=latest,
        message=_("This date cannot be more than %(years)d years ahead (after %(day)s).")
        % {"years": within_years, "day": _day(latest)},
    )


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
