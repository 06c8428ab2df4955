"""The Content-Security-Policy holds in a real browser where pages do more than the journeys see: the API
documentation (Swagger UI), a select that submits its form, and a form that asks before it submits.
Any CSP violation is a console error, which fails the test (tests/e2e/conftest.py's `page`)."""

import pytest
from django.conf import settings

from ipops import demo
from tests.e2e.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_data(db):
    demo.seed()


def test_pages_with_scripts_run_under_the_policy(live_server, page, demo_data):
    login(page, live_server.url, "qingdao.bureau-admin", settings.DEMO_PASSWORD)
    csp = page.request.get(f"{live_server.url}/qingdao/").headers["content-security-policy"]
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]

    # Swagger UI: its init script is a file, not inline (drf-spectacular serves it for strict policies).
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info", timeout=30_000)

    # <select data-autosubmit>: app.js submits the form (no onchange attribute).
    page.goto(f"{live_server.url}/qingdao/organisations/")
    page.locator("select[name=kind][data-autosubmit]").select_option(index=1)
    page.wait_for_url("**/organisations/?kind=*")

    # An inline script with the response's nonce still runs (form styling on the asset form).
    page.context.clear_cookies()
    login(page, live_server.url, "qingdao.enterprise", settings.DEMO_PASSWORD)
    page.goto(f"{live_server.url}/qingdao/assets/new/")
    assert "form-control" in (page.locator("form input[type=text]").first.get_attribute("class") or "")
