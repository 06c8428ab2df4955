"""Sealing waits only for the same city's chain: one city's long transaction never stalls another's writes."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection, transaction

from ipops import audit
from ipops.tenancy import city_scope
from tests.conftest import make_org
from tests.support import race

pytestmark = pytest.mark.django_db(transaction=True)


def record_in(city, *, lock_timeout_ms: int) -> str:
    """Record one decision for `city` in a new connection; "sealed" or "waited" (the lock timed out)."""

    def record() -> str:
        try:
            with transaction.atomic():
                with connection.cursor() as cur:
                    cur.execute(f"SET LOCAL lock_timeout = {int(lock_timeout_ms)}")
                audit.record(actor=None, city=city, action="test_decision", obj=city)
        except OperationalError:
            return "waited"
        return "sealed"

    [outcome] = race(record, context=lambda: city_scope(city), timeout=30)
    return outcome


def test_an_open_transaction_in_one_city_blocks_its_own_chain_only(qingdao, jinan):
    make_org(qingdao), make_org(jinan)
    with city_scope(qingdao), transaction.atomic():
        audit.record(actor=None, city=qingdao, action="test_decision", obj=qingdao)  # holds Qingdao's chain
        assert record_in(jinan, lock_timeout_ms=2000) == "sealed"
        assert record_in(qingdao, lock_timeout_ms=300) == "waited"
    assert record_in(qingdao, lock_timeout_ms=2000) == "sealed"
    assert audit.verify().ok
