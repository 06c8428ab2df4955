"""Reads of the special budget, through the visibility rules: its sources, spending by category and by
month, and the two 40% shares."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from funds import rules
from funds.models import BudgetSource, Category, Expenditure, SpecialBudget
from ipops import clock
from ipops.money import ZERO, display_rate

#: The pace a projection extends: the last year's spending, so a season's swing does not decide it.
RECENT_MONTHS = 12


@dataclass(frozen=True)
class Share:
    """A share of the spending against its floor."""

    amount: Decimal
    ratio: Decimal | None
    floor: Decimal = rules.SHARE_FLOOR

    @property
    def shown(self) -> str:
        return "—" if self.ratio is None else display_rate(self.ratio, 1)

    @property
    def floor_shown(self) -> str:
        return display_rate(self.floor)

    @property
    def meets_floor(self) -> bool | None:
        return None if self.ratio is None else self.ratio >= self.floor


@dataclass(frozen=True)
class BudgetSummary:
    budget: SpecialBudget | None
    sources: list[BudgetSource]
    spent: Decimal
    by_category: list[tuple[str, Decimal]]
    by_month: list[tuple[datetime.date, Decimal]]
    cluster_zone: Share
    market_based: Share
    #: Where spending lands at plan end at the last 12 months' pace and mix (None before any spending).
    projection: rules.ShareProjection | None = None
    plan_end: datetime.date | None = None


def sources(actor) -> QuerySet[BudgetSource]:
    return BudgetSource.objects.restrict(actor).select_related("budget").order_by("budget_id", "pk")


def expenditures(actor) -> QuerySet[Expenditure]:
    return Expenditure.objects.restrict(actor).select_related("source").order_by("-spent_on", "-pk")


def budget_summary(actor) -> BudgetSummary:
    """The current plan's figures; reversals count with their negative amounts."""
    budget = SpecialBudget.objects.filter(city_id=actor.city.pk).order_by("-plan_start_year").first()
    rows = expenditures(actor).filter(source__budget=budget)
    totals = rows.aggregate(
        spent=Sum("amount"),
        cluster=Sum("amount", filter=Q(in_cluster_zone=True)),
        market=Sum("amount", filter=Q(market_based=True)),
    )
    spent = totals["spent"] or ZERO
    labels = dict(Category.choices)
    by_category = [
        (str(labels[row["category"]]), row["total"])
        for row in rows.order_by().values("category").annotate(total=Sum("amount")).order_by("-total")
    ]
    by_month = [
        (row["month"], row["total"])
        for row in rows.order_by()
        .annotate(month=TruncMonth("spent_on"))
        .values("month")
        .annotate(total=Sum("amount"))
        .order_by("month")
    ]
    cluster, market = totals["cluster"] or ZERO, totals["market"] or ZERO
    projection = plan_end = None
    if budget is not None:
        plan_end = datetime.date(budget.plan_start_year + budget.years - 1, 12, 31)
        today = clock.today()
        since = _months_before(today, RECENT_MONTHS)
        recent = rows.filter(spent_on__gt=since, spent_on__lte=today).aggregate(
            spent=Sum("amount"),
            cluster=Sum("amount", filter=Q(in_cluster_zone=True)),
            market=Sum("amount", filter=Q(market_based=True)),
        )
        if spent > ZERO:
            projection = rules.project_shares(
                spent=spent,
                cluster=cluster,
                market=market,
                recent=(recent["spent"] or ZERO, recent["cluster"] or ZERO, recent["market"] or ZERO),
                recent_months=RECENT_MONTHS,
                months_left=max((plan_end.year - today.year) * 12 + plan_end.month - today.month, 0),
            )
    return BudgetSummary(
        budget=budget,
        sources=list(sources(actor).filter(budget=budget)),
        spent=spent,
        by_category=by_category,
        by_month=by_month,
        cluster_zone=Share(cluster, rules.share(cluster, spent)),
        market_based=Share(market, rules.share(market, spent)),
        projection=projection,
        plan_end=plan_end,
    )


def _months_before(day: datetime.date, months: int) -> datetime.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return day.replace(year=year, month=month + 1, day=min(day.day, 28))
