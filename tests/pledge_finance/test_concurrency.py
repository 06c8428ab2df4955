"""Only-once rules under real concurrency: threads with their own database connections, started together."""

from __future__ import annotations

import contextlib
import datetime
from decimal import Decimal

import pytest

from ipops import clock
from ipops.models import AuditEvent, Encumbrance
from pledge_finance import services
from pledge_finance.models import (
    ApprovalDecision,
    Instalment,
    Loan,
    LossAllocation,
    ReserveEntry,
    RiskReserve,
)
from tests.conftest import make_user
from tests.pledge_finance.conftest import build_world, loan_to_state
from tests.support import failures, race

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


def race_on(w, day, *calls):
    """The calls at once, each in the city's scope on the business day `day`."""

    @contextlib.contextmanager
    def that_day():
        with w.scope(), clock.at(day):
            yield

    return race(*calls, context=that_day)


def test_two_approvals_by_the_same_bank_racing_one_wins(qingdao):
    w = build_world(qingdao)
    colleague = make_user(qingdao, "bank", org=w.org(w.bank))
    loan = loan_to_state(w, "valued")
    day = datetime.date(2025, 1, 1)
    results = race_on(
        w,
        day,
        lambda: services.loan_decide(actor=w.actor(w.bank), loan=loan, decision="approve", comment="同意"),
        lambda: services.loan_decide(
            actor=w.actor(colleague), loan=loan, decision="approve", comment="同意（复核）"
        ),
    )
    assert len(failures(results)) == 1 and failures(results)[0].code == "already_decided"
    with w.scope():
        assert ApprovalDecision.objects.filter(loan=loan).count() == 1


def test_the_last_two_approvals_racing_approve_the_loan_once(qingdao):
    w = build_world(qingdao)
    loan = loan_to_state(w, "valued")
    with w.scope(), clock.at(datetime.date(2025, 1, 1)):
        services.loan_decide(actor=w.actor(w.bank), loan=loan, decision="approve", comment="同意")
    results = race_on(
        w,
        datetime.date(2025, 1, 2),
        lambda: services.loan_decide(actor=w.actor(w.insurer), loan=loan, decision="approve", comment="承保"),
        lambda: services.loan_decide(
            actor=w.actor(w.guarantor), loan=loan, decision="approve", comment="担保"
        ),
    )
    assert failures(results) == []
    with w.scope():
        loan = Loan.objects.get(pk=loan.pk)
        assert loan.state == "approved" and loan.insurer_share == D("0.6")
        assert AuditEvent.objects.filter(action="loan_approve", object_id=str(loan.pk)).count() == 1


def test_two_disbursements_racing_one_wins(qingdao):
    w = build_world(qingdao)
    colleague = make_user(qingdao, "bank", org=w.org(w.bank))
    loan = loan_to_state(w, "approved", disbursed_on=datetime.date(2025, 2, 1))
    day = datetime.date(2025, 2, 1)

    def disburse(user, number):
        return lambda: services.loan_disburse(
            actor=w.actor(user),
            loan=loan,
            contract_number=number,
            contract_signed_on=day,
            pledge_registration_number=f"Y-{number}",
            pledge_registered_on=day,
            disbursed_on=day,
            annual_rate=D("0.0435"),
        )

    results = race_on(w, day, disburse(w.bank, "HT-A"), disburse(colleague, "HT-B"))
    assert len(failures(results)) == 1 and failures(results)[0].code == "invalid_transition"
    with w.scope():
        assert Instalment.objects.filter(loan=loan).count() == 12
        assert (
            Encumbrance.objects.filter(
                source=f"pledge_finance.loan:{loan.pk}", released_at__isnull=True
            ).count()
            == 1
        )


def test_two_defaults_on_an_almost_empty_reserve_never_overdraw_it(qingdao):
    w = build_world(qingdao, reserve=D("100000.00"))
    first = loan_to_state(w, "disbursed", assets=[w.assets[0]])
    second = loan_to_state(w, "disbursed", assets=[w.assets[1]])
    day = datetime.date(2025, 6, 30)
    results = race_on(
        w,
        day,
        *[
            (
                lambda loan=loan: services.loan_declare_default(
                    actor=w.actor(w.bank), loan=loan, default_on=day, reason="逾期"
                )
            )
            for loan in (first, second)
        ],
    )
    assert failures(results) == []
    with w.scope():
        reserve = RiskReserve.objects.get()
        assert reserve.balance == D("0.00")
        paid = LossAllocation.objects.values_list("reserve_paid", flat=True)
        assert sum(paid) == D("100000.00")
        claims = sum(LossAllocation.objects.values_list("reserve_claim", flat=True))
        assert claims > D("100000.00")
        entries = list(ReserveEntry.objects.order_by("id"))
        running = D("0.00")
        for e in entries:  # the ledger reads as one consistent chain of balances
            running += e.amount
            assert e.balance_after == running >= 0
        # One default was paid from what was left; the other found the reserve empty.
        per_loan = {
            loan.pk: sum(LossAllocation.objects.filter(loan=loan).values_list("reserve_paid", flat=True))
            for loan in (first, second)
        }
        assert sorted(per_loan.values())[0] == D("0.00")


def test_the_same_asset_pledged_by_two_applications_at_once_one_wins(qingdao):
    w = build_world(qingdao)
    a = loan_to_state(w, "draft", disbursed_on=datetime.date(2025, 2, 1))
    b = loan_to_state(w, "draft", disbursed_on=datetime.date(2025, 2, 1))
    results = race_on(
        w,
        datetime.date(2025, 1, 2),
        lambda: services.loan_submit(actor=w.actor(w.enterprise), loan=a),
        lambda: services.loan_submit(actor=w.actor(w.enterprise), loan=b),
    )
    assert len(failures(results)) == 1 and failures(results)[0].code == "asset_already_pledged"
    with w.scope():
        assert sorted(Loan.objects.filter(pk__in=[a.pk, b.pk]).values_list("state", flat=True)) == [
            "draft",
            "submitted",
        ]
        assert (
            Encumbrance.objects.filter(asset=w.assets[0], kind="pledge", released_at__isnull=True).count()
            == 1
        )
