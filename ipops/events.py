"""Events one app announces and another follows, without either importing the other.

A service calls `publish(city_id, topic)` inside its transaction; receivers hear it only after the
transaction commits (never for a rolled-back change). `reporting` follows `deals`, `loans` and `claims` to
refresh the city's indicators within a minute.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

#: Sent with `city_id` and `topic` after the publishing transaction commits.
figures_changed = Signal()

DEAL_COMPLETED = "deals"
LOAN_DISBURSED = "loans"
CLAIMS_PAID = "claims"


def publish(city_id: int, topic: str) -> None:
    transaction.on_commit(lambda: figures_changed.send(sender=None, city_id=city_id, topic=topic))
