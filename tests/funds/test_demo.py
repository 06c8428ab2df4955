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


@pytest.mark.parametrize("spec", core_demo.CITIES, ids=lambda spec: spec[0])
def test_demo_fund_register_follows_spec_7(spec):
    """SPEC §7: a 100,000,000 guide fund guiding at least three market funds, a 200,000,000 policy fund
    with central, local and social money, a market fund leveraging fiscal money 5×; commitments from every
    source, investments in demo enterprises holding patents, a distribution; an unpaid call waits."""
    from funds import selectors
    from funds.models import CapitalCall, Commitment, Fund, FundKind
    from ipops.access import actor_for
    from ipops.models import User

    city = core_demo.seed_city(spec, make_password("x"), assets_per_city=40)
    with city_scope(city):
        demo.seed(city=city)
        bureau = actor_for(User.objects.get(username=f"{city.slug}.bureau"), city)
        rows = {
            row.fund.kind + ":" + str(row.fund.parent_id or ""): row for row in selectors.fund_rows(bureau)
        }
        guide = Fund.objects.get(kind=FundKind.GUIDE)
        assert guide.target_size == D("100000000")
        summary = selectors.guide_summary(bureau, guide)
        assert summary.guided_market_funds >= 3
        assert summary.meets_target
        leverages = sorted(r.figures.leverage for r in summary.sub_funds)
        assert leverages[0] < rules.LEVERAGE_TARGET < leverages[-1]  # one falls short, others exceed
        policy = rows["policy:"]
        assert policy.fund.target_size == D("200000000")
        assert {"central", "social"} <= set(
            Commitment.objects.filter(fund=policy.fund).values_list("source", flat=True)
        )
        market = rows["market:"]
        assert market.figures.leverage == D("5")
        assert set(Commitment.objects.values_list("source", flat=True)) == {
            "central",
            "provincial",
            "municipal",
            "district",
            "social",
        }
        assert market.figures.ip_share is not None and market.figures.ip_share > D("0.5")
        assert policy.figures.dpi is not None and policy.figures.dpi > 0
        assert policy.figures.irr is not None
        assert CapitalCall.objects.filter(paid_on__isnull=True).exists()
        count = Fund.objects.count()
        demo.seed(city=city)
        assert Fund.objects.count() == count
