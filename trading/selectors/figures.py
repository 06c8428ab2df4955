"""The city's completed deals as figures (for `reporting` and `subsidies`) and the operations centres."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone

from ipops.access import Actor
from ipops.models import Organization
from ipops.money import ZERO
from ipops.visibility import get_visible_or_404

from ..models import (
    LICENCE_DEAL_TYPES,
    TRANSFER_DEAL_TYPES,
    CentreMembership,
    OperationsCentre,
    Transaction,
    TransactionStatus,
)
from ..rules import centre_meets_national_level

# --- figures for the city's indicators ---------------------------------------------------------------------


@dataclass(frozen=True)
class DealFigures:
    """Completed deals in a period: transfers (转让) and licences (许可), count and amount."""

    transfers_count: int = 0
    transfers_amount: Decimal = ZERO
    licences_count: int = 0
    licences_amount: Decimal = ZERO

    @property
    def count(self) -> int:
        return self.transfers_count + self.licences_count

    @property
    def amount(self) -> Decimal:
        return self.transfers_amount + self.licences_amount


def _completed(city, date_from: datetime.date | None, date_to: datetime.date | None) -> QuerySet[Transaction]:
    """Completed deals whose completion falls on those days (Asia/Shanghai), as a timestamp range: a range
    on the column itself walks `tx_city_status_done` (a filter on its date would not)."""
    return _completed_in(Transaction.objects.filter(city=city), date_from, date_to)


def _completed_in(qs: QuerySet[Transaction], date_from, date_to) -> QuerySet[Transaction]:
    qs = qs.filter(status=TransactionStatus.COMPLETED)
    if date_from:
        qs = qs.filter(completed_at__gte=_day_start(date_from))
    if date_to:
        qs = qs.filter(completed_at__lt=_day_start(date_to + datetime.timedelta(days=1)))
    return qs


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def deal_figures(
    *,
    city,
    year: int | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> DealFigures:
    """The city's completed transfers and licences (for `reporting` and `subsidies`).

    `year` is a calendar year in Asia/Shanghai (fiscal year = calendar year); or give a date range.
    Runs inside the city's scope (or a task's explicit one).
    """
    if year:
        date_from, date_to = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    rows = (
        _completed(city, date_from, date_to)
        .values("deal_type")
        .annotate(n=Count("pk"), amount=Sum("agreed_price"))
    )
    t_n = l_n = 0
    t_a = l_a = ZERO
    for row in rows:
        if row["deal_type"] in TRANSFER_DEAL_TYPES:
            t_n += row["n"]
            t_a += row["amount"] or ZERO
        elif row["deal_type"] in LICENCE_DEAL_TYPES:
            l_n += row["n"]
            l_a += row["amount"] or ZERO
    return DealFigures(t_n, t_a, l_n, l_a)


def deal_figures_by_year(*, city) -> dict[int, DealFigures]:
    out: dict[int, dict] = defaultdict(lambda: {"tn": 0, "ta": ZERO, "ln": 0, "la": ZERO})
    rows = (
        _completed(city, None, None)
        .annotate(y=ExtractYear("completed_at"))
        .values("y", "deal_type")
        .annotate(n=Count("pk"), amount=Sum("agreed_price"))
    )
    for row in rows:
        slot = out[row["y"]]
        if row["deal_type"] in TRANSFER_DEAL_TYPES:
            slot["tn"] += row["n"]
            slot["ta"] += row["amount"] or ZERO
        else:
            slot["ln"] += row["n"]
            slot["la"] += row["amount"] or ZERO
    return {y: DealFigures(v["tn"], v["ta"], v["ln"], v["la"]) for y, v in sorted(out.items())}


# --- operations centres -------------------------------------------------------------------------------------


@dataclass
class CentreYear:
    year: int
    count: int
    amount: Decimal


def centres_yearly(centres: Sequence[OperationsCentre]) -> dict[int, list[CentreYear]]:
    """Deals credited to each centre by year: completed deals in which the centre's own organisation or a
    member sold or licensed (technology transformation, 转化), or bought — each deal counted once per centre.
    Two queries however many centres (a deal may count for several)."""
    members = {c.pk: {c.organization_id} for c in centres}
    for centre_id, organization_id in CentreMembership.objects.filter(centre__in=list(members)).values_list(
        "centre_id", "organization_id"
    ):
        members[centre_id].add(organization_id)
    everyone = set().union(*members.values())
    deals = (
        Transaction.objects.filter(status=TransactionStatus.COMPLETED)
        .filter(Q(seller_id__in=everyone) | Q(buyer_id__in=everyone))
        .annotate(y=ExtractYear("completed_at"))
        .values_list("seller_id", "buyer_id", "y", "agreed_price")
    )
    totals: dict[int, dict[int, list]] = {pk: defaultdict(lambda: [0, ZERO]) for pk in members}
    for seller, buyer, year, price in deals:
        for pk, organizations in members.items():
            if seller in organizations or buyer in organizations:
                slot = totals[pk][year]
                slot[0] += 1
                slot[1] += price
    return {
        pk: [CentreYear(y, n, amount) for y, (n, amount) in sorted(years.items())]
        for pk, years in totals.items()
    }


def centre_yearly(centre: OperationsCentre) -> list[CentreYear]:
    return centres_yearly([centre])[centre.pk]


def centres_overview() -> list[dict]:
    centres = list(
        OperationsCentre.objects.select_related("organization")
        .annotate(members=Count("memberships"))
        .order_by("name")
    )
    years = centres_yearly(centres)
    return [{"centre": c, "members": c.members, "years": years[c.pk]} for c in centres]


def centre_members(centre: OperationsCentre) -> QuerySet[CentreMembership]:
    return (
        CentreMembership.objects.filter(centre=centre)
        .select_related("organization")
        .order_by("organization__kind", "organization__name")
    )


def centre_candidates(centre: OperationsCentre | None = None) -> QuerySet[Organization]:
    """Organisations that may run a new centre (none runs one yet), or join `centre` (not in it yet)."""
    if centre is None:
        return Organization.objects.filter(operations_centre__isnull=True).order_by("kind", "name")
    return (
        Organization.objects.exclude(pk=centre.organization_id)
        .exclude(pk__in=CentreMembership.objects.filter(centre=centre).values("organization_id"))
        .order_by("kind", "name")
    )


def centre_get(actor: Actor, pk) -> OperationsCentre:
    return get_visible_or_404(OperationsCentre.objects.select_related("organization"), actor, pk)


#: The columns an API list row shows (`ListingSerializer`, `PublicListingSerializer`): loading only these
#: and the seller's name roughly halves the cost of a page of 20.


# --- monthly figures and records behind them (read by `reporting`) ------------------------------------------


def deals_by_month(
    *, city, date_from: datetime.date, date_to: datetime.date
) -> dict[datetime.date, DealFigures]:
    """Completed transfers and licences per month of completion (Asia/Shanghai): one grouped query."""
    return deals_by_city_month(cities=[city.pk], date_from=date_from, date_to=date_to).get(city.pk, {})


def deals_by_city_month(
    *, cities: Sequence[int], date_from: datetime.date, date_to: datetime.date
) -> dict[int, dict[datetime.date, DealFigures]]:
    """`deals_by_month` of many cities in one query (the nightly roll-up reads a share of the cities at
    once, inside `scopes_disabled()`): {city id: {month: figures}}.

    Each city's months are ranges of `completed_at` — the month's first instant in Asia/Shanghai to the
    next's — each counted by a range scan of `tx_city_status_done`, which holds every column read. Grouping
    the rows by their month instead converts every row's timestamp and hashes the groups: several times
    slower at a million deals."""
    months = _month_ranges(date_from, date_to)
    if not months or not cities:
        return {}
    # Every (city, month) in city-major order, as one list of rows: the range scans then walk the index in
    # its own order (a city's months one after the other), not a month of every city in turn.
    grid = [(city_id, *month) for city_id in cities for month in months]
    transfers = sorted(TRANSFER_DEAL_TYPES)
    table = Transaction._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT g.city_id, g.month, d.tn, d.ta, d.ln, d.la
            FROM unnest(%s::bigint[], %s::date[], %s::timestamptz[], %s::timestamptz[])
                AS g(city_id, month, start, stop)
            CROSS JOIN LATERAL (
                SELECT count(*) FILTER (WHERE t.deal_type = ANY(%s)) AS tn,
                       sum(t.agreed_price) FILTER (WHERE t.deal_type = ANY(%s)) AS ta,
                       count(*) FILTER (WHERE NOT t.deal_type = ANY(%s)) AS ln,
                       sum(t.agreed_price) FILTER (WHERE NOT t.deal_type = ANY(%s)) AS la
                FROM {table} t
                WHERE t.city_id = g.city_id AND t.status = %s
                    AND t.completed_at >= g.start AND t.completed_at < g.stop
            ) AS d
            WHERE d.tn + d.ln > 0
            """,  # noqa: S608 — the model's own table; every value is a parameter
            [
                *(list(column) for column in zip(*grid, strict=True)),
                *[transfers] * 4,
                TransactionStatus.COMPLETED,
            ],
        )
        rows = cursor.fetchall()
    out: dict[int, dict[datetime.date, DealFigures]] = defaultdict(dict)
    for city_id, month, tn, ta, ln, la in sorted(rows, key=lambda row: (row[0], row[1])):
        out[city_id][month] = DealFigures(tn, ta or ZERO, ln, la or ZERO)
    return dict(out)


