"""The fund register's API: who registers, reads and keeps which fund, the figures a detail shows for
the worked case of `test_register.py`, refusals that write nothing, and a list whose query count does not
grow with the funds (the endpoint harness in tests/api calls every operation as every role as well)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from funds import services
from funds.models import CapitalCall, Commitment, Distribution, Fund, Investment
from ipops import clock
from ipops.models import LegalStatus, OrgKind
from ipops.tenancy import city_scope
from tests.conftest import actor, api, make_asset, make_org, make_user, queries_of
from tests.support import nothing_changed

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = datetime.date(2026, 6, 30)
COMMITTED_ON = "2024-03-01"
#: 500,000,000 committed, 90,000,000 of it fiscal: 5.56× leverage.
COMMITMENTS = [
    ("国家知识产权局（中央财政）", "central", "30000000"),
    ("山东省财政厅", "provincial", "20000000"),
    ("青岛市财政局", "municipal", "30000000"),
    ("崂山区财政局", "district", "10000000"),
    ("某社会资本合伙企业", "social", "410000000"),
]


def _base(city) -> str:
    return f"/api/v1/{city.slug}/funds/"


def _manager(city, name="青岛知识产权基金管理有限公司"):
    org = make_org(city, OrgKind.FUND_MANAGER, name=name)
    return org, make_user(city, "fund_manager", org=org)


def _register(client, city, name="青岛市知识产权产业投资基金", **extra) -> dict:
    body = {"kind": "market", "name": name, "target_size": "500000000", "vintage_year": 2024, "term_years": 7}
    r = client.post(_base(city), {**body, **extra}, format="json")
    assert r.status_code == 201, r.json()
    return r.json()


def _commit(client, city, fund_id) -> dict[str, int]:
    """The five commitments; their ids by source."""
    ids = {}
    for investor, source, amount in COMMITMENTS:
        r = client.post(
            f"{_base(city)}{fund_id}/commitments/",
            {"investor": investor, "source": source, "amount": amount, "committed_on": COMMITTED_ON},
            format="json",
        )
        assert r.status_code == 201, r.json()
        ids[source] = r.json()["id"]
    return ids


def _fund_with_commitments(city, user, name="青岛市知识产权产业投资基金") -> tuple[int, dict[str, int]]:
    client = api(user)
    with clock.at(TODAY):
        fund = _register(client, city, name=name)
        return fund["id"], _commit(client, city, fund["id"])


def test_the_worked_case_through_the_api_and_its_figures_for_every_reader(qingdao):
    _, user = _manager(qingdao)
    company = make_org(qingdao, OrgKind.ENTERPRISE, name="青岛海洋科技有限公司")
    with city_scope(qingdao):
        for number, granted in (("202310000001.7", 2024), ("202310000002.1", 2025)):
            make_asset(
                qingdao,
                company,
                number=number,
                legal_status=LegalStatus.IN_FORCE,
                grant_date=datetime.date(granted, 1, 5),
                filing_date=datetime.date(2023, 1, 1),
            )
    client = api(user)
    base = _base(qingdao)
    with clock.at(TODAY):
        fund_id = _register(client, qingdao)["id"]
        commitments = _commit(client, qingdao, fund_id)
        r = client.post(
            f"{base}commitments/{commitments['social']}/calls/",
            {"amount": "100000000", "called_on": "2024-06-20", "paid_on": "2024-06-30"},
            format="json",
        )
        assert r.status_code == 201 and r.json()["paid_on"] == "2024-06-30"
        r = client.post(
            f"{base}{fund_id}/investments/",
            {"investee": company.pk, "amount": "60000000", "invested_on": "2024-07-01", "stake": "0.2"},
            format="json",
        )
        assert r.status_code == 201, r.json()
        with_ip = r.json()
        # The registry on 2024-07-01: one patent granted (the other only in 2025).
        assert (with_ip["patents_in_force"], with_ip["holds_ip"]) == (1, True)
        assert with_ip["investee"]["id"] == company.pk
        r = client.post(
            f"{base}{fund_id}/investments/",
            {
                "investee_name": "外地某公司",
                "amount": "20000000",
                "invested_on": "2024-08-01",
                "stake": "0.1",
                "fair_value": "20000000",
            },
            format="json",
        )
        assert r.status_code == 201 and r.json()["investee"] is None
        r = client.post(
            f"{base}investments/{with_ip['id']}/valuation/",
            {"fair_value": "90000000", "valued_on": "2025-06-30"},
            format="json",
        )
        assert r.status_code == 200 and D(r.json()["fair_value"]) == D("90000000")
        r = client.post(
            f"{base}{fund_id}/distributions/",
            {"kind": "income", "amount": "10000000", "distributed_on": "2025-06-30"},
            format="json",
        )
        assert r.status_code == 201 and r.json()["investment"] is None
        readers = [user, make_user(qingdao, "bureau_staff"), make_user(qingdao, "official")]
        details = [api(who).get(f"{base}{fund_id}/").json() for who in readers]

    assert details[0] == details[1] == details[2]
    f = details[0]
    assert {k: D(f[k]) for k in ("committed", "fiscal", "called", "paid_in", "unfunded")} == {
        "committed": D("500000000"),
        "fiscal": D("90000000"),
        "called": D("100000000"),
        "paid_in": D("100000000"),
        "unfunded": D("400000000"),
    }
    assert {k: D(f[k]) for k in ("invested", "ip_invested", "distributed", "nav")} == {
        "invested": D("80000000"),
        "ip_invested": D("60000000"),
        "distributed": D("10000000"),
        "nav": D("130000000"),  # holdings 110,000,000 + 20,000,000 not invested
    }
    assert D(f["leverage"]).quantize(D("0.01")) == D("5.56")
    assert f["meets_leverage"] is True
    assert {
        k: D(f[k]) for k in ("paid_in_ratio", "invested_ratio", "ip_share", "dpi", "rvpi", "tvpi", "irr")
    } == {
        "paid_in_ratio": D("0.2"),
        "invested_ratio": D("0.8"),
        "ip_share": D("0.75"),
        "dpi": D("0.1"),
        "rvpi": D("1.3"),
        "tvpi": D("1.4"),
        # -100,000,000 on 2024-06-30; +10,000,000 a year later; +110,000,000 (the NAV) today: 10%.
        "irr": D("0.191271"),
    }
    # Money as strings in 元, ratios as strings with six places.
    assert (f["committed"], f["dpi"]) == ("500000000.00", "0.100000")
    assert f["by_source"][0] == {"source": "social", "amount": "410000000.00"}
    assert {row["source"] for row in f["by_source"]} == {
        "central",
        "provincial",
        "municipal",
        "district",
        "social",
    }
    assert f["guide"] is None
    # The records' lists agree.
    listed = client.get(f"{base}{fund_id}/commitments/").json()
    assert listed["count"] == 5
    social = next(c for c in listed["results"] if c["source"] == "social")
    assert (D(social["paid_in"]), D(social["unfunded"])) == (D("100000000"), D("310000000"))
    calls = client.get(f"{base}commitments/{commitments['social']}/calls/").json()["results"]
    assert [D(c["amount"]) for c in calls] == [D("100000000")]
    assert client.get(f"{base}{fund_id}/investments/").json()["count"] == 2
    assert client.get(f"{base}{fund_id}/distributions/").json()["count"] == 1


def test_a_new_fund_has_no_figures_yet_and_a_guide_fund_shows_its_sub_funds(qingdao):
    org, user = _manager(qingdao)
    bureau = api(make_user(qingdao, "bureau_staff"))
    with clock.at(TODAY):
        guide = _register(bureau, qingdao, name="青岛市专利运营引导基金", kind="guide", manager=org.pk)
        assert guide["manager"]["id"] == org.pk
        assert all(guide[k] is None for k in ("leverage", "paid_in_ratio", "dpi", "tvpi", "irr"))
        assert guide["guide"]["guided_market_funds"] == 0 and guide["guide"]["target"] == 3
        for name in ("子基金一", "子基金二", "子基金三"):
            sub = _register(api(user), qingdao, name=name, parent=guide["id"])
            assert sub["parent"] == {"id": guide["id"], "name": "青岛市专利运营引导基金", "kind": "guide"}
            _commit(api(user), qingdao, sub["id"])
        summary = bureau.get(f"{_base(qingdao)}{guide['id']}/").json()["guide"]
    assert (summary["guided_market_funds"], summary["meets_target"]) == (3, True)
    assert D(summary["committed"]) == D("1500000000")
    assert D(summary["leverage"]).quantize(D("0.01")) == D("5.56")
    assert len(summary["sub_funds"]) == 3


def test_who_registers_and_reads_which_fund(qingdao):
    org, user = _manager(qingdao)
    other_org, other = _manager(qingdao, name="另一家基金管理人")
    bureau = make_user(qingdao, "bureau_staff")
    official = make_user(qingdao, "official")
    enterprise = make_user(qingdao, "enterprise")
    base = _base(qingdao)
    with clock.at(TODAY):
        own = _register(api(user), qingdao, name="管理人自己登记的基金")["id"]
        named = _register(api(bureau), qingdao, name="局里登记的基金", manager=org.pk)["id"]
        theirs = _register(api(other), qingdao, name="另一家的基金")["id"]
        body = {"kind": "policy", "name": "X", "target_size": "1", "vintage_year": 2024, "term_years": 5}
        with nothing_changed(Fund):
            refused = {
                "official": api(official).post(base, body, format="json"),
                "enterprise": api(enterprise).post(base, body, format="json"),
                # A fund manager registers only for itself.
                "manager for another": api(user).post(base, {**body, "manager": other_org.pk}, format="json"),
            }
    assert {k: (r.status_code, r.json()["code"]) for k, r in refused.items()} == {
        "official": (403, "read_only_access"),
        "enterprise": (403, "role_not_allowed"),
        "manager for another": (400, "not_a_fund_manager"),
    }

    def ids(who) -> list[int]:
        return sorted(row["id"] for row in api(who).get(base).json()["results"])

    assert ids(bureau) == ids(official) == sorted([own, named, theirs])
    assert ids(user) == sorted([own, named])
    assert ids(other) == [theirs]
    assert api(enterprise).get(base).status_code == 403
    r = api(other).get(f"{base}{own}/")
    assert (r.status_code, r.json()["code"]) == (404, "fund_not_found")
    assert api(official).get(f"{base}{own}/").status_code == 200


def test_bad_input_answers_400_with_every_field_and_writes_nothing(qingdao):
    _, user = _manager(qingdao)
    client = api(user)
    fund_id, commitments = _fund_with_commitments(qingdao, user)
    base = _base(qingdao)
    with clock.at(TODAY), nothing_changed(Fund, Commitment, CapitalCall, Investment, Distribution):
        r = client.post(
            base,
            {"kind": "market", "name": "", "target_size": "-1", "vintage_year": 1800, "term_years": 0},
            format="json",
        )
        assert r.status_code == 400
        fields = r.json()["fields"]
        assert set(fields) == {"name", "target_size", "vintage_year", "term_years"}
        assert fields["name"][0]["code"] == "required"
        r = client.post(base, {"kind": "hedge", "target_size": "many"}, format="json")
        assert r.status_code == 400
        assert r.json()["fields"]["kind"][0]["code"] == "invalid_choice"
        assert {"name", "target_size", "vintage_year", "term_years"} <= set(r.json()["fields"])
        r = client.post(
            f"{base}{fund_id}/commitments/",
            {"investor": "", "source": "social", "amount": "0", "committed_on": "2999-01-01"},
            format="json",
        )
        assert r.status_code == 400
        assert set(r.json()["fields"]) == {"investor", "amount", "committed_on"}
        r = client.post(
            f"{base}commitments/{commitments['social']}/calls/",
            {"amount": "100", "called_on": "2024-06-20", "paid_on": "2024-06-01"},
            format="json",
        )
        assert (r.status_code, r.json()["fields"]["paid_on"][0]["code"]) == (400, "date_before_earlier_step")
        r = client.post(
            f"{base}{fund_id}/distributions/",
            {"kind": "full_exit", "amount": "1", "distributed_on": "2025-01-01"},
            format="json",
        )
        assert (r.status_code, r.json()["fields"]["investment"][0]["code"]) == (400, "exit_needs_investment")
        r = client.post(f"{base}{fund_id}/status/", {"status": "closed"}, format="json")
        assert (r.status_code, r.json()["fields"]["status"][0]["code"]) == (400, "invalid_choice")


def test_a_call_beyond_the_commitment_is_refused_and_writes_nothing(qingdao):
    _, user = _manager(qingdao)
    fund_id, commitments = _fund_with_commitments(qingdao, user)
    url = f"{_base(qingdao)}commitments/{commitments['district']}/calls/"  # 10,000,000
    client = api(user)
    with clock.at(TODAY):
        assert (
            client.post(url, {"amount": "6000000", "called_on": "2024-05-01"}, format="json").status_code
            == 201
        )
        with nothing_changed(Commitment, CapitalCall):
            r = client.post(url, {"amount": "4000000.01", "called_on": "2024-05-02"}, format="json")
        assert (r.status_code, r.json()["code"]) == (409, "call_exceeds_commitment")
        [call] = client.get(url).json()["results"]
        assert call["paid_on"] is None
        paid = f"{_base(qingdao)}calls/{call['id']}/paid/"
        r = client.post(paid, {"paid_on": "2024-05-10"}, format="json")
        assert (r.status_code, r.json()["paid_on"]) == (200, "2024-05-10")
        with nothing_changed(Commitment, CapitalCall):
            again = client.post(paid, {"paid_on": "2024-05-11"}, format="json")
        assert (again.status_code, again.json()["code"]) == (409, "call_already_paid")
        detail = client.get(f"{_base(qingdao)}{fund_id}/").json()
    assert (D(detail["called"]), D(detail["paid_in"])) == (D("6000000"), D("6000000"))


def test_the_status_moves_on_and_a_wound_up_fund_keeps_its_records(qingdao):
    _, user = _manager(qingdao)
    fund_id, commitments = _fund_with_commitments(qingdao, user)
    client = api(user)
    with clock.at(TODAY):
        r = client.post(f"{_base(qingdao)}{fund_id}/status/", {"status": "wound_up"}, format="json")
        assert (r.status_code, r.json()["status"]) == (200, "wound_up")
        with nothing_changed(CapitalCall):
            r = client.post(
                f"{_base(qingdao)}commitments/{commitments['social']}/calls/",
                {"amount": "1", "called_on": "2024-05-01"},
                format="json",
            )
    assert (r.status_code, r.json()["code"]) == (409, "fund_wound_up")


def test_another_citys_and_another_managers_records_are_not_found(qingdao, jinan):
    _, user = _manager(qingdao)
    _, other = _manager(qingdao, name="另一家基金管理人")
    jinan_manager = _manager(jinan, name="济南基金管理有限公司")[1]
    fund_id, commitments = _fund_with_commitments(qingdao, user)
    foreign_fund, foreign_commitments = _fund_with_commitments(jinan, jinan_manager, name="济南的基金")
    with clock.at(TODAY):
        r = api(user).post(
            f"{_base(qingdao)}commitments/{commitments['social']}/calls/",
            {"amount": "1000", "called_on": "2024-05-01", "paid_on": "2024-05-02"},
            format="json",
        )
        call_id = r.json()["id"]
        r = api(user).post(
            f"{_base(qingdao)}{fund_id}/investments/",
            {"investee_name": "某公司", "amount": "1000", "invested_on": "2024-06-01", "stake": "0.1"},
            format="json",
        )
        investment_id = r.json()["id"]
    base = _base(qingdao)
    bureau = api(make_user(qingdao, "bureau_staff"))
    # Another city's ids, even to the city's readers.
    assert (
        bureau.get(f"{base}{foreign_fund}/").status_code,
        bureau.get(f"{base}{foreign_fund}/").json()["code"],
    ) == (
        404,
        "fund_not_found",
    )
    foreign_calls = api(user).get(f"{base}commitments/{foreign_commitments['social']}/calls/")
    assert (foreign_calls.status_code, foreign_calls.json()["code"]) == (404, "commitment_not_found")
    # Another manager's fund and records, read or written.
    stranger = api(other)
    with clock.at(TODAY), nothing_changed(Fund, Commitment, CapitalCall, Investment, Distribution):
        answers = {
            "detail": stranger.get(f"{base}{fund_id}/"),
            "commitments": stranger.get(f"{base}{fund_id}/commitments/"),
            "investments": stranger.get(f"{base}{fund_id}/investments/"),
            "distributions": stranger.get(f"{base}{fund_id}/distributions/"),
            "calls": stranger.get(f"{base}commitments/{commitments['social']}/calls/"),
            "add commitment": stranger.post(
                f"{base}{fund_id}/commitments/",
                {"investor": "X", "source": "social", "amount": "1", "committed_on": COMMITTED_ON},
                format="json",
            ),
            "status": stranger.post(f"{base}{fund_id}/status/", {"status": "investing"}, format="json"),
            "call": stranger.post(
                f"{base}commitments/{commitments['social']}/calls/",
                {"amount": "1", "called_on": "2024-05-01"},
                format="json",
            ),
            "paid": stranger.post(f"{base}calls/{call_id}/paid/", {"paid_on": "2024-05-02"}, format="json"),
            "valuation": stranger.post(
                f"{base}investments/{investment_id}/valuation/",
                {"fair_value": "1", "valued_on": "2024-07-01"},
                format="json",
            ),
            "distribution": stranger.post(
                f"{base}{fund_id}/distributions/",
                {"kind": "income", "amount": "1", "distributed_on": "2024-07-01"},
                format="json",
            ),
        }
    assert {k: r.status_code for k, r in answers.items()} == dict.fromkeys(answers, 404)


def test_officials_and_the_bureau_only_read_a_managers_records(qingdao):
    _, user = _manager(qingdao)
    fund_id, commitments = _fund_with_commitments(qingdao, user)
    base = _base(qingdao)
    official, bureau = api(make_user(qingdao, "official")), api(make_user(qingdao, "bureau_staff"))
    writes = [
        (
            f"{base}{fund_id}/commitments/",
            {"investor": "X", "source": "social", "amount": "1", "committed_on": COMMITTED_ON},
        ),
        (f"{base}{fund_id}/status/", {"status": "investing"}),
        (f"{base}commitments/{commitments['social']}/calls/", {"amount": "1", "called_on": "2024-05-01"}),
        (
            f"{base}{fund_id}/distributions/",
            {"kind": "income", "amount": "1", "distributed_on": "2024-07-01"},
        ),
    ]
    with clock.at(TODAY), nothing_changed(Fund, Commitment, CapitalCall, Distribution):
        for url, body in writes:
            r = official.post(url, body, format="json")
            assert (r.status_code, r.json()["code"]) == (403, "read_only_access"), url
            r = bureau.post(url, body, format="json")
            assert (r.status_code, r.json()["code"]) == (403, "role_not_allowed"), url
    assert official.get(f"{base}{fund_id}/commitments/").json()["count"] == 5


def test_the_list_costs_as_many_queries_for_many_funds_as_for_few(qingdao):
    org, user = _manager(qingdao)
    bureau = make_user(qingdao, "bureau_staff")
    client = api(bureau)

    def add_funds(names):
        with city_scope(qingdao), clock.at(TODAY):
            who = actor(user, qingdao)
            for name in names:
                fund = services.fund_register(
                    actor=who,
                    kind="market",
                    name=name,
                    target_size="1000000",
                    vintage_year=2024,
                    term_years=7,
                )
                commitment = services.commitment_add(
                    actor=who,
                    fund=fund,
                    investor="某社会资本",
                    source="social",
                    amount="1000000",
                    committed_on=datetime.date(2024, 1, 1),
                )
                services.call_record(
                    actor=who,
                    commitment=commitment,
                    amount="500000",
                    called_on=datetime.date(2024, 2, 1),
                    paid_on=datetime.date(2024, 2, 2),
                )
                services.investment_record(
                    actor=who,
                    fund=fund,
                    investee_name="某公司",
                    amount="400000",
                    invested_on=datetime.date(2024, 3, 1),
                    stake="0.1",
                )

    def count() -> int:
        with clock.at(TODAY), CaptureQueriesContext(connection) as ctx:
            r = client.get(_base(qingdao), {"page_size": 50})
        assert r.status_code == 200
        return len(queries_of(ctx))

    add_funds(["基金一", "基金二"])
    count()  # warm: what a process asks once (the database wall's mode) is not the list's cost
    few = count()
    add_funds([f"基金{i}号" for i in range(3, 12)])
    assert count() == few
    assert client.get(_base(qingdao)).json()["count"] == 11
