"""The four fee subsidies (保险费、担保费、评估费、中介服务费补贴) from the fees the loan's bank recorded, with
the demo catalogue's parameters (50% of the fee, at most 100,000 per enterprise a year under each policy):
worked cases, the yearly cap across two loans, a loan whose fees span two years, and 免申即享 — the
automatic task creates each claim once, however often it runs and even beside itself."""

from __future__ import annotations

import contextlib
import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.hashers import make_password

from funds import demo as funds_demo
from ipops import clock
from ipops import demo as core_demo
from ipops.models import Organization
from ipops.tenancy import city_scope
from pledge_finance import demo as pledge_demo
from pledge_finance import services as loans
from pledge_finance.models import Loan, LoanFee
from subsidies import bases, demo, services
from subsidies.models import Claim, ClaimState, Policy
from tests.conftest import make_city
from tests.pledge_finance.conftest import World, build_world, loan_to_state
from tests.support import failures, race

D = Decimal
pytestmark = pytest.mark.django_db
DISBURSED_ON = datetime.date(2025, 1, 15)  # applied on 6 Dec 2024 (`loan_to_state`)
RUN_ON = datetime.date(2025, 3, 3)
ACCOUNT = {"bank_name": "青岛银行", "bank_account": "6222021234567890"}


def _world() -> World:
    """A city with a pledge loan product, the demo's catalogue, and a technology-based SME."""
    city = make_city("qingdao")
    w = build_world(city)
    with w.scope(), clock.at(demo.OPENS):
        for spec in demo.CATALOGUE:
            services.policy_save(actor=w.actor(w.bureau), data=spec)
        Organization.objects.filter(pk=w.org(w.enterprise).pk).update(is_tech_sme=True)
    return w


def _fee(w: World, loan, kind: str, amount: str, paid_on: datetime.date, invoice: str) -> None:
    with w.scope(), clock.at(max(paid_on, DISBURSED_ON)):
        loans.loan_fee_record(
            actor=w.actor(w.bank),
            loan=loan,
            kind=kind,
            amount=amount,
            payee="某机构",
            paid_on=paid_on,
            invoice_ref=invoice,
        )


def _run(w: World) -> int:
    with w.scope(), clock.at(RUN_ON):
        return services.automatic_run(city=w.city)


def _claims(w: World, code: str) -> list[Claim]:
    with w.scope():
        return list(Claim.objects.filter(policy__code=code).select_related("organization").order_by("pk"))


WORKED = [
    # (policy, fee kind, fee paid, subsidy)
    ("QD-PREM", "insurance_premium", "30000.00", "15000.00"),
    ("QD-GUAR", "guarantee_fee", "20000.00", "10000.00"),
    ("QD-APPR", "appraisal_fee", "8000.00", "4000.00"),
    ("QD-AGENT", "intermediary_fee", "10000.00", "5000.00"),
]


def test_each_fee_subsidy_is_half_the_fee_filled_in_from_the_loan():
    w = _world()
    loan = loan_to_state(w, "disbursed", disbursed_on=DISBURSED_ON)
    for n, (_code, kind, paid, _subsidy) in enumerate(WORKED):
        _fee(w, loan, kind, paid, datetime.date(2025, 1, 13), f"INV-{n}")
    assert _run(w) == 4
    for code, _kind, paid, subsidy in WORKED:
        (claim,) = _claims(w, code)
        assert (claim.state, claim.automatic, claim.organization_id) == (
            ClaimState.TO_CONFIRM,
            True,
            w.org(w.enterprise).pk,
        )
        assert (claim.year, claim.case, claim.period) == (
            2025,
            f"loan:{loan.pk}:2025",
            f"2025:loan:{loan.pk}:2025",
        )
        assert claim.rule_amount == D(subsidy), code
        assert claim.computation == [
            {
                "code": "records",
                "amount": subsidy,
                "facts": {"loan": loan.reference, "fees_paid": paid, "invoices": "1"},
            },
            {"code": "percent", "amount": subsidy, "facts": {"base": paid, "rate": "0.5"}},
        ]
    # The enterprise confirms its bank account in one step; the bureau approves the rule's amount.
    (premium,) = _claims(w, "QD-PREM")
    with w.scope(), clock.at(RUN_ON):
        services.claim_confirm(actor=w.actor(w.enterprise), claim=premium.pk, **ACCOUNT)
        approved = services.claim_approve(actor=w.actor(w.bureau), claim=premium.pk)
    assert (approved.state, approved.approved_amount) == (ClaimState.IN_NOTICE, D("15000.00"))


