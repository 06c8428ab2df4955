"""The fund register's pages: who sees which funds and forms, the manager's forms (a refusal shows the
service's Chinese message and writes nothing), the exports in 万元, and a list page whose query count does
not grow with the number of funds."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from funds import services
from funds.models import CapitalCall, Commitment, Distribution, Fund, Investment
from ipops import clock
from ipops.models import City, Organization, OrgKind, User
from ipops.platform import reference_url
from ipops.tenancy import city_scope
from pledge_finance import services as pledge_services
from tests.conftest import actor, make_asset, make_org, make_user, queries_of
from tests.funds.conftest import open_budget
from tests.support import nothing_changed

pytestmark = pytest.mark.django_db
D = Decimal
DAY = datetime.date(2025, 3, 1)


@dataclass
class Register:
    city: City
    bureau: User
    manager: User  # manages the sub-funds
    manager_org: Organization
    guide_manager: User  # manages the guide fund
    company: Organization  # an enterprise holding two patents in force
    guide: Fund
    subs: list[Fund]


def build_register(city: City, *, sub_funds: int = 3) -> Register:
    """A guide fund (its own manager) guiding `sub_funds` market funds of another manager, each with
    20,000,000 of municipal and 80,000,000 of social money committed (5× leverage); the first one has
    50,000,000 called and paid in and 30,000,000 invested in the company."""
    bureau = make_user(city, "bureau_staff")
    manager_org = make_org(city, OrgKind.FUND_MANAGER, name="青岛知识产权基金管理有限公司")
    manager = make_user(city, "fund_manager", org=manager_org)
    guide_org = make_org(city, OrgKind.FUND_MANAGER, name="青岛市引导基金管理有限公司")
    guide_manager = make_user(city, "fund_manager", org=guide_org)
    company = make_org(city, OrgKind.ENTERPRISE, name="青岛海洋科技有限公司")
    for granted in (datetime.date(2023, 5, 1), datetime.date(2024, 2, 1)):
        make_asset(city, company, grant_date=granted, filing_date=datetime.date(2022, 1, 1))
    with city_scope(city), clock.at(DAY):
        b, m = actor(bureau, city), actor(manager, city)
        guide = services.fund_register(
            actor=b,
            kind="guide",
            name="青岛市专利运营引导基金",
            target_size="100000000",
            vintage_year=2024,
            term_years=10,
            manager=guide_org,
        )
        subs = []
        for n in range(sub_funds):
            fund = services.fund_register(
                actor=b,
                kind="market",
                name=f"青岛专利运营子基金{n + 1}号",
                target_size="100000000",
                vintage_year=2024,
                term_years=7,
                manager=manager_org,
                parent=guide,
            )
            for investor, source, amount in (
                ("青岛市财政局", "municipal", "20000000"),
                ("社会资本", "social", "80000000"),
            ):
                services.commitment_add(
                    actor=m,
                    fund=fund,
                    investor=investor,
                    source=source,
                    amount=amount,
                    committed_on=datetime.date(2024, 6, 1),
                )
            subs.append(fund)
        social = Commitment.objects.get(fund=subs[0], source="social")
        services.call_record(
            actor=m,
            commitment=social,
            amount="50000000",
            called_on=datetime.date(2024, 7, 1),
            paid_on=datetime.date(2024, 7, 10),
        )
        services.investment_record(
            actor=m,
            fund=subs[0],
            investee=company,
            amount="30000000",
            invested_on=datetime.date(2024, 8, 1),
            stake="0.15",
        )
    return Register(city, bureau, manager, manager_org, guide_manager, company, guide, subs)


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def reg(qingdao) -> Register:
    return build_register(qingdao)


def _url(reg: Register, tail: str = "") -> str:
    return f"/{reg.city.slug}/funds/{tail}"


def test_the_bureau_sees_every_fund_with_the_sub_funds_under_their_guide_fund(reg):
    page = client_for(reg.bureau).get(_url(reg)).content.decode()
    order = [page.index(f'data-fund="{f.pk}"') for f in (reg.guide, *reg.subs)]
    assert order == sorted(order)
    assert page.count('data-depth="1"') == 3
    assert page.count('data-leverage-meets="yes"') == 3  # 100,000,000 ÷ 20,000,000 = 5.00×
    assert "5.00×" in page
    assert 'data-chart="chart-funds"' in page
    assert 'id="register-form"' in page
    assert "青岛知识产权基金管理有限公司" in page  # a manager to choose
    assert 'id="tab-budget"' in page  # the register and the budget share one menu entry


def test_an_official_reads_everything_and_gets_no_form(reg):
    client = client_for(make_user(reg.city, "official"))
    page = client.get(_url(reg)).content.decode()
    assert page.count("data-depth=") == 4
    assert 'id="register-form"' not in page
    detail = client.get(_url(reg, f"{reg.subs[0].pk}/")).content.decode()
    assert "青岛海洋科技有限公司" in detail
    assert "<form" not in detail.split('id="page-title"')[1]
    with nothing_changed(Commitment):
        r = client.post(
            _url(reg, f"{reg.subs[0].pk}/commit/"),
            {
                "commit-investor": "x",
                "commit-source": "social",
                "commit-amount": "1",
                "commit-committed_on": "2025-01-01",
            },
        )
    assert r.status_code == 403


def test_a_fund_manager_reads_the_funds_it_guides_and_keeps_only_its_own(reg):
    client = client_for(reg.guide_manager)
    page = client.get(_url(reg)).content.decode()
    assert f'data-fund="{reg.guide.pk}"' in page
    assert all(f'data-fund="{f.pk}"' in page for f in reg.subs)  # the sub-funds its guide fund invests in
    assert 'id="tab-budget"' not in page  # the budget is the city's readers'
    detail = client.get(_url(reg, f"{reg.subs[0].pk}/")).content.decode()
    assert "<form" not in detail.split('id="page-title"')[1]  # read-only: another manager keeps it
    with nothing_changed(Commitment):
        r = client.post(
            _url(reg, f"{reg.subs[0].pk}/commit/"),
            {
                "commit-investor": "x",
                "commit-source": "social",
                "commit-amount": "1",
                "commit-committed_on": "2025-01-01",
            },
        )
    assert r.status_code == 403
    # A manager with no part in them sees none of them.
    stranger = make_user(reg.city, "fund_manager")
    other = client_for(stranger)
    assert all(
        f'data-fund="{f.pk}"' not in other.get(_url(reg)).content.decode() for f in [reg.guide, *reg.subs]
    )
    for tail in (f"{reg.subs[0].pk}/", f"{reg.subs[0].pk}/export.xlsx?table=calls"):
        assert other.get(_url(reg, tail)).status_code == 404


def test_other_roles_are_refused(reg):
    for role in ("enterprise", "bank"):
        assert client_for(make_user(reg.city, role)).get(_url(reg)).status_code == 403


def test_the_guide_fund_page_counts_the_market_funds_it_guides(reg):
    page = client_for(reg.bureau).get(_url(reg, f"{reg.guide.pk}/")).content.decode()
    assert 'data-count="3"' in page
    assert 'id="guided-count" data-count="3" data-meets="yes"' in page
    assert 'id="guided-leverage">5.00×' in page


def test_the_manager_records_a_call_an_investment_and_a_distribution(reg):
    client = client_for(reg.manager)
    fund = reg.subs[0]
    url = _url(reg, f"{fund.pk}/")
    page = client.get(url).content.decode()
    for form in ("commit-form", "call-form", "invest-form", "distribute-form", "status-form", "revalue-form"):
        assert f'id="{form}"' in page
    with city_scope(reg.city):
        municipal = Commitment.objects.get(fund=fund, source="municipal")
    r = client.post(
        url + "call/",
        {"call-commitment": municipal.pk, "call-amount": "1000", "call-called_on": "2025-04-01"},
    )
    assert r.status_code == 302
    with city_scope(reg.city):
        call = CapitalCall.objects.get(commitment=municipal)
    assert (call.amount, call.paid_on) == (D("10000000"), None)
    page = client.get(url).content.decode()
    assert f'id="pay-{call.pk}"' in page
    assert client.post(url + "pay/", {"pay-call": call.pk, "pay-paid_on": "2025-04-05"}).status_code == 302
    r = client.post(
        url + "invest/",
        {
            "invest-investee_name": "外地某公司",
            "invest-patents_in_force": "4",
            "invest-amount": "500",
            "invest-invested_on": "2025-04-10",
            "invest-stake": "5",
        },
    )
    assert r.status_code == 302
    with city_scope(reg.city):
        held = Investment.objects.get(investee_name="外地某公司")
    assert (held.patents_in_force, held.stake, held.fair_value) == (4, D("0.05"), D("5000000"))
    r = client.post(
        url + "revalue/",
        {"revalue-investment": held.pk, "revalue-fair_value": "650", "revalue-valued_on": "2025-04-30"},
    )
    assert r.status_code == 302
    with city_scope(reg.city):
        held.refresh_from_db()
    assert held.fair_value == D("6500000")
    r = client.post(
        url + "distribute/",
        {
            "distribute-kind": "full_exit",
            "distribute-amount": "800",
            "distribute-distributed_on": "2025-05-01",
            "distribute-investment": held.pk,
        },
    )
    assert r.status_code == 302
    with city_scope(reg.city):
        held.refresh_from_db()
        assert Distribution.objects.filter(fund=fund).count() == 1
    assert held.exited_on == datetime.date(2025, 5, 1)
    assert client.post(url + "status/", {"status-status": "investing"}).status_code == 302
    assert 'data-status="investing"' in client.get(url).content.decode()


def test_a_refused_form_shows_the_services_chinese_message_and_writes_nothing(reg):
    client = client_for(reg.manager)
    fund = reg.subs[0]
    url = _url(reg, f"{fund.pk}/")
    with city_scope(reg.city):
        municipal = Commitment.objects.get(fund=fund, source="municipal")
    with nothing_changed(CapitalCall, Commitment):
        r = client.post(
            url + "call/",
            {"call-commitment": municipal.pk, "call-amount": "2500", "call-called_on": "2025-04-01"},
        )
    assert r.status_code == 400
    page = r.content.decode()
    assert "青岛市财政局" in page and "2,000.00 万元" in page  # what is left to call
    with nothing_changed(Investment):
        r = client.post(
            url + "invest/",
            {
                "invest-investee_name": "某公司",
                "invest-amount": "5000",
                "invest-invested_on": "2025-04-10",
                "invest-stake": "5",
            },
        )
    assert r.status_code == 400
    assert "实缴" in r.content.decode()
    with nothing_changed(Distribution):
        r = client.post(
            url + "distribute/",
            {
                "distribute-kind": "full_exit",
                "distribute-amount": "1",
                "distribute-distributed_on": "2025-05-01",
            },
        )
    assert r.status_code == 400
    assert 'data-error-for="investment"' in r.content.decode()


def test_the_bureau_registers_a_fund_for_a_manager_and_a_manager_for_itself(reg):
    r = client_for(reg.bureau).post(
        _url(reg),
        {
            "register-kind": "policy",
            "register-name": "青岛市知识产权运营基金",
            "register-target_size": "20000",
            "register-vintage_year": "2025",
            "register-term_years": "8",
            "register-manager": reg.manager_org.pk,
        },
    )
    assert r.status_code == 302
    r = client_for(reg.guide_manager).post(
        _url(reg),
        {
            "register-kind": "market",
            "register-name": "自管基金",
            "register-target_size": "10000",
            "register-vintage_year": "2025",
            "register-term_years": "5",
        },
    )
    assert r.status_code == 302
    with city_scope(reg.city):
        assert Fund.objects.get(name="青岛市知识产权运营基金").manager == reg.manager_org
        assert Fund.objects.get(name="自管基金").manager.name == "青岛市引导基金管理有限公司"
    with nothing_changed(Fund):
        r = client_for(reg.bureau).post(
            _url(reg),
            {
                "register-kind": "market",
                "register-name": "青岛市专利运营引导基金",
                "register-target_size": "10000",
                "register-vintage_year": "2025",
                "register-term_years": "5",
                "register-manager": reg.manager_org.pk,
            },
        )
    assert r.status_code == 400
    assert "本市已有同名基金" in r.content.decode()


def test_the_manager_home_shows_its_funds_and_the_calls_waiting(reg):
    with city_scope(reg.city), clock.at(DAY):
        services.call_record(
            actor=actor(reg.manager, reg.city),
            commitment=Commitment.objects.get(fund=reg.subs[1], source="municipal"),
            amount="1000000",
            called_on=DAY,
        )
    page = client_for(reg.manager).get(f"/{reg.city.slug}/").content.decode()
    assert 'id="panel-my-funds"' in page
    assert page.count("data-fund=") == 3
    assert 'id="unpaid-calls" data-count="1"' in page


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content)).active


def test_exports_are_workbooks_in_wan(reg):
    client = client_for(make_user(reg.city, "official"))
    sheet = _sheet(client.get(_url(reg, "export.xlsx")))
    headers = [c.value for c in sheet[1]]
    assert {"目标规模（万元）", "认缴（万元）", "实缴（万元）", "财政资金放大倍数"} <= set(headers)
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == ["青岛市专利运营引导基金", *(f.name for f in reg.subs)]
    first = dict(zip(headers, rows[1], strict=True))
    assert (D(str(first["认缴（万元）"])), D(str(first["实缴（万元）"]))) == (D("10000"), D("5000"))
    assert D(str(first["财政资金放大倍数"])) == D("5")
    for table in ("commitments", "calls", "investments", "distributions"):
        sheet = _sheet(client.get(_url(reg, f"{reg.subs[0].pk}/export.xlsx?table={table}")))
        assert any("（万元）" in str(c.value) for c in sheet[1])
    investments = _sheet(client.get(_url(reg, f"{reg.subs[0].pk}/export.xlsx?table=investments")))
    row = next(investments.iter_rows(min_row=2, values_only=True))
    assert row[0] == "青岛海洋科技有限公司" and row[4] == 2 and D(str(row[2])) == D("3000")
    assert client.get(_url(reg, f"{reg.subs[0].pk}/export.xlsx?table=nope")).status_code == 404


def test_the_list_page_query_count_does_not_grow_with_the_funds(qingdao, jinan):
    small = build_register(qingdao, sub_funds=2)
    large = build_register(jinan, sub_funds=8)

    def count(reg):
        client = client_for(reg.bureau)
        client.get(_url(reg))  # warm the session and the city cache
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(_url(reg)).status_code == 200
        return len(queries_of(ctx))

    assert count(large) == count(small)


# --- the budget page: projection and drill-down ----------------------------------------------------------


def test_each_app_says_where_its_references_are_read():
    assert reference_url("pledge_finance.reserveentry:5", "qingdao") == "/qingdao/loans/reserve/#ledger"
    assert reference_url("funds.fund:3", "qingdao") == "/qingdao/funds/3/"
    assert reference_url("funds.demo:2024-11", "qingdao") is None
    assert reference_url("nowhere.thing:1", "qingdao") is None


def test_the_budget_page_projects_the_shares_and_links_each_payment_to_its_record(qingdao):
    open_budget(qingdao)
    bureau = make_user(qingdao, "bureau_staff")
    recent = clock.today() - datetime.timedelta(days=30)
    with city_scope(qingdao), clock.at(recent):
        entry = pledge_services.reserve_open(
            actor=actor(bureau, qingdao), opening_balance=D("30000000"), opened_on=recent
        )
        services.budget_spend(
            actor=None,
            city=qingdao,
            source_kind="central_1",
            category="cluster_zone",
            amount=D("10000000"),
            spent_on=recent,
            reference="funds.demo:1",
            in_cluster_zone=True,
        )
    page = client_for(make_user(qingdao, "official")).get(f"/{qingdao.slug}/funds/budget/").content.decode()
    assert 'id="projection"' in page
    assert page.count("data-projected=") == 2
    with city_scope(qingdao):
        reserve_entry = entry.entries.get()
    assert f'href="/{qingdao.slug}/loans/reserve/#ledger"' in page
    assert f"pledge_finance.reserveentry:{reserve_entry.pk}" in page
    demo_row = page.split('data-reference="funds.demo:1"')[1].split("</tr>")[0]
    assert "<a " not in demo_row
