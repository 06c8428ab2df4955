"""Pure rules of patent-pledge loans (专利质押贷款): schedules, interest, loss allocation, reserve payouts.

No ORM here: every function takes plain values and returns plain values, so the
rules can be tested exhaustively (tests/pledge_finance/test_rules.py, hypothesis).
Money is Decimal to the fen (ROUND_HALF_UP via `ipops.money.fen`); rates are annual
fractions with six places (0.043500 = 4.35%).
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from ipops.money import ZERO, fen, split_by_shares, to_decimal

#: Chinese banks accrue interest on an actual/360 basis (日利率 = 年利率 / 360).
DAY_COUNT_BASIS = 360
MONTHS_PER_YEAR = 12
ONE = Decimal("1")

EQUAL_INSTALMENTS = "equal_instalments"  # 等额本息: the same payment every month
BULLET = "bullet"  # 按月付息、到期一次还本: interest monthly, principal at maturity

#: The bounds of what a product may offer: rates up to 36% a year, terms up to ten years.
MAX_ANNUAL_RATE = Decimal("0.36")
MAX_TERM_MONTHS = 120


# --- dates ------------------------------------------------------------------------


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


# --- shares -----------------------------------------------------------------------


def shares_sum_to_one(shares: Mapping[str, Decimal]) -> bool:
    """Risk shares must cover the whole loss: exactly 100%, none negative."""
    values = [to_decimal(v) for v in shares.values()]
    return all(v >= 0 for v in values) and sum(values, Decimal(0)) == ONE


# --- schedule ---------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduledInstalment:
    number: int
    due_date: datetime.date
    principal: Decimal
    interest: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest


def monthly_rate(annual_rate: Decimal) -> Decimal:
    return to_decimal(annual_rate) / MONTHS_PER_YEAR


def level_payment(amount: Decimal, annual_rate: Decimal, months: int) -> Decimal:
    """The equal monthly payment of an annuity (等额本息), to the fen."""
    amount = to_decimal(amount)
    r = monthly_rate(annual_rate)
    if r == 0:
        return fen(amount / months)
    return fen(amount * r / (ONE - (ONE + r) ** -months))


def repayment_schedule(
    *, amount, annual_rate, months: int, start: datetime.date, method: str
) -> list[ScheduledInstalment]:
    """Monthly instalments from `start` (the disbursement date).

    Principal parts sum exactly to `amount` and no part is negative: each month's
    principal is capped at what is still outstanding and the last instalment takes
    the remainder, so rounding to the fen can never over- or under-repay.
    """
    amount = fen(amount)
    annual_rate = to_decimal(annual_rate)
    if amount <= 0:
        raise ValueError("amount must be positive")
    if months < 1:
        raise ValueError("term must be at least one month")
    if annual_rate < 0:
        raise ValueError("rate must not be negative")
    if method not in (EQUAL_INSTALMENTS, BULLET):
        raise ValueError(f"unknown repayment method {method!r}")
    r = monthly_rate(annual_rate)
    payment = level_payment(amount, annual_rate, months) if method == EQUAL_INSTALMENTS else ZERO
    balance = amount
    out = []
    for n in range(1, months + 1):
        interest = fen(balance * r)
        if n == months:
            principal = balance
        elif method == EQUAL_INSTALMENTS:
            principal = min(max(payment - interest, ZERO), balance)
        else:
            principal = ZERO
        balance -= principal
        out.append(ScheduledInstalment(n, add_months(start, n), principal, interest))
    return out


# --- interest and loss ------------------------------------------------------------


def accrued_interest(principal, annual_rate, start: datetime.date, end: datetime.date) -> Decimal:
    """Simple interest on `principal` from `start` (exclusive) to `end` (inclusive), actual/360."""
    days = (end - start).days
    if days <= 0:
        return ZERO
    return fen(to_decimal(principal) * to_decimal(annual_rate) * days / DAY_COUNT_BASIS)


@dataclass(frozen=True)
class InstalmentState:
    """What the bank's books say of one instalment at a moment."""

    due_date: datetime.date
    principal_due: Decimal
    interest_due: Decimal
    principal_paid: Decimal = ZERO
    interest_paid: Decimal = ZERO

    @property
    def principal_open(self) -> Decimal:
        return self.principal_due - self.principal_paid

    @property
    def interest_open(self) -> Decimal:
        return self.interest_due - self.interest_paid

    @property
    def open(self) -> Decimal:
        return self.principal_open + self.interest_open


@dataclass(frozen=True)
class Loss:
    principal: Decimal
    interest: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest


