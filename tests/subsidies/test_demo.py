"""The demo: Qingdao's catalogue as data in every city, claims in every state across three years, the
automatic interest subsidy waiting to be confirmed, one objection; re-running adds nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password

from funds import demo as funds_demo
from ipops import demo as core_demo
from ipops.tenancy import city_scope
from pledge_finance import demo as pledge_demo
from subsidies import demo
from subsidies.models import Claim, ClaimState, Objection, Policy

pytestmark = pytest.mark.django_db


def test_demo_catalogue_and_claims_in_every_state():
    city = core_demo.seed_city(core_demo.CITIES[0], make_password("x"), assets_per_city=10)
    with city_scope(city):
        funds_demo.seed(city=city)
        pledge_demo.seed(city=city)
        demo.seed(city=city)
        assert Policy.objects.count() == len(demo.CATALOGUE)
        assert set(Claim.objects.values_list("state", flat=True)) == set(ClaimState.values)
        assert set(Claim.objects.values_list("year", flat=True)) >= {2024, 2025, 2026}
        waiting = Claim.objects.filter(state=ClaimState.TO_CONFIRM, automatic=True)
        assert waiting.filter(policy__code="QD-INT").exists()
        assert Objection.objects.filter(resolved_at__isnull=True).count() == 1
        # The national demonstration level paid only the difference over the provincial advantage award.
        adv = Claim.objects.filter(policy__code="QD-ADV", state=ClaimState.PAID).order_by("year")
        assert [c.approved_amount for c in adv] == [50000, 150000]
        count = Claim.objects.count()
        demo.seed(city=city)
        assert Claim.objects.count() == count
