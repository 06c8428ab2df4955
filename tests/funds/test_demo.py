"""The demo: every city's budget with tranche 1 and local money received, two years of payments whose
cluster-zone share sits below its floor and market-based share above, the pledge reserve among them;
re-running adds nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.hashers import make_password
from django.db.models import Q, Sum

from funds import demo, rules
from funds.models import BudgetSource, Expenditure
from ipops import demo as core_demo
from ipops.tenancy import city_scope
from pledge_finance import demo as pledge_demo

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.mark.parametrize("spec", core_demo.CITIES, ids=lambda spec: spec[0])
def test_demo_budget_sits_either_side_of_the_floors_and_is_idempotent(spec):
    city = core_demo.seed_city(spec, make_password("x"), assets_per_city=10)
    with city_scope(city):
        demo.seed(city=city)
        pledge_demo.seed(city=city)
        totals = Expenditure.objects.aggregate(
            spent=Sum("amount"),
            cluster=Sum("amount", filter=Q(in_cluster_zone=True)),
            market=Sum("amount", filter=Q(market_based=True)),
        )
        cluster = rules.share(totals["cluster"], totals["spent"])
        market = rules.share(totals["market"], totals["spent"])
        assert D("0.35") < cluster < rules.SHARE_FLOOR < market < D("0.46")
        assert BudgetSource.objects.get(kind="central_1").received == demo.TRANCHE_1
        assert Expenditure.objects.filter(category="risk_reserve").count() == 1
        months = {e.spent_on.strftime("%Y-%m") for e in Expenditure.objects.all()}
        assert len(months) >= 24
        before = (Expenditure.objects.count(), list(BudgetSource.objects.values_list("spent", flat=True)))
        demo.seed(city=city)
        assert (
            Expenditure.objects.count(),
            list(BudgetSource.objects.values_list("spent", flat=True)),
        ) == before
