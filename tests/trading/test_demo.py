"""The demo marketplace: volume, deals through the services, idempotent (its speed is measured in bench/)."""

from __future__ import annotations

import pytest

from ipops import demo as core_demo
from ipops.models import AuditEvent
from ipops.tenancy import city_scope
from trading import demo, selectors
from trading.models import BuyRequest, Listing, Negotiation, OperationsCentre, Transaction

pytestmark = pytest.mark.django_db


def test_demo_seed_is_rich_and_idempotent():
    cities = core_demo.seed(password="demo-pass-1")
    for city in cities:
        with city_scope(city):
            demo.seed(city=city)
    qingdao = cities[0]
    with city_scope(qingdao):
        counts = (
            Listing.objects.count(),
            BuyRequest.objects.count(),
            Transaction.objects.count(),
            Negotiation.objects.count(),
            AuditEvent.objects.count(),
        )
        assert Listing.objects.filter(status="published").count() >= 200
        assert BuyRequest.objects.count() >= 150
        completed = Transaction.objects.filter(status="completed")
        assert completed.count() >= 25
        years = {t.completed_at.year for t in completed}
        assert len(years) >= 3
        figures = selectors.deal_figures_by_year(city=qingdao)
        assert sum(f.count for f in figures.values()) == completed.count()
        assert any(f.transfers_count for f in figures.values()) and any(
            f.licences_count for f in figures.values()
        )
        assert Negotiation.objects.filter(status="open").exists()
        centre = OperationsCentre.objects.get(kind="industry")
        assert sum(y.count for y in selectors.centre_yearly(centre)) > 0
    with city_scope(qingdao):
        demo.seed(city=qingdao)
        assert (
            Listing.objects.count(),
            BuyRequest.objects.count(),
            Transaction.objects.count(),
            Negotiation.objects.count(),
            AuditEvent.objects.count(),
        ) == counts
