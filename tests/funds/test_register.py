"""The fund register through its services: worked cases for leverage, the ratios and the ILPA figures, the
"never more than" rules, and who may keep a fund's records."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from funds import rules, selectors, services
from funds.errors import FundsErrorCode
from funds.models import CapitalCall, Commitment, Investment
from ipops import clock
from ipops.errors import ApplicationError, CoreErrorCode
from ipops.models import LegalStatus, OrgKind
from ipops.tenancy import city_scope
from tests.conftest import actor, make_asset, make_city, make_org, make_user
from tests.support import failures, nothing_changed, race

D = Decimal
TODAY = datetime.date(2026, 6, 30)
pytestmark = pytest.mark.django_db(transaction=True)


def _manager(city):
    org = make_org(city, OrgKind.FUND_MANAGER, name="青岛知识产权基金管理有限公司")
    return org, make_user(city, "fund_manager", org=org)


def _market_fund(city, who):
    """500,000,000 committed, 90,000,000 of it fiscal: 5.56× leverage."""
    fund = services.fund_register(
        actor=who,
        kind="market",
        name="青岛市知识产权产业投资基金",
        target_size="500000000",
        vintage_year=2024,
        term_years=7,
    )
    for investor, source, amount in (
        ("国家知识产权局（中央财政）", "central", "30000000"),
        ("山东省财政厅", "provincial", "20000000"),
        ("青岛市财政局", "municipal", "30000000"),
        ("崂山区财政局", "district", "10000000"),
        ("某社会资本合伙企业", "social", "410000000"),
    ):
        services.commitment_add(
            actor=who,
            fund=fund,
            investor=investor,
            source=source,
            amount=amount,
            committed_on=datetime.date(2024, 3, 1),
        )
    return fund


def test_worked_case_leverage_ratios_and_performance():
    city = make_city("qingdao")
    _, user = _manager(city)
    company = make_org(city, OrgKind.ENTERPRISE, name="青岛海洋科技有限公司")
    with city_scope(city), clock.at(TODAY):
        who = actor(user, city)
        make_asset(
            city,
            company,
            number="202310000001.7",
            legal_status=LegalStatus.IN_FORCE,
            grant_date=datetime.date(2024, 1, 5),
            filing_date=datetime.date(2023, 1, 1),
        )
        make_asset(
            city,
            company,
            number="202310000002.1",
            legal_status=LegalStatus.IN_FORCE,
            grant_date=datetime.date(2025, 1, 5),
            filing_date=datetime.date(2023, 1, 1),
        )
        fund = _market_fund(city, who)
        social = Commitment.objects.get(source="social")
        # 100,000,000 paid in on 2024-06-30 (20% of 500,000,000).
        services.call_record(
            actor=who,
            commitment=social,
            amount="100000000",
            called_on=datetime.date(2024, 6, 20),
            paid_on=datetime.date(2024, 6, 30),
        )
        with_ip = services.investment_record(
            actor=who,
            fund=fund,
            investee=company,
            amount="60000000",
            invested_on=datetime.date(2024, 7, 1),
            stake="0.2",
        )
        services.investment_record(
            actor=who,
            fund=fund,
            investee_name="外地某公司",
            amount="20000000",
            invested_on=datetime.date(2024, 8, 1),
            stake="0.1",
            fair_value="20000000",
        )
        services.investment_revalue(
            actor=who, investment=with_ip, fair_value="90000000", valued_on=datetime.date(2025, 6, 30)
        )
        services.distribution_record(
            actor=who, fund=fund, kind="income", amount="10000000", distributed_on=datetime.date(2025, 6, 30)
        )
        row = selectors.fund_rows(who)[0]

    # The registry on 2024-07-01: one patent granted (the other only in 2025).
    assert with_ip.patents_in_force == 1
    f = row.figures
    assert f.totals.committed == D("500000000")
    assert f.totals.fiscal == D("90000000")
    assert f.leverage.quantize(D("0.01")) == D("5.56")
    assert row.meets_leverage is True
    assert f.paid_in_ratio == D("0.2")
    assert f.invested_ratio == D("0.8")  # 80,000,000 of 100,000,000
    assert f.ip_share == D("0.75")  # 60,000,000 of 80,000,000 into a company holding patents
    assert f.unfunded == D("400000000")
    assert f.dpi == D("0.1")
    # Still held: the two holdings at fair value (90,000,000 + 20,000,000) and the 20,000,000 not invested.
    assert f.totals.nav == D("130000000")
    assert f.rvpi == D("1.3")
    assert f.tvpi == D("1.4")
    # Flows: -100 on 2024-06-30, +10 a year later, +130 (the value still held) two years later, 365-day
    # years: -100 + 10x + 130x² = 0 with x = 1/(1+r), so r = 1/x - 1 for x = (-10 + √52100) / 260.
    x = (D(-10) + D(52100).sqrt()) / D(260)
    assert f.irr == (1 / x - 1).quantize(D("0.000001"))
    assert f.irr == D("0.191271")  # 19.13% a year


def test_xirr_known_series_and_no_answer():
    # Excel's documented XIRR example: 0.373362535 (37.34%).
    flows = [
        (datetime.date(2008, 1, 1), D("-10000")),
        (datetime.date(2008, 3, 1), D("2750")),
        (datetime.date(2008, 10, 30), D("4250")),
        (datetime.date(2009, 2, 15), D("3250")),
        (datetime.date(2009, 4, 1), D("2750")),
    ]
    assert rules.xirr(flows) == D("0.373363")
    assert rules.xirr([(datetime.date(2020, 1, 1), D("-1"))]) is None
    assert rules.xirr([(datetime.date(2020, 1, 1), D("-1")), (datetime.date(2021, 1, 1), D("-1"))]) is None
    assert rules.leverage(D("100"), D("0")) is None


def test_calls_never_exceed_the_commitment_even_at_the_same_moment():
    city = make_city("qingdao")
    _, user = _manager(city)
    with city_scope(city), clock.at(TODAY):
        fund = _market_fund(city, actor(user, city))
        district = Commitment.objects.get(source="district")  # 10,000,000

    def call():
        with city_scope(city), clock.at(TODAY):
            services.call_record(
                actor=actor(user, city),
                commitment=district.pk,
                amount="6000000",
                called_on=datetime.date(2024, 5, 1),
            )

    outcomes = race(call, call)
    assert len(failures(outcomes)) == 1
    assert failures(outcomes)[0].code == FundsErrorCode.CALL_EXCEEDS_COMMITMENT
    with city_scope(city):
        assert CapitalCall.objects.filter(commitment=district).count() == 1
        district.refresh_from_db()
        assert district.called == D("6000000")
        assert fund.pk


def test_investment_beyond_paid_in_and_second_exit_are_refused_with_nothing_written():
    city = make_city("qingdao")
    _, user = _manager(city)
    with city_scope(city), clock.at(TODAY):
        who = actor(user, city)
        fund = _market_fund(city, who)
        social = Commitment.objects.get(source="social")
        services.call_record(
            actor=who,
            commitment=social,
            amount="1000000",
            called_on=datetime.date(2024, 6, 1),
            paid_on=datetime.date(2024, 6, 2),
        )
        with nothing_changed(Investment), pytest.raises(ApplicationError) as err:
            services.investment_record(
                actor=who,
                fund=fund,
                investee_name="某公司",
                amount="1000000.01",
                invested_on=datetime.date(2024, 7, 1),
                stake="0.1",
            )
        assert err.value.code == FundsErrorCode.INVESTMENT_EXCEEDS_PAID_IN
        held = services.investment_record(
            actor=who,
            fund=fund,
            investee_name="某公司",
            amount="1000000",
            invested_on=datetime.date(2024, 7, 1),
            stake="0.1",
        )
        services.distribution_record(
            actor=who,
            fund=fund,
            kind="full_exit",
            investment=held,
            amount="1500000",
            distributed_on=datetime.date(2025, 7, 1),
        )
        held.refresh_from_db()
        assert held.exited_on == datetime.date(2025, 7, 1)
        assert held.fair_value == 0
        with pytest.raises(ApplicationError) as err:
            services.distribution_record(
                actor=who,
                fund=fund,
                kind="partial_exit",
                investment=held,
                amount="1",
                distributed_on=datetime.date(2025, 8, 1),
            )
        assert err.value.code == FundsErrorCode.INVESTMENT_EXITED


def test_bad_input_names_every_field():
    city = make_city("qingdao")
    _, user = _manager(city)
    with city_scope(city), clock.at(TODAY), pytest.raises(ApplicationError) as err:
        services.fund_register(
            actor=actor(user, city), kind="hedge", name="", target_size="-1", vintage_year=1800, term_years=0
        )
    fields = err.value.fields
    assert set(fields) == {"kind", "name", "target_size", "vintage_year", "term_years"}
    assert fields["kind"][0]["code"] == CoreErrorCode.INVALID_CHOICE


def test_only_the_funds_manager_keeps_its_records():
    city = make_city("qingdao")
    _, user = _manager(city)
    other_org = make_org(city, OrgKind.FUND_MANAGER, name="另一家基金管理人")
    other = make_user(city, "fund_manager", org=other_org)
    bureau = make_user(city, "bureau_staff")
    with city_scope(city), clock.at(TODAY):
        fund = _market_fund(city, actor(user, city))
        for who in (actor(other, city), actor(bureau, city)):
            with pytest.raises(ApplicationError) as err:
                services.commitment_add(
                    actor=who,
                    fund=fund,
                    investor="X",
                    source="social",
                    amount="1",
                    committed_on=datetime.date(2024, 1, 1),
                )
            assert err.value.code in {
                CoreErrorCode.NOT_FOUND,
                FundsErrorCode.FUND_NOT_FOUND,
                CoreErrorCode.PERMISSION_DENIED,
            }
        assert list(selectors.funds(actor(other, city))) == []
        assert list(selectors.funds(actor(bureau, city))) == [fund]


def test_two_investments_at_the_same_moment_never_exceed_paid_in():
    city = make_city("qingdao")
    _, user = _manager(city)
    with city_scope(city), clock.at(TODAY):
        who = actor(user, city)
        fund = _market_fund(city, who)
        social = Commitment.objects.get(source="social")
        services.call_record(
            actor=who,
            commitment=social,
            amount="10000000",
            called_on=datetime.date(2024, 6, 1),
            paid_on=datetime.date(2024, 6, 2),
        )

    def invest():
        with city_scope(city), clock.at(TODAY):
            services.investment_record(
                actor=actor(user, city),
                fund=fund.pk,
                investee_name="某公司",
                amount="6000000",
                invested_on=datetime.date(2024, 7, 1),
                stake="0.1",
            )

    outcomes = race(invest, invest)
    assert [e.code for e in failures(outcomes)] == [FundsErrorCode.INVESTMENT_EXCEEDS_PAID_IN]
    with city_scope(city):
        assert Investment.objects.filter(fund=fund).count() == 1


def test_a_call_is_paid_in_once_even_when_marked_twice_at_once():
    city = make_city("qingdao")
    _, user = _manager(city)
    with city_scope(city), clock.at(TODAY):
        who = actor(user, city)
        _market_fund(city, who)
        social = Commitment.objects.get(source="social")
        call = services.call_record(
            actor=who, commitment=social, amount="5000000", called_on=datetime.date(2024, 6, 1)
        )

    def pay():
        with city_scope(city), clock.at(TODAY):
            services.call_mark_paid(actor=actor(user, city), call=call.pk, paid_on=datetime.date(2024, 6, 5))

    outcomes = race(pay, pay)
    assert [e.code for e in failures(outcomes)] == [FundsErrorCode.CALL_ALREADY_PAID]
    with city_scope(city):
        social.refresh_from_db()
        assert social.paid_in == D("5000000")


def test_a_guide_funds_manager_reads_the_sub_funds_it_guided_and_keeps_only_its_own_records():
    city = make_city("qingdao")
    _, guide_user = _manager(city)
    sub_org = make_org(city, OrgKind.FUND_MANAGER, name="海创基金管理有限公司")
    sub_user = make_user(city, "fund_manager", org=sub_org)
    stranger = make_user(
        city, "fund_manager", org=make_org(city, OrgKind.FUND_MANAGER, name="外地基金管理人")
    )
    with city_scope(city), clock.at(TODAY):
        guide = services.fund_register(
            actor=actor(guide_user, city),
            kind="guide",
            name="青岛市专利运营引导基金",
            target_size="100000000",
            vintage_year=2024,
            term_years=10,
        )
        sub = services.fund_register(
            actor=actor(sub_user, city),
            kind="market",
            name="青岛海洋经济知识产权运营基金",
            target_size="200000000",
            vintage_year=2024,
            term_years=7,
            parent=guide,
        )
        assert set(selectors.funds(actor(guide_user, city))) == {guide, sub}
        assert selectors.guide_summary(actor(guide_user, city), guide).guided_market_funds == 1
        assert list(selectors.funds(actor(stranger, city))) == []
        with pytest.raises(ApplicationError) as err:
            services.commitment_add(
                actor=actor(guide_user, city),
                fund=sub,
                investor="X",
                source="social",
                amount="1",
                committed_on=datetime.date(2024, 5, 1),
            )
        assert err.value.code == CoreErrorCode.PERMISSION_DENIED