def test_appraisal_fees_on_two_loans_in_one_year_never_pass_the_yearly_cap():
    """150,000 and 100,000 of appraisal fees in 2025: 75,000 + 50,000 by the rate, but at most 100,000
    a year — the second approval is capped at what is left, 25,000."""
    w = _world()
    first = loan_to_state(w, "disbursed", disbursed_on=DISBURSED_ON)
    second = loan_to_state(w, "disbursed", assets=[w.assets[1]], disbursed_on=datetime.date(2025, 2, 20))
    _fee(w, first, "appraisal_fee", "150000", datetime.date(2025, 1, 10), "A-1")
    _fee(w, second, "appraisal_fee", "100000", datetime.date(2025, 2, 18), "A-2")
    assert _run(w) == 2
    claims = _claims(w, "QD-APPR")
    assert [c.rule_amount for c in claims] == [D("75000.00"), D("50000.00")]
    with w.scope(), clock.at(RUN_ON):
        for claim in claims:
            services.claim_confirm(actor=w.actor(w.enterprise), claim=claim.pk, **ACCOUNT)
        bureau = w.actor(w.bureau)
        assert services.claim_approve(actor=bureau, claim=claims[0].pk).approved_amount == D("75000.00")
        capped = services.claim_approve(actor=bureau, claim=claims[1].pk)
    assert (capped.rule_amount, capped.approved_amount) == (D("25000.00"), D("25000.00"))
    assert capped.computation[-1] == {
        "code": "year_cap",
        "amount": "25000.00",
        "facts": {"cap": "100000.00", "awarded": "75000.00"},
    }


def test_fees_of_one_loan_paid_in_two_years_are_two_claims():
    w = _world()
    loan = loan_to_state(w, "disbursed", disbursed_on=DISBURSED_ON)
    _fee(w, loan, "appraisal_fee", "8000", datetime.date(2024, 12, 16), "A-2024")
    _fee(w, loan, "appraisal_fee", "3000", datetime.date(2025, 1, 10), "A-2025a")
    _fee(w, loan, "appraisal_fee", "1000", datetime.date(2025, 1, 12), "A-2025b")
    with w.scope():
        policy = Policy.objects.get(code="QD-APPR")
        organization = Organization.objects.get(pk=w.org(w.enterprise).pk)
        cases = bases.record_cases(policy, organization, None, RUN_ON)
        only_2025 = bases.record_cases(policy, organization, 2025, RUN_ON)
    assert [(c.key, c.year, c.base, dict(c.facts)["invoices"]) for c in cases] == [
        (f"loan:{loan.pk}:2024", 2024, D("8000.00"), "1"),
        (f"loan:{loan.pk}:2025", 2025, D("4000.00"), "2"),
    ]
    assert [c.key for c in only_2025] == [f"loan:{loan.pk}:2025"]
    assert _run(w) == 2
    assert [(c.year, c.rule_amount) for c in _claims(w, "QD-APPR")] == [
        (2024, D("4000.00")),
        (2025, D("2000.00")),
    ]


