"""Serializer fields for money and rates: the API's one way to read and write them.

Amounts travel as strings in 元 with two places ("500000.00"), rates as ratio strings with six
("0.043500"): JSON numbers would be floats on the client's side and lose the fen.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.settings import api_settings

from ipops.money import MONEY_DIGITS, MONEY_PLACES, RATE_DIGITS, RATE_PLACES_N


class MoneyField(serializers.DecimalField):
    """An amount in 元, to the fen."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", MONEY_DIGITS)
        kwargs.setdefault("decimal_places", MONEY_PLACES)
        kwargs.setdefault("coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
        super().__init__(**kwargs)


class RateField(serializers.DecimalField):
    """A rate or share as a ratio (0.0435 for 4.35%), six places."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", RATE_DIGITS)
        kwargs.setdefault("decimal_places", RATE_PLACES_N)
        kwargs.setdefault("help_text", "A ratio, e.g. 0.6 for 60%")
        super().__init__(**kwargs)
