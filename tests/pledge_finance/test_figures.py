"""A loan's figures (outstanding principal, overdue amount, next due date, each instalment's standing) come from
one selector, so every page shows the same; and its timeline runs in the order things happened, in Beijing time."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from ipops import clock
from ipops.money import to_wan
from pledge_finance import services
from pledge_finance.models import Instalment, Loan
from pledge_finance.tasks import mark_overdue
from tests.conftest import api
from tests.pledge_finance.conftest import build_world, client_for, loan_to_state

pytestmark = pytest.mark.django_db
D = Decimal
BEIJING = ZoneInfo("Asia/Shanghai")
TODAY = datetime.date(2025, 4, 20)


def figures_in(html: str, loan_id: int) -> tuple[str, ...]:
    """Outstanding, overdue and next due date as a loan table's row shows them."""
    row = re.search(rf'<tr data-loan="{loan_id}">(.*?)</tr>', html, re.S)
    assert row, f"loan {loan_id} is not listed"
    cells = dict(re.findall(r'data-figure="([a-z-]+)">(.*?)</td>', row.group(1), re.S))
    return tuple(_text(cells[name]) for name in ("outstanding", "overdue", "next-due"))


def figures_on_detail(html: str) -> tuple[str, ...]:
    cells = dict(re.findall(r'<dd class="col-6" id="(outstanding|overdue|next-due)">(.*?)</dd>', html, re.S))
    return tuple(_text(cells[name]) for name in ("outstanding", "overdue", "next-due"))


def _text(html: str) -> str:
    """What a reader sees of a cell, without the count of overdue instalments the detail adds."""
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
    return re.sub(r"\s*[（(]\d+.*$", "", text)


def wan(amount: Decimal) -> str:
    return f"{to_wan(amount):,.2f} 万元"


@pytest.fixture
def w(qingdao):
    """Two 12-month loans of 2,000,000 from 15 January 2025. The late one paid its first instalment (15
    February), not those of 15 March and 15 April; on 20 April the nightly job has not flagged them yet.
    The fine one paid all three."""
    w = build_world(qingdao)
    w.late = loan_to_state(w, "disbursed", assets=[w.assets[0]])
    w.fine = loan_to_state(w, "disbursed", assets=[w.assets[1]])
    with w.scope():
        for loan in (w.late, w.fine):
            first = Instalment.objects.get(loan=loan, number=1)
            with clock.at(first.due_date):
                services.loan_record_repayment(
                    actor=w.actor(w.bank), loan=loan, amount=first.total_due, paid_on=first.due_date
                )
        for inst in Instalment.objects.filter(loan=w.fine, number__in=[2, 3]).order_by("number"):
            with clock.at(inst.due_date):
                services.loan_record_repayment(
                    actor=w.actor(w.bank),
                    loan=Loan.objects.get(pk=w.fine.pk),
                    amount=inst.total_due,
                    paid_on=inst.due_date,
                )
        schedule = list(Instalment.objects.filter(loan=w.late).order_by("number"))
    w.expected = {
        "outstanding": D("2000000") - schedule[0].principal_due,
        "overdue": schedule[1].total_due + schedule[2].total_due,
        "next_due": schedule[3].due_date,
    }
    return w


