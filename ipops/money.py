"""Money is Decimal, to the fen (分), rounded half up (四舍五入); splits sum exactly."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, TypeVar

from django.db import models

FEN = Decimal("0.01")
WAN = Decimal("10000")
ZERO = Decimal("0.00")
#: Every stored amount: 16 digits of 元 and the fen (DESIGN §4).
MONEY_DIGITS, MONEY_PLACES = 18, 2
#: A stored amount's magnitude stays below this.
MONEY_LIMIT = Decimal(10) ** (MONEY_DIGITS - MONEY_PLACES)
#: Rates and shares as ratios (0.0435 for 4.35%), six places.
RATE_DIGITS, RATE_PLACES_N = 9, 6
RATE_PLACES = Decimal(1).scaleb(-RATE_PLACES_N)


#: The units people type and read amounts in: 万元 for most sums, 元 for small ones (fees).
WAN_UNIT, YUAN_UNIT = "wan", "yuan"
UNIT_FACTOR = {WAN_UNIT: WAN, YUAN_UNIT: Decimal(1)}


def money_unit_label(unit: str) -> str:
    from django.utils.translation import gettext

    return gettext("10k CNY") if unit == WAN_UNIT else gettext("CNY")


def display_money(amount, unit: str = WAN_UNIT) -> str:
    """An amount as a message prints it, in the unit the reader typed it in: "50.00 万元"."""
    if unit == WAN_UNIT:
        # Exact: a cap of 1,999,999.99 元 reads 199.999999 万元, never a rounded 200.00 that would pass.
        wan = fen(amount) / WAN
        places = max(2, -wan.normalize().as_tuple().exponent)  # type: ignore[operator]
        return f"{wan:,.{places}f} {money_unit_label(unit)}"
    return f"{fen(amount):,.2f} {money_unit_label(unit)}"


def display_rate(ratio, places: int = 4) -> str:
    """A ratio as a percentage, to `places` decimals without trailing zeros: 0.0435 → "4.35%", 0.6 → "60%"."""
    percent = (
        (to_decimal(ratio) * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP).normalize()
    )
    return f"{percent:f}%"


class MoneyField(models.DecimalField):
    """An amount in 元 to the fen: the one way a model declares money."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", MONEY_DIGITS)
        kwargs.setdefault("decimal_places", MONEY_PLACES)
        super().__init__(*args, **kwargs)


class RateField(models.DecimalField):
    """A rate or share as a ratio with six places (0.6 for an insurer's 60%)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", RATE_DIGITS)
        kwargs.setdefault("decimal_places", RATE_PLACES_N)
        super().__init__(*args, **kwargs)


K = TypeVar("K", bound=Hashable)


def to_decimal(value) -> Decimal:
    if isinstance(value, float):
        # A float has already lost the fen; make the caller pass a str or Decimal.
        raise TypeError("money must not be a float")
    return value if isinstance(value, Decimal) else Decimal(str(value))


def fen(value) -> Decimal:
    """Round to the fen, half up."""
    return to_decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def split_by_shares(total, shares: Mapping[K, Decimal]) -> dict[K, Decimal]:
    """Split `total` (≥ 0) by `shares` so the parts, in fen, sum exactly to `total`.

    Largest remainder: every part first gets its exact share rounded down to the
    fen; the leftover fen go one each to the parts with the largest dropped
    fractions (ties to the earlier key, so the result is deterministic). Every part
    is then within one fen of its exact share.
    """
    total = fen(total)
    if total < 0:
        raise ValueError("cannot split a negative amount")
    weights = {k: Fraction(to_decimal(v)) for k, v in shares.items()}
    if any(w < 0 for w in weights.values()):
        raise ValueError("shares must not be negative")
    weight_sum = sum(weights.values())
    if not weights or weight_sum == 0:
        raise ValueError("shares must not all be zero")
    total_fen = int(total * 100)
    exact = {k: total_fen * w / weight_sum for k, w in weights.items()}
    floors = {k: int(x) for k, x in exact.items()}  # exact ≥ 0, so int() floors
    leftover = total_fen - sum(floors.values())
    order = sorted(weights, key=lambda k: (-(exact[k] - floors[k]), list(weights).index(k)))
    for k in order[:leftover]:
        floors[k] += 1
    return {k: (Decimal(floors[k]) / 100).quantize(FEN) for k in weights}


def to_wan(amount, places: int = 2) -> Decimal:
    """Amount in 万元 (10,000 CNY), as Chinese reports show it."""
    return (to_decimal(amount) / WAN).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def floor_fen(value) -> Decimal:
    return to_decimal(value).quantize(FEN, rounding=ROUND_DOWN)