def _month_ranges(
    date_from: datetime.date, date_to: datetime.date
) -> list[tuple[datetime.date, datetime.datetime, datetime.datetime]]:
    """(month, first instant, end instant) of each month from date_from's to date_to's, the first and last
    cut to those days (Asia/Shanghai)."""
    out = []
    month = date_from.replace(day=1)
    while month <= date_to:
        following = (month + datetime.timedelta(days=32)).replace(day=1)
        start = max(month, date_from)
        stop = min(following, date_to + datetime.timedelta(days=1))
        out.append((month, _day_start(start), _day_start(stop)))
        month = following
    return out


def completed_deals(*, city, date_from: datetime.date, date_to: datetime.date) -> QuerySet[Transaction]:
    """The completed deals of a period, newest first: the records behind a deal figure."""
    return (
        _completed(city, date_from, date_to)
        .select_related("seller", "buyer", "listing")
        .order_by("-completed_at", "-pk")
    )


@dataclass(frozen=True)
class CentreEvaluation:
    """One centre against [003]'s national level in one year: its members and the deals credited to it."""

    centre: OperationsCentre
    year: int
    members: int
    projects: int
    amount: Decimal
    qualified: bool


def centres_evaluation(
    year: int, centres: Sequence[OperationsCentre] | None = None
) -> list[CentreEvaluation]:
    """Each centre (default: every centre of the city) against [003]'s thresholds for `year`: ≥ 5,000,000 in
    deals or ≥ 10 projects, and ≥ 20 members (those who joined by the end of the year)."""
    if centres is None:
        centres = list(OperationsCentre.objects.select_related("organization").order_by("name"))
    year_end = datetime.date(year, 12, 31)
    counts = dict(
        CentreMembership.objects.filter(centre__in=list(centres))
        .filter(Q(joined_on__isnull=True) | Q(joined_on__lte=year_end))
        .values_list("centre_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    yearly = centres_yearly(centres)
    out = []
    for centre in centres:
        in_year = next((y for y in yearly[centre.pk] if y.year == year), CentreYear(year, 0, ZERO))
        members = counts.get(centre.pk, 0)
        out.append(
            CentreEvaluation(
                centre,
                year,
                members,
                in_year.count,
                in_year.amount,
                centre_meets_national_level(amount=in_year.amount, projects=in_year.count, members=members),
            )
        )
    return out
