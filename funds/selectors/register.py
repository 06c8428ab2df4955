"""Reads of the fund register: each fund with its derived figures, a guide fund with its sub-funds.

Figures are summed in SQL, one grouped query per table over every fund shown (never a query per fund,
never raw rows into Python); only the IRR needs the dated cash flows, fetched in two queries for all."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Min, Q, QuerySet, Sum

from funds import rules
from funds.models import CapitalCall, Commitment, Distribution, Fund, FundKind, Investment
from ipops import clock
from ipops.money import ZERO


@dataclass(frozen=True)
class FundRow:
    fund: Fund
    figures: rules.FundFigures

    @property
    def meets_leverage(self) -> bool | None:
        """Only a market fund has the 5× target."""
        if self.fund.kind != FundKind.MARKET or self.figures.leverage is None:
            return None
        return self.figures.leverage >= rules.LEVERAGE_TARGET


@dataclass(frozen=True)
class GuideSummary:
    """A guide fund and the funds it guides, with their combined commitments and leverage."""

    guide: FundRow
    sub_funds: list[FundRow]
    guided_market_funds: int
    committed: Decimal
    fiscal: Decimal
    leverage: Decimal | None
    target: int = rules.GUIDED_TARGET

    @property
    def meets_target(self) -> bool:
        return self.guided_market_funds >= self.target


@dataclass(frozen=True)
class FundDetail:
    row: FundRow
    commitments: list[Commitment]
    calls: list[CapitalCall]
    investments: list[Investment]
    distributions: list[Distribution]
    by_source: list[tuple[str, Decimal]] = field(default_factory=list)


def funds(actor) -> QuerySet[Fund]:
    return Fund.objects.restrict(actor).select_related("manager", "parent").order_by("kind", "name")


def _sums(rows, key: str, **aggregates) -> dict[int, dict[str, Decimal]]:
    return {r[key]: r for r in rows.values(key).annotate(**aggregates).order_by()}


def _figures_for(fund_ids: list[int], as_of: datetime.date) -> dict[int, rules.FundFigures]:
    commitments = _sums(
        Commitment.objects.filter(fund_id__in=fund_ids),
        "fund_id",
        committed=Sum("amount"),
        fiscal=Sum("amount", filter=Q(source__in=rules.FISCAL_SOURCES)),
        called=Sum("called"),
        paid=Sum("paid_in"),
    )
    ip = Q(patents_in_force__gt=0) | Q(patents_acquired__gt=0)
    investments = _sums(
        Investment.objects.filter(fund_id__in=fund_ids),
        "fund_id",
        invested=Sum("amount"),
        ip_invested=Sum("amount", filter=ip),
        holdings=Sum("fair_value"),
    )
    distributed = _sums(Distribution.objects.filter(fund_id__in=fund_ids), "fund_id", total=Sum("amount"))
    flows_in: dict[int, list[rules.CashFlow]] = defaultdict(list)
    for fund_id, day, amount in (
        CapitalCall.objects.filter(commitment__fund_id__in=fund_ids, paid_on__isnull=False)
        .values_list("commitment__fund_id", "paid_on")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        flows_in[fund_id].append((day, amount))
    flows_out: dict[int, list[rules.CashFlow]] = defaultdict(list)
    for fund_id, day, amount in (
        Distribution.objects.filter(fund_id__in=fund_ids)
        .values_list("fund_id", "distributed_on")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        flows_out[fund_id].append((day, amount))
    out = {}
    for fund_id in fund_ids:
        c, i = commitments.get(fund_id, {}), investments.get(fund_id, {})
        totals = rules.FundTotals(
            committed=c.get("committed") or ZERO,
            fiscal=c.get("fiscal") or ZERO,
            called=c.get("called") or ZERO,
            paid_in=c.get("paid") or ZERO,
            invested=i.get("invested") or ZERO,
            ip_invested=i.get("ip_invested") or ZERO,
            holdings=i.get("holdings") or ZERO,
            distributed=(distributed.get(fund_id) or {}).get("total") or ZERO,
        )
        flows = rules.investor_cash_flows(flows_in[fund_id], flows_out[fund_id], totals.nav, as_of)
        out[fund_id] = rules.figures(totals, rules.xirr(flows))
    return out


def fund_rows(actor, shown_funds: Iterable[Fund] | None = None) -> list[FundRow]:
    """Every fund the actor sees (or `shown_funds`, already fetched through the visibility rule: a page),
    with its figures as of today."""
    shown = list(shown_funds if shown_funds is not None else funds(actor))
    figures = _figures_for([f.pk for f in shown], clock.today())
    return [FundRow(f, figures[f.pk]) for f in shown]


def guide_summary(actor, guide: Fund) -> GuideSummary:
    """The guide fund with its sub-funds: how many market funds it has guided, and the leverage of all
    their commitments over the fiscal money in them."""
    rows = fund_rows(actor, funds(actor).filter(Q(pk=guide.pk) | Q(parent=guide)))
    own = next(r for r in rows if r.fund.pk == guide.pk)
    subs = [r for r in rows if r.fund.pk != guide.pk]
    committed = sum((r.figures.totals.committed for r in subs), ZERO)
    fiscal = sum((r.figures.totals.fiscal for r in subs), ZERO)
    return GuideSummary(
        guide=own,
        sub_funds=subs,
        guided_market_funds=sum(1 for r in subs if r.fund.kind == FundKind.MARKET),
        committed=committed,
        fiscal=fiscal,
        leverage=rules.leverage(committed, fiscal),
    )


def fund_detail(actor, fund: Fund) -> FundDetail:
    """One fund's records and figures (the caller has fetched it through the visibility rule)."""
    row = fund_rows(actor, Fund.objects.filter(pk=fund.pk).select_related("manager", "parent"))[0]
    commitments = list(fund.commitments.order_by("committed_on", "pk"))
    by_source: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for c in commitments:
        by_source[c.source] += c.amount
    return FundDetail(
        row=row,
        commitments=commitments,
        calls=list(
            CapitalCall.objects.filter(commitment__fund=fund)
            .select_related("commitment")
            .order_by("called_on", "pk")
        ),
        investments=list(fund.investments.select_related("investee").order_by("-invested_on", "-pk")),
        distributions=list(
            fund.distributions.select_related("investment").order_by("-distributed_on", "-pk")
        ),
        by_source=sorted(by_source.items(), key=lambda kv: -kv[1]),
    )


