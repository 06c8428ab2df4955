"""The demo shows every state of the lifecycle, defaults with allocations and reserve payouts; re-running adds nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.hashers import make_password

from funds import demo as funds_demo
from ipops import demo as core_demo
from ipops.tenancy import city_scope
from pledge_finance import demo
from pledge_finance.models import Loan, LoanState, LossAllocation, ReserveEntry, RiskReserve

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("spec", core_demo.CITIES, ids=lambda spec: spec[0])
def test_demo_covers_every_state_and_is_idempotent(spec):
    city = core_demo.seed_city(spec, make_password("x"), assets_per_city=10)
    _name, insurer, _guarantor, bank, opening = demo.PRODUCTS[city.slug]
    with city_scope(city):
        funds_demo.seed(city=city)  # the reserve is paid out of the special budget
        demo.seed(city=city)
        states = set(Loan.objects.values_list("state", flat=True))
        assert states == set(LoanState.values)
        assert Loan.objects.filter(insurer_share=insurer, bank_share=bank).exists()
        defaults = Loan.objects.filter(state=LoanState.DEFAULTED)
        assert defaults.count() == 3
        for loan in defaults:
            parts = LossAllocation.objects.filter(loan=loan)
            assert sum(p.loss for p in parts) == loan.loss_total
        reserve = RiskReserve.objects.get()
        assert reserve.opening_balance == opening
        assert ReserveEntry.objects.filter(kind="payout").count() == 9
        assert reserve.balance == sum(ReserveEntry.objects.values_list("amount", flat=True))
        assert Loan.objects.filter(state="disbursed", instalments__status="overdue").exists()
        amounts = [loan.amount for loan in Loan.objects.all()]
        assert Decimal("1000000") <= sum(amounts) / len(amounts) <= Decimal("8000000")
        assert (
            Loan.objects.filter(enterprise__memberships__user__username=f"{city.slug}.enterprise").count()
            == 3
        )
        before = (Loan.objects.count(), ReserveEntry.objects.count())
        demo.seed(city=city)
        assert (Loan.objects.count(), ReserveEntry.objects.count()) == before
