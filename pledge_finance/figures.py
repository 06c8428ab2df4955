"""The city's pledge financing as monthly figures, and the loans behind them (read by `reporting`)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import QuerySet

from ipops.money import ZERO
from pledge_finance.models import Loan


@dataclass(frozen=True)
class LoanFigures:
    """Loans disbursed in a month: how many, how much, and the enterprises financed for the first time."""

    count: int = 0
    amount: Decimal = ZERO
    new_enterprises: int = 0


def _disbursed(city, date_from: datetime.date, date_to: datetime.date) -> QuerySet[Loan]:
    return Loan.objects.filter(city=city, disbursed_on__gte=date_from, disbursed_on__lte=date_to)


def loans_by_month(
    *, city, date_from: datetime.date, date_to: datetime.date
) -> dict[datetime.date, LoanFigures]:
    """Loans by month of disbursement (one grouped query), and enterprises by the month of their first
    disbursed loan (one more), so a quarter's or a year's enterprises add up without counting one twice."""
    return loans_by_city_month(cities=[city.pk], date_from=date_from, date_to=date_to).get(city.pk, {})


def loans_by_city_month(
    *, cities: Sequence[int], date_from: datetime.date, date_to: datetime.date
) -> dict[int, dict[datetime.date, LoanFigures]]:
    """`loans_by_month` of many cities in the same two queries (the nightly roll-up reads every city at
    once; inside `scopes_disabled()`): {city id: {month: figures}}."""
    months: dict[int, dict[datetime.date, list]] = defaultdict(dict)
    table = Loan._meta.db_table
    with connection.cursor() as cursor:
        # Loans summed by their day first (a plain date key), then the days by month: the month is worked
        # out once a day, not once a loan.
        cursor.execute(
            f"""
            SELECT city_id, date_trunc('month', day)::date, sum(n), sum(amount) FROM (
                SELECT city_id, disbursed_on AS day, count(*) AS n, sum(amount) AS amount FROM {table}
                WHERE city_id = ANY(%s) AND disbursed_on BETWEEN %s AND %s GROUP BY 1, 2
            ) AS days GROUP BY 1, 2
            """,  # noqa: S608 — the model's own table; every value is a parameter
            [list(cities), date_from, date_to],
        )
        for city_id, month, n, amount in cursor.fetchall():
            months[city_id][month] = [int(n), amount or ZERO, 0]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT city_id, date_trunc('month', first)::date, count(*) FROM ("
            "  SELECT city_id, min(disbursed_on) AS first FROM pledge_finance_loan"
            "  WHERE city_id = ANY(%s) AND disbursed_on IS NOT NULL GROUP BY city_id, enterprise_id"
            ") firsts WHERE first BETWEEN %s AND %s GROUP BY 1, 2",
            [list(cities), date_from, date_to],
        )
        for city_id, month, n in cursor.fetchall():
            months[city_id].setdefault(month, [0, ZERO, 0])[2] = n
    return {
        city_id: {m: LoanFigures(*v) for m, v in sorted(by_month.items())}
        for city_id, by_month in months.items()
    }


def disbursed_loans(*, city, date_from: datetime.date, date_to: datetime.date) -> QuerySet[Loan]:
    """The loans disbursed in a period, newest first: the records behind a pledge-financing figure."""
    return (
        _disbursed(city, date_from, date_to)
        .select_related("enterprise", "bank")
        .order_by("-disbursed_on", "-pk")
    )
