"""免申即享 in a real browser, from a repaid pledge loan to the money booked: the bureau runs the automatic task,
the enterprise (a tech SME) finds the interest subsidy on its home and confirms its bank account in one step,
the bureau approves, the public notice passes, the bureau pays a batch and the special budget shows the
expenditure — with no console error."""

from __future__ import annotations

import datetime

import pytest

from ipops import clock
from ipops.models import Organization
from ipops.tenancy import city_scope
from pledge_finance import services as pledge
from subsidies import demo
from subsidies import services as subsidies
from subsidies.models import Claim, ClaimState, PaymentBatch
from tests.conftest import make_city
from tests.e2e.conftest import login
from tests.pledge_finance.conftest import build_world, loan_to_state

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-123456"
DISBURSED = datetime.date(2025, 3, 10)
REPAID = datetime.date(2026, 3, 10)


def as_user(page, base, user):
    page.context.clear_cookies()
    login(page, base, user.username, PASSWORD)


def submit(page, selector):
    with page.expect_navigation():
        page.click(selector)


def test_an_enterprise_confirms_its_automatic_interest_subsidy_and_is_paid(live_server, page):
    w = build_world(make_city("qingdao", "青岛"))
    base = live_server.url
    enterprise = w.org(w.enterprise)
    with w.scope():
        Organization.objects.filter(pk=enterprise.pk).update(is_tech_sme=True)
        with clock.at(demo.OPENS):
            for spec in demo.CATALOGUE:
                subsidies.policy_save(actor=w.actor(w.bureau), data=spec)
    loan = loan_to_state(w, "disbursed", term=12, disbursed_on=DISBURSED)
    with w.scope(), clock.at(REPAID):
        owed = sum(i.open_amount for i in loan.instalments.all())
        pledge.loan_record_repayment(actor=w.actor(w.bank), loan=loan, amount=owed, paid_on=REPAID)

    # The bureau runs the automatic task from its queue rather than waiting for the night.
    as_user(page, base, w.bureau)
    page.goto(f"{base}/qingdao/subsidies/queue/")
    submit(page, "#automatic-run")
    assert "免申即享任务生成了 1 笔申领" in page.content()
    with city_scope(w.city):
        claim = Claim.objects.get(organization=enterprise, policy__code="QD-INT")
    assert claim.state == ClaimState.TO_CONFIRM and claim.rule_amount > 0

    # The enterprise finds it on its home, reads the computation and confirms the bank account.
    as_user(page, base, w.enterprise)
    page.goto(f"{base}/qingdao/")
    assert page.locator(f"#panel-to-confirm [data-claim='{claim.pk}']").count() == 1
    submit(page, "#confirm-link")
    card = page.locator(f"[data-claim='{claim.pk}']")
    assert card.locator("[data-step='records']").count() == 1
    assert loan.reference in card.locator("[data-step='records']").inner_text()
    page.fill("#id_confirm-bank_name", "青岛银行高新区支行")
    page.fill("#id_confirm-bank_account", "6222 0212 3456 7890")
    submit(page, f"#action-confirm-{claim.pk}")
    assert page.locator("#claim-state").get_attribute("data-state") == "submitted"
    assert page.locator("#bank-account").inner_text() == "**** 7890"

    # The bureau approves it at the rule's amount.
    as_user(page, base, w.bureau)
    page.goto(f"{base}/qingdao/subsidies/queue/?state=submitted")
    submit(page, f"tr[data-claim='{claim.pk}'] a")
    submit(page, "#action-approve")
    assert page.locator("#claim-state").get_attribute("data-state") == "in_notice"

    # Anyone reads the public notice without logging in.
    page.context.clear_cookies()
    page.goto(f"{base}/qingdao/notice/")
    assert page.locator(f"#awards tr[data-claim='{claim.pk}']").count() == 1

    # The notice passes (the nightly task, run here as of a later day).
    with city_scope(w.city):
        claim.refresh_from_db()
        assert (
            subsidies.notices_advance(city=w.city, today=claim.notice_ends_on + datetime.timedelta(days=1))
            == 1
        )

    # The bureau pays it in a batch, from its home; the special budget shows the expenditure.
    as_user(page, base, w.bureau)
    page.goto(f"{base}/qingdao/")
    assert page.locator("#panel-subsidy-work [data-count='payable']").inner_text() == "1"
    submit(page, "#panel-payable")
    assert page.is_checked(f"#batch-form input[name=claims][value='{claim.pk}']")
    submit(page, "#pay-batch")
    with city_scope(w.city):
        batch = PaymentBatch.objects.get()
        claim.refresh_from_db()
    assert claim.state == ClaimState.PAID
    reference = f"subsidies.paymentbatch:{batch.pk}"
    assert page.locator("#batch-reference").inner_text() == reference
    with page.expect_download() as download:
        page.click("#bank-list")
    assert download.value.suggested_filename.endswith(".xlsx")
    page.goto(f"{base}/qingdao/funds/budget/")
    assert page.locator(f"#expenditures tr[data-reference='{reference}']").count() == 1
    page.goto(f"{base}/qingdao/subsidies/budget/")
    page.wait_for_selector("#budget-chart[data-rendered]")
    assert page.locator("#budget-use tr[data-policy='QD-INT']").count() == 1
