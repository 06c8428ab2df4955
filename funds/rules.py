"""Funds' rules as pure functions (no ORM): what central money may pay for, what a source has left, the
two 40% shares and where they are heading; a fund's leverage, ratios and the ILPA performance figures."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import pyxirr

from ipops.money import ZERO

# Source kinds (the model's choices use these values).
CENTRAL_1 = "central_1"
CENTRAL_2 = "central_2"
PROVINCIAL = "provincial"
MUNICIPAL = "municipal"
DISTRICT = "district"
CENTRAL_KINDS = frozenset({CENTRAL_1, CENTRAL_2})

# Expenditure categories (the model's choices use these values).
SUBSIDY_AWARD = "subsidy_award"
RISK_RESERVE = "risk_reserve"
GUIDE_FUND = "guide_fund"
CLUSTER_ZONE = "cluster_zone"
SERVICE_PURCHASE = "service_purchase"
EQUITY_INVESTMENT = "equity_investment"
PLATFORM = "platform"
TRAINING = "training"
RENOVATION = "renovation"
LAND_ACQUISITION = "land_acquisition"
PERSONNEL = "personnel"
RECURRING_COSTS = "recurring_costs"
STAFF_WELFARE = "staff_welfare"

#: The national notice [004]: 中央财政资金不得用于房屋装修、征地拆迁、人员经费等经常性支出及职工经费的提取.
CENTRAL_FORBIDDEN = frozenset({RENOVATION, LAND_ACQUISITION, PERSONNEL, RECURRING_COSTS, STAFF_WELFARE})

#: Categories that are market-based means by their nature (股权投资, 政府购买服务, a guide fund's stake):
#: the flag's default when the caller does not say.
MARKET_BASED_CATEGORIES = frozenset({GUIDE_FUND, SERVICE_PURCHASE, EQUITY_INVESTMENT})

#: Both shares must reach 40% of the special budget's spending.
SHARE_FLOOR = Decimal("0.4")


def central_may_pay(kind: str, category: str) -> bool:
    return not (kind in CENTRAL_KINDS and category in CENTRAL_FORBIDDEN)


def remaining(received: Decimal, spent: Decimal) -> Decimal:
    return received - spent


def spendable(*, received: Decimal, spent: Decimal, amount: Decimal) -> bool:
    """Never spend beyond what a source has received."""
    return amount <= remaining(received, spent)


def share(part: Decimal, total: Decimal) -> Decimal | None:
    """`part` of `total` as a ratio, None when nothing has been spent (no share to show yet)."""
    if total <= ZERO:
        return None
    return part / total


@dataclass(frozen=True)
class ShareProjection:
    """Where the two shares and the total spending land at plan end if the last months' pace and mix
    go on: cumulative so far plus the recent monthly average times the months left."""

    spent: Decimal
    cluster_zone: Decimal | None
    market_based: Decimal | None


def project_shares(
    *,
    spent: Decimal,
    cluster: Decimal,
    market: Decimal,
    recent: tuple[Decimal, Decimal, Decimal],
    recent_months: int,
    months_left: int,
) -> ShareProjection:
    """`recent` is (total, cluster-zone, market-based) spending over the last `recent_months` months."""
    if recent_months <= 0 or months_left <= 0:
        return ShareProjection(spent, share(cluster, spent), share(market, spent))
    factor = Decimal(months_left) / Decimal(recent_months)
    total = spent + recent[0] * factor
    return ShareProjection(
        spent=total.quantize(Decimal("0.01"), ROUND_HALF_UP),
        cluster_zone=share(cluster + recent[1] * factor, total),
        market_based=share(market + recent[2] * factor, total),
    )


# --- the fund register ---------------------------------------------------------------------------------

# Fund kinds (the model's choices use these values).
GUIDE = "guide"
POLICY = "policy"
MARKET = "market"

# Where committed money comes from (the model's choices use these values).
FROM_CENTRAL = "central"
FROM_PROVINCIAL = "provincial"
FROM_MUNICIPAL = "municipal"
FROM_DISTRICT = "district"
FROM_SOCIAL = "social"
#: Government money at every level: the denominator of fiscal leverage.
FISCAL_SOURCES = frozenset({FROM_CENTRAL, FROM_PROVINCIAL, FROM_MUNICIPAL, FROM_DISTRICT})

#: [002]: the market IP industry investment fund leverages fiscal money 5×.
LEVERAGE_TARGET = Decimal("5")
#: [002]: the patent operations guide fund guides at least three market-run funds.
GUIDED_TARGET = 3


def unfunded(committed: Decimal, paid_in: Decimal) -> Decimal:
    """ILPA's unfunded commitment: promised but not yet paid in."""
    return committed - paid_in


def ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    """`part` ÷ `whole`, None when there is no whole yet (shown as "—", never as 0 or an error)."""
    if whole <= ZERO:
        return None
    return part / whole


def leverage(total: Decimal, fiscal: Decimal) -> Decimal | None:
    """Fiscal leverage = total commitments ÷ fiscal commitments; None when no fiscal money is in."""
    return ratio(total, fiscal)


def holds_ip(patents_in_force: int, patents_acquired: int) -> bool:
    """An IP-holding company: the investee held in-force patents when the fund came in, or the
    investment bought patents."""
    return patents_in_force > 0 or patents_acquired > 0


@dataclass(frozen=True)
class FundTotals:
    """A fund's sums, as the selectors aggregate them in SQL."""

    committed: Decimal = ZERO
    fiscal: Decimal = ZERO
    called: Decimal = ZERO
    paid_in: Decimal = ZERO
    invested: Decimal = ZERO
    ip_invested: Decimal = ZERO
    distributed: Decimal = ZERO
    #: The holdings still held, at the manager's latest fair value.
    holdings: Decimal = ZERO

    @property
    def nav(self) -> Decimal:
        return net_asset_value(self.holdings, self.paid_in, self.invested)


def net_asset_value(holdings: Decimal, paid_in: Decimal, invested: Decimal) -> Decimal:
    """What the investors' stake is worth now: the holdings at fair value plus the paid-in capital not yet
    invested (cash in the fund). The register keeps no fees or expenses, and exit proceeds are assumed
    paid out as distributions."""
    return holdings + max(paid_in - invested, ZERO)


@dataclass(frozen=True)
class FundFigures:
    """The derived figures of one fund (ILPA's names for the performance ones)."""

    totals: FundTotals
    leverage: Decimal | None
    paid_in_ratio: Decimal | None
    invested_ratio: Decimal | None
    ip_share: Decimal | None
    dpi: Decimal | None
    rvpi: Decimal | None
    tvpi: Decimal | None
    irr: Decimal | None

    @property
    def unfunded(self) -> Decimal:
        return unfunded(self.totals.committed, self.totals.paid_in)


def figures(totals: FundTotals, irr: Decimal | None = None) -> FundFigures:
    """- paid-in ratio = paid in ÷ committed; invested ratio = invested ÷ paid in;
    - IP share = invested in IP-holding companies ÷ invested;
    - DPI = distributed ÷ paid in, RVPI = net asset value ÷ paid in, TVPI = DPI + RVPI."""
    dpi = ratio(totals.distributed, totals.paid_in)
    rvpi = ratio(totals.nav, totals.paid_in)
    return FundFigures(
        totals=totals,
        leverage=leverage(totals.committed, totals.fiscal),
        paid_in_ratio=ratio(totals.paid_in, totals.committed),
        invested_ratio=ratio(totals.invested, totals.paid_in),
        ip_share=ratio(totals.ip_invested, totals.invested),
        dpi=dpi,
        rvpi=rvpi,
        tvpi=None if dpi is None or rvpi is None else dpi + rvpi,
        irr=irr,
    )


CashFlow = tuple[datetime.date, Decimal]


def investor_cash_flows(
    paid_in: Iterable[CashFlow], distributed: Iterable[CashFlow], nav: Decimal, as_of: datetime.date
) -> list[CashFlow]:
    """The investors' side of a fund: money paid in goes out (negative), distributions come back, and
    what is still held counts as received on `as_of` (ILPA's since-inception IRR)."""
    flows = [(day, -amount) for day, amount in paid_in]
    flows += [(day, amount) for day, amount in distributed]
    if nav > ZERO:
        flows.append((as_of, nav))
    return sorted(flows)


IRR_PLACES = Decimal("0.000001")


def xirr(flows: list[CashFlow]) -> Decimal | None:
    """The annual rate that discounts dated cash flows to zero (actual/365, as Excel's XIRR), by pyxirr;
    None when it has no answer: fewer than two flows, no money both out and back, or no root."""
    if len(flows) < 2 or not any(a < ZERO for _, a in flows) or not any(a > ZERO for _, a in flows):
        return None
    try:
        rate = pyxirr.xirr([d for d, _ in flows], [float(a) for _, a in flows])
    except (pyxirr.InvalidPaymentsError, ValueError):
        return None
    if rate is None or rate != rate:  # no root, or NaN
        return None
    try:
        return Decimal(repr(rate)).quantize(IRR_PLACES, ROUND_HALF_UP)
    except InvalidOperation:
        return None