def default_loss(
    *,
    instalments: Sequence[InstalmentState],
    annual_rate,
    disbursed_on: datetime.date,
    default_on: datetime.date,
) -> Loss:
    """The loss on default: outstanding principal + interest accrued to the default date.

    Interest = the unpaid interest of every instalment already due, plus interest on the
    whole outstanding principal from the last due date (or disbursement) to the default
    date, actual/360. Penalty interest (罚息) is the bank's own claim on the borrower and
    is not part of the loss the risk-sharing parties carry.
    """
    principal = sum((i.principal_open for i in instalments), ZERO)
    due = [i for i in instalments if i.due_date <= default_on]
    interest = sum((i.interest_open for i in due), ZERO)
    last_due = max((i.due_date for i in due), default=disbursed_on)
    interest += accrued_interest(principal, annual_rate, max(last_due, disbursed_on), default_on)
    return Loss(principal=fen(principal), interest=fen(interest))


def allocate_loss(loss, shares: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """The loss split by the loan's risk shares, to the fen, parts summing exactly to the loss."""
    if not shares_sum_to_one(shares):
        raise ValueError("risk shares must sum to exactly 100%")
    return split_by_shares(loss, shares)


# --- repayments -------------------------------------------------------------------


@dataclass
class RepaymentSplit:
    """How one payment settles the instalments: per instalment index, (principal, interest)."""

    parts: dict[int, tuple[Decimal, Decimal]] = field(default_factory=dict)

    @property
    def principal(self) -> Decimal:
        return sum((p for p, _i in self.parts.values()), ZERO)

    @property
    def interest(self) -> Decimal:
        return sum((i for _p, i in self.parts.values()), ZERO)


def apply_repayment(instalments: Sequence[InstalmentState], amount) -> RepaymentSplit:
    """Settle the oldest instalment first, interest before principal (先息后本), as banks book it.

    Raises ValueError when the payment is not positive or exceeds what is still owed.
    """
    amount = fen(amount)
    if amount <= 0:
        raise ValueError("a repayment must be positive")
    owed = sum((i.open for i in instalments), ZERO)
    if amount > owed:
        raise ValueError("the repayment exceeds what is owed")
    split = RepaymentSplit()
    left = amount
    for index, inst in sorted(enumerate(instalments), key=lambda p: (p[1].due_date, p[0])):
        if left <= 0:
            break
        interest = min(inst.interest_open, left)
        left -= interest
        principal = min(inst.principal_open, left)
        left -= principal
        if interest or principal:
            split.parts[index] = (principal, interest)
    return split


# --- risk compensation reserve ----------------------------------------------------


def reserve_claims(losses: Mapping[str, Decimal], payout_share) -> dict[str, Decimal]:
    """What each institution may claim from the reserve: its loss × the payout share, to the fen."""
    payout_share = to_decimal(payout_share)
    if not ZERO <= payout_share <= ONE:
        raise ValueError("the payout share must lie between 0 and 100%")
    return {k: fen(to_decimal(v) * payout_share) for k, v in losses.items()}


def reserve_payouts(claims: Mapping[str, Decimal], balance) -> dict[str, Decimal]:
    """Pay the claims while the reserve lasts (风险补偿准备金).

    Enough money: every claim in full. Not enough: the whole balance, split in
    proportion to the claims (to the fen, summing exactly to the balance), so no
    institution is preferred by the order of the parties. Never more than the balance.
    """
    balance = max(fen(balance), ZERO)
    claims = {k: fen(v) for k, v in claims.items()}
    if any(v < 0 for v in claims.values()):
        raise ValueError("claims must not be negative")
    wanted = sum(claims.values(), ZERO)
    if wanted <= balance:
        return dict(claims)
    if balance == 0 or wanted == 0:
        return dict.fromkeys(claims, ZERO)
    return split_by_shares(balance, claims)


def recovery_split(amount, shares: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """A recovery (e.g. the pledged patents sold) shared back by the loan's risk shares."""
    return allocate_loss(amount, shares)


def reserve_refund(*, recovered_total, loss, payout, refunded_before=ZERO) -> Decimal:
    """What an institution passes back to the reserve now, out of its recoveries.

    The reserve bore `payout / loss` of the institution's loss, so it is owed that
    fraction of everything recovered so far (`recovered_total`, cumulative, so rounding
    never drifts) — never more, in total, than it paid out — less what it already got back.
    """
    recovered_total, loss, payout = fen(recovered_total), fen(loss), fen(payout)
    if loss <= 0 or payout <= 0:
        return ZERO
    due_total = min(fen(recovered_total * payout / loss), payout)
    return max(due_total - fen(refunded_before), ZERO)
