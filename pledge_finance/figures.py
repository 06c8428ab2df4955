"""The city's pledge financing as monthly figures, and the loans behind them (read by `reporting`)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth

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
    months: dict[datetime.date, list] = {}
    rows = (
        _disbursed(city, date_from, date_to)
        .annotate(m=TruncMonth("disbursed_on"))
        .values("m")
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by()
    )
    for row in rows:
        months[row["m"]] = [row["n"], row["amount"] or ZERO, 0]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT date_trunc('month', first)::date, count(*) FROM ("
            "  SELECT min(disbursed_on) AS first FROM pledge_finance_loan"
            "  WHERE city_id = %s AND disbursed_on IS NOT NULL GROUP BY enterprise_id"
            ") firsts WHERE first BETWEEN %s AND %s GROUP BY 1",
            [city.pk, date_from, date_to],
        )
        for month, n in cursor.fetchall():
            months.setdefault(month, [0, ZERO, 0])[2] = n
    return {m: LoanFigures(*v) for m, v in sorted(months.items())}


def disbursed_loans(*, city, date_from: datetime.date, date_to: datetime.date) -> QuerySet[Loan]:
    """The loans disbursed in a period, newest first: the records behind a pledge-financing figure."""
    return (
        _disbursed(city, date_from, date_to)
        .select_related("enterprise", "bank")
        .order_by("-disbursed_on", "-pk")
    )
