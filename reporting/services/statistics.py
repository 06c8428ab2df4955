"""Reported statistics: each value is a new version; the one it corrects stays, no longer current."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.utils.translation import gettext as _

from ipops import audit, clock, validators
from ipops.access import Actor
from ipops.errors import CoreErrorCode, FieldErrors
from reporting.errors import ReportingErrorCode
from reporting.models import Statistic, StatisticCode
from reporting.permissions import require


def clean(*, city, code, year, month, value, errors: FieldErrors) -> tuple:
    code = validators.choice(code, StatisticCode.values, "code", errors)
    year = validators.whole_number(year, "year", errors, low=1985, high=clock.today().year)
    month = validators.whole_number(month, "month", errors, low=1, high=12, required=False)
    number = None
    if value is None or value == "":
        errors.add("value", CoreErrorCode.REQUIRED, _("A value is required."))
    else:
        try:
            number = Decimal(str(value).replace(",", ""))
        except (InvalidOperation, ValueError):
            errors.add("value", CoreErrorCode.INVALID, _("Enter a number."))
        else:
            if not number.is_finite() or abs(number) >= Decimal("1e17"):
                errors.add("value", CoreErrorCode.INVALID, _("Enter a number."))
                number = None
            elif number < 0:
                errors.add("value", ReportingErrorCode.NEGATIVE_VALUE, _("The value cannot be negative."))
                number = None
    if year is not None and month is not None and (year, month) > (clock.today().year, clock.today().month):
        errors.add("month", ReportingErrorCode.INVALID_PERIOD, _("This month has not ended yet."))
    return code, year, month, number


@transaction.atomic
def statistic_record(*, actor: Actor, code, year, month=None, value, note: str = "", batch=None) -> Statistic:
    """Enter a figure for a year (no month) or a month. A second entry for the same period is a correction:
    the earlier version is kept, no longer current. The period's row is locked, so two corrections queue."""
    require(actor, "statistic.enter")
    errors = FieldErrors()
    code, year, month, number = clean(
        city=actor.city, code=code, year=year, month=month, value=value, errors=errors
    )
    note = validators.text(note, "note", errors, required=False, max_length=200)
    errors.raise_if_any()
    # The period may have no row to lock yet: two first entries queue on a lock named after the period.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"statistic:{actor.city.pk}:{code}:{year}:{month}"]
        )
    previous = (
        Statistic.objects.select_for_update()
        .filter(code=code, year=year, month=month, is_current=True)
        .first()
    )
    version = 1
    if previous is not None:
        if previous.value == number and previous.note == note:
            return previous  # the same figure again (a re-imported file): nothing new to version
        version = previous.version + 1
        Statistic.objects.filter(pk=previous.pk).update(is_current=False)
    statistic = Statistic.objects.create(
        city=actor.city,
        code=code,
        year=year,
        month=month,
        value=number,
        version=version,
        note=note,
        batch=batch,
        entered_by=actor.user,
        entered_at=clock.now(),
    )
    audit.record(
        actor=actor.user,
        city=actor.city,
        action="statistic_record",
        obj=statistic,
        data={"code": code, "year": year, "month": month, "value": str(number), "version": version},
    )
    return statistic