def test_home_list_detail_portfolio_and_api_show_the_same_figures(w):
    expected = (
        wan(w.expected["outstanding"]),
        wan(w.expected["overdue"]),
        w.expected["next_due"].isoformat(),
    )
    owner, bank = client_for(w.enterprise), client_for(w.bank)
    with clock.at(TODAY):
        home = owner.get(f"/{w.city.slug}/").content.decode()
        listed = owner.get(f"/{w.city.slug}/loans/").content.decode()
        detail = owner.get(f"/{w.city.slug}/loans/{w.late.pk}/").content.decode()
        portfolio = bank.get(f"/{w.city.slug}/loans/portfolio/").content.decode()
        queue = bank.get(f"/{w.city.slug}/loans/queue/").content.decode()
        from_api = api(w.enterprise).get(f"/api/v1/{w.city.slug}/loans/{w.late.pk}/").json()
        api_list = api(w.bank).get(f"/api/v1/{w.city.slug}/loans/").json()["results"]
    assert figures_in(home, w.late.pk) == expected
    assert figures_in(listed, w.late.pk) == expected
    assert figures_on_detail(detail) == expected
    assert figures_in(portfolio, w.late.pk) == expected
    assert figures_in(queue, w.late.pk) == expected  # the bank's overdue loans
    listed_by_api = next(row for row in api_list if row["id"] == w.late.pk)
    for row in (from_api, listed_by_api):
        assert (
            D(row["outstanding"]),
            D(row["overdue_amount"]),
            row["overdue_count"],
            row["next_due_on"],
        ) == (
            w.expected["outstanding"],
            w.expected["overdue"],
            2,
            w.expected["next_due"].isoformat(),
        )
    # The nightly job flags what the pages already showed; nothing moves.
    with clock.at(TODAY):
        mark_overdue.apply(args=[w.city.pk])
        assert figures_on_detail(owner.get(f"/{w.city.slug}/loans/{w.late.pk}/").content.decode()) == expected


def test_instalments_not_due_yet_say_so_and_overdue_ones_are_overdue(w):
    with clock.at(TODAY):
        detail = client_for(w.bank).get(f"/{w.city.slug}/loans/{w.late.pk}/").content.decode()
        schedule = api(w.bank).get(f"/api/v1/{w.city.slug}/loans/{w.late.pk}/").json()["schedule"]
    standings = re.findall(r'data-instalment="\d+" data-status="(\w+)"', detail)
    assert standings == ["paid", "overdue", "overdue"] + ["pending"] * 9
    assert [i["status"] for i in schedule] == standings
    table = re.search(r'id="schedule".*?</table>', detail, re.S).group(0)
    badges = re.findall(r'<span class="badge [^"]+">([^<]+)</span>', table)
    assert badges == ["已还", "逾期", "逾期"] + ["未到期"] * 9
    assert "审查中" not in table


def test_no_overdue_is_shown_as_nothing_not_a_red_zero(w):
    owner = client_for(w.enterprise)
    with clock.at(TODAY):
        pages = {
            "home": owner.get(f"/{w.city.slug}/").content.decode(),
            "list": owner.get(f"/{w.city.slug}/loans/").content.decode(),
            "portfolio": client_for(w.bank).get(f"/{w.city.slug}/loans/portfolio/").content.decode(),
        }
        detail = owner.get(f"/{w.city.slug}/loans/{w.fine.pk}/").content.decode()
    for name, html in pages.items():
        assert figures_in(html, w.fine.pk)[1] == "—", name
    assert figures_on_detail(detail)[1] == "—"
    for html in (*pages.values(), detail):
        assert not re.search(r'text-danger">\s*<span class="money"[^>]*><span class="figure">0\.00<', html)


def test_a_closed_loan_has_no_outstanding_or_overdue_anywhere(w):
    with w.scope():
        gone = Loan.objects.get(pk=w.late.pk)
        with clock.at(datetime.date(2025, 6, 30)):
            services.loan_declare_default(
                actor=w.actor(w.bank), loan=gone, default_on=datetime.date(2025, 6, 30), reason="逾期"
            )
    with clock.at(datetime.date(2025, 7, 1)):
        row = api(w.bank).get(f"/api/v1/{w.city.slug}/loans/{w.late.pk}/").json()
        listed = client_for(w.enterprise).get(f"/{w.city.slug}/loans/").content.decode()
    assert (D(row["outstanding"]), D(row["overdue_amount"]), row["next_due_on"]) == (0, 0, None)
    assert figures_in(listed, w.late.pk) == ("—", "—", "—")


# --- the timeline ------------------------------------------------------------------------------------


def beijing(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=BEIJING)