def guided_market_funds_by_month(*, city) -> dict:
    """Market funds a guide fund guided, by the month the fund took its first commitment (its vintage year's
    January if none yet): {month: count}. One grouped query."""
    return guided_market_funds_by_city_month(cities=[city.pk]).get(city.pk, {})


def guided_market_funds_by_city_month(*, cities) -> dict[int, dict]:
    """`guided_market_funds_by_month` of many cities in the one query (the nightly roll-up reads every city
    at once; inside `scopes_disabled()`): {city id: {month: count}}."""
    out: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    rows = (
        Fund.objects.filter(city_id__in=cities, kind=FundKind.MARKET, parent__kind=FundKind.GUIDE)
        .annotate(first=Min("commitments__committed_on"))
        .values_list("city_id", "first", "vintage_year")
    )
    for city_id, first, vintage in rows:
        month = first.replace(day=1) if first else datetime.date(vintage, 1, 1)
        out[city_id][month] += 1
    return {city_id: dict(months) for city_id, months in out.items()}


def guided_market_funds(*, city, date_from, date_to):
    """The guided market funds counted at the end of a period: the records behind that figure."""
    return (
        Fund.objects.filter(city=city, kind=FundKind.MARKET, parent__kind=FundKind.GUIDE)
        .annotate(first=Min("commitments__committed_on"))
        .filter(Q(first__lte=date_to) | Q(first__isnull=True, vintage_year__lte=date_to.year))
        .select_related("parent", "manager")
        .order_by("name")
    )