def test_the_automatic_task_fills_in_each_claim_once_and_only_for_tech_smes():
    w = _world()
    loan = loan_to_state(w, "disbursed", disbursed_on=DISBURSED_ON)
    # enterprise2 is no technology-based SME: its premium earns nothing.
    other = loan_to_state(
        w, "disbursed", assets=[w.assets2[0]], user=w.enterprise2, disbursed_on=DISBURSED_ON
    )
    _fee(w, loan, "insurance_premium", "30000", datetime.date(2025, 1, 13), "P-1")
    _fee(w, loan, "guarantee_fee", "20000", datetime.date(2025, 1, 13), "G-1")
    _fee(w, other, "insurance_premium", "40000", datetime.date(2025, 1, 13), "P-2")
    assert _run(w) == 2
    before = {
        (c.pk, c.policy_id, c.period, c.rule_amount)
        for code in ("QD-PREM", "QD-GUAR")
        for c in _claims(w, code)
    }
    assert {c.organization_id for code in ("QD-PREM", "QD-GUAR") for c in _claims(w, code)} == {
        w.org(w.enterprise).pk
    }
    assert _run(w) == 0
    with w.scope():
        after = {(c.pk, c.policy_id, c.period, c.rule_amount) for c in Claim.objects.all()}
    assert after == before
    # Another premium on the same loan in the same year is no second claim: the one filled in is
    # recomputed from the records when the bureau approves it.
    _fee(w, loan, "insurance_premium", "2000", datetime.date(2025, 2, 1), "P-3")
    assert _run(w) == 0
    (premium,) = _claims(w, "QD-PREM")
    with w.scope(), clock.at(RUN_ON):
        services.claim_confirm(actor=w.actor(w.enterprise), claim=premium.pk, **ACCOUNT)
        approved = services.claim_approve(actor=w.actor(w.bureau), claim=premium.pk)
    assert approved.approved_amount == D("16000.00")


@pytest.mark.django_db(transaction=True)
def test_two_automatic_runs_at_once_create_each_claim_once():
    w = _world()
    loan = loan_to_state(w, "disbursed", disbursed_on=DISBURSED_ON)
    for n, (_code, kind, paid, _subsidy) in enumerate(WORKED):
        _fee(w, loan, kind, paid, datetime.date(2025, 1, 13), f"INV-{n}")

    @contextlib.contextmanager
    def running():
        with city_scope(w.city), clock.at(RUN_ON):
            yield

    outcomes = race(
        lambda: services.automatic_run(city=w.city),
        lambda: services.automatic_run(city=w.city),
        context=running,
    )
    assert not failures(outcomes)
    assert sum(outcomes) == 4
    with w.scope():
        rows = list(Claim.objects.values_list("policy__code", "period"))
    assert sorted(rows) == sorted((code, f"2025:loan:{loan.pk}:2025") for code, *_ in WORKED)


def test_the_demo_loans_carry_plausible_fees_and_the_automatic_task_fills_in_their_subsidies():
    spec = next(s for s in core_demo.CITIES if s[0] == "qingdao")
    city = core_demo.seed_city(spec, make_password("x"), assets_per_city=10)
    with city_scope(city):
        funds_demo.seed(city=city)
        pledge_demo.seed(city=city)
        demo.seed(city=city)
        live_or_repaid = Loan.objects.filter(state__in=["disbursed", "repaid"])
        assert live_or_repaid.exists()
        assert set(live_or_repaid.values_list("pk", flat=True)) == set(
            LoanFee.objects.values_list("loan", flat=True)
        )
        for fee in LoanFee.objects.select_related("loan"):
            share = fee.amount / fee.loan.amount
            if fee.kind == "appraisal_fee":
                assert D("3000") <= fee.amount <= D("20000")
            elif fee.kind == "insurance_premium":
                assert D("0.01") <= share <= D("0.02")
            elif fee.kind == "guarantee_fee":
                assert D("0.008") <= share <= D("0.012")
            else:
                assert D("0.003") <= share <= D("0.006")
            assert fee.loan.created_at.date() <= fee.paid_on <= fee.loan.disbursed_on
        with clock.at(pledge_demo.ANCHOR):
            services.automatic_run(city=city)
            assert services.automatic_run(city=city) == 0
        # Every tech SME's fees of each kind, per loan and year, have their claim; no one else's.
        for code, kind, _paid, _subsidy in WORKED:
            cases = {
                (fee.loan.enterprise_id, f"{fee.paid_on.year}:loan:{fee.loan_id}:{fee.paid_on.year}")
                for fee in LoanFee.objects.filter(
                    kind=kind, loan__enterprise__is_tech_sme=True
                ).select_related("loan")
            }
            claimed = set(Claim.objects.filter(policy__code=code).values_list("organization_id", "period"))
            assert cases and cases == claimed, code
