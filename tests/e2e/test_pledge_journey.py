"""A pledge loan's whole happy path in a real browser: the enterprise starts from its patent's page and applies
step by step, the appraiser values the patent, bank, insurer and guarantor approve (the bank looks at its
collateral), the bank disburses and records repayments until the loan closes — with no console error."""

from __future__ import annotations

import pytest

from ipops.tenancy import city_scope
from pledge_finance.models import Loan
from tests.conftest import make_city
from tests.e2e.conftest import login
from tests.pledge_finance.conftest import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-123456"


def as_user(page, base, user):
    page.context.clear_cookies()
    login(page, base, user.username, PASSWORD)


def submit(page, selector):
    with page.expect_navigation():
        page.click(selector)


def console_errors(page) -> list[str]:
    """Every console error and uncaught script error the pages raise from now on (a missing file's 404
    included: the browser reports it as a console error)."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
    return errors


def test_enterprise_applies_institutions_approve_bank_disburses_and_is_repaid(live_server, page):
    w = build_world(make_city("qingdao", "青岛"))
    base = live_server.url
    asset = w.assets[0]
    errors = console_errors(page)

    # Enterprise: from the patent's page, "pledge it"; step 1 the product, step 2 the application (the
    # patent already chosen), step 3 submit the draft.
    as_user(page, base, w.enterprise)
    page.goto(f"{base}/qingdao/assets/{asset.pk}/")
    submit(page, "#asset-actions [data-asset-action][href*='/loans/apply/']")
    assert "申请质押贷款" in page.locator("#page-title").inner_text()
    assert asset.display_number in page.locator("#chosen-asset").inner_text()
    submit(page, f"#choose-product-{w.product.pk}")
    assert page.is_checked(f"input[name=assets][value='{asset.pk}']")
    page.select_option("#id_bank", str(w.org(w.bank).pk))
    page.select_option("#id_insurer", str(w.org(w.insurer).pk))
    page.select_option("#id_guarantor", str(w.org(w.guarantor).pk))
    page.fill("#id_amount", "180")  # 万元
    page.select_option("#id_term_months", "6")
    page.fill("#id_purpose", "研发中试线建设")
    submit(page, "#save-draft")
    assert page.locator("#loan-state").get_attribute("data-state") == "draft"
    loan_url = page.url
    submit(page, "#action-submit")
    assert page.locator("#loan-state").get_attribute("data-state") == "submitted"

    # Appraiser: finds it in its queue and records the valuation.
    as_user(page, base, w.appraiser)
    page.goto(f"{base}/qingdao/loans/queue/")
    submit(page, "#queue-value a")
    page.fill(f"#id_value-asset_{asset.pk}", "400")  # 万元, one value per pledged patent
    page.fill("#id_value-report_ref", "中评报字[2026]第0088号")
    submit(page, "#action-value")
    assert page.locator("#loan-state").get_attribute("data-state") == "valued"

    # The three institutions, each from its own review queue.
    for user in (w.insurer, w.bank, w.guarantor):
        as_user(page, base, user)
        page.goto(f"{base}/qingdao/loans/queue/")
        submit(page, "#queue-decide a")
        page.check("input[name='decide-decision'][value='approve']")
        page.fill("#id_decide-comment", "同意")
        submit(page, "#action-decide")
    assert page.locator("#loan-state").get_attribute("data-state") == "approved"
    assert page.locator("#parties [data-decision='approve']").count() == 3

    # The bank follows the pledged patent's link: its collateral, with the appraisal, and no edit.
    submit(page, f"[data-asset='{asset.pk}'] a")
    assert asset.title in page.locator("#page-title").inner_text()
    assert "400.00" in page.content() and "暂无评估" not in page.content()
    assert page.locator(f"a[href$='/assets/{asset.pk}/edit/']").count() == 0
    page.go_back()

    # The bank: contract, CNIPA pledge registration and disbursement.
    as_user(page, base, w.bank)
    page.goto(loan_url)
    page.fill("#id_disburse-contract_number", "青银科贷字2026第001号")
    page.fill("#id_disburse-pledge_registration_number", "Y2026370000088")
    page.fill("#id_disburse-annual_rate", "4.35")  # percent
    submit(page, "#action-disburse")
    assert page.locator("#loan-state").get_attribute("data-state") == "disbursed"
    assert page.locator("#schedule [data-instalment]").count() == 6

    # Repayments: the form offers the next instalment's amount; six of them close the loan.
    for _ in range(6):
        assert page.locator("#loan-state").get_attribute("data-state") == "disbursed"
        submit(page, "#action-repay")
    assert page.locator("#loan-state").get_attribute("data-state") == "repaid"
    assert page.locator("#schedule [data-status='paid']").count() == 6
    assert page.locator("#pledge-released").is_visible()
    assert page.locator("#timeline [data-event='close']").count() == 1

    # The bank's portfolio, with its chart, and its export.
    page.goto(f"{base}/qingdao/loans/portfolio/")
    page.wait_for_selector("#lending-chart[data-rendered]")
    with page.expect_download() as download:
        page.click("#portfolio-export")
    assert download.value.suggested_filename.endswith(".xlsx")

    with city_scope(w.city):
        loan = Loan.objects.get()
        assert loan.state == "repaid" and loan.repayments.count() == 6
    assert errors == []