def test_the_timeline_runs_in_the_order_things_happened_in_beijing_time(world):
    """Early-morning moments in Beijing fall on the day before in UTC: a submission at 01:18 on 1 March is
    1 March's; a valuation booked for 4 March precedes decisions taken at 07:30 on 5 March (UTC: 4 March)."""
    w = world
    with w.scope():
        with clock.at(beijing(2025, 3, 1, 0, 40)):
            loan = services.loan_create(
                actor=w.actor(w.enterprise),
                product=w.product,
                bank_id=w.org(w.bank).pk,
                insurer_id=w.org(w.insurer).pk,
                guarantor_id=w.org(w.guarantor).pk,
                asset_ids=[w.assets[0].pk],
                amount=D("1000000"),
                term_months=6,
                purpose="研发",
            )
        with clock.at(beijing(2025, 3, 1, 1, 18)):
            services.loan_submit(actor=w.actor(w.enterprise), loan=loan)
        with clock.at(beijing(2025, 3, 4, 23, 50)):
            services.loan_record_valuation(
                actor=w.actor(w.appraiser),
                loan=loan,
                appraised_value=D("3000000"),
                report_ref="R-1",
                valued_on=datetime.date(2025, 3, 4),
            )
        for minute, user in ((30, w.insurer), (31, w.bank), (32, w.guarantor)):
            with clock.at(beijing(2025, 3, 5, 7, minute)):
                services.loan_decide(actor=w.actor(user), loan=loan, decision="approve", comment="同意")
        with clock.at(beijing(2025, 3, 10, 9, 0)):
            services.loan_disburse(
                actor=w.actor(w.bank),
                loan=loan,
                contract_number="HT-1",
                contract_signed_on=datetime.date(2025, 3, 10),
                pledge_registration_number="Y1",
                pledge_registered_on=datetime.date(2025, 3, 10),
                disbursed_on=datetime.date(2025, 3, 10),
                annual_rate=D("0.0435"),
            )
    body = client_for(w.bank).get(f"/{w.city.slug}/loans/{loan.pk}/").content.decode()
    timeline = re.search(r'id="timeline".*?</ul>', body, re.S).group(0)
    events = re.findall(r'data-event="(\w+)".*?data-day="([\d-]+)">([^<]+)<', timeline, re.S)
    assert [kind for kind, _day, _shown in events] == [
        "create",
        "submit",
        "value",
        "decision_approve",
        "decision_approve",
        "decision_approve",
        "approve",
        "contract",
        "pledge",
        "disburse",
    ]
    shown = {kind: (day, text.strip()) for kind, day, text in events}
    assert shown["create"] == ("2025-03-01", "2025-03-01 00:40")
    assert shown["submit"] == ("2025-03-01", "2025-03-01 01:18")
    assert shown["value"] == ("2025-03-04", "2025-03-04")
    assert shown["approve"] == ("2025-03-05", "2025-03-05 07:32")
    api_events = api(w.bank).get(f"/api/v1/{w.city.slug}/loans/{loan.pk}/").json()["timeline"]
    assert [e["kind"] for e in api_events] == [kind for kind, _d, _s in events]
    assert api_events[1]["at"] == "2025-03-01T01:18:00+08:00"


def test_on_one_day_an_instalment_falls_overdue_before_that_days_repayment(world):
    w = world
    loan = loan_to_state(w, "disbursed", assets=[w.assets[0]])
    with w.scope():
        first = Instalment.objects.get(loan=loan, number=1)
        late_day = first.due_date + datetime.timedelta(days=1)
        with clock.at(late_day):
            mark_overdue.apply(args=[w.city.pk])
            services.loan_record_repayment(
                actor=w.actor(w.bank),
                loan=Loan.objects.get(pk=loan.pk),
                amount=first.total_due,
                paid_on=late_day,
            )
    with clock.at(late_day):
        body = client_for(w.bank).get(f"/{w.city.slug}/loans/{loan.pk}/").content.decode()
    kinds = re.findall(r'data-event="(\w+)"', body)
    assert kinds[-2:] == ["overdue", "repayment"]
