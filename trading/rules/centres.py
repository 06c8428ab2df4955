"""The operations centres' national level."""

from __future__ import annotations

from decimal import Decimal

#: [003]: a national-level industry IP operations centre needs ≥ 5,000,000 CNY a year or ≥ 10 projects,
#: and ≥ 20 member enterprises, universities and institutes.
CENTRE_MIN_AMOUNT = Decimal("5000000")
CENTRE_MIN_PROJECTS = 10
CENTRE_MIN_MEMBERS = 20


def centre_meets_national_level(*, amount: Decimal, projects: int, members: int) -> bool:
    return (amount >= CENTRE_MIN_AMOUNT or projects >= CENTRE_MIN_PROJECTS) and members >= CENTRE_MIN_MEMBERS
