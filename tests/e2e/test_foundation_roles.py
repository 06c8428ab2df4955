"""Every demo role logs in through a real browser and lands on its own home, in Chinese."""

import pytest
from django.conf import settings

from ipops import demo
from tests.e2e.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANDINGS = [
    ("qingdao.enterprise", "/qingdao/", "holder", "企业工作台"),
    ("qingdao.university", "/qingdao/", "holder", "高校院所工作台"),
    ("qingdao.service", "/qingdao/", "holder", "服务机构工作台"),
    ("qingdao.bank", "/qingdao/", "institution", "银行工作台"),
    ("qingdao.insurer", "/qingdao/", "institution", "保险机构工作台"),
    ("qingdao.guarantor", "/qingdao/", "institution", "担保机构工作台"),
    ("qingdao.fund", "/qingdao/", "institution", "基金管理人工作台"),
    ("qingdao.bureau", "/qingdao/", "bureau", "知识产权局工作台"),
    ("qingdao.bureau-admin", "/qingdao/", "bureau", "知识产权局工作台"),
    ("qingdao.official", "/qingdao/", "official", "驾驶舱"),
    ("zhengzhou.bank", "/zhengzhou/", "institution", "银行工作台"),
    # Granted several cities: lands on the comparison of their indicators.
    ("shandong.official", "/jinan/indicators/compare/", "compare", "所辖城市指标对比"),
]


@pytest.fixture
def demo_data(db):
    demo.seed()


def test_each_demo_role_lands_on_its_home(live_server, page, demo_data):
    for username, path, home, title in LANDINGS:
        page.context.clear_cookies()
        login(page, live_server.url, username, settings.DEMO_PASSWORD)
        assert page.url == f"{live_server.url}{path}", username
        heading = page.locator("#page-title")
        assert heading.get_attribute("data-home") == home, username
        assert title in heading.inner_text(), username
        assert page.locator("html").get_attribute("lang") == "zh-hans"


def test_every_role_walks_its_whole_menu_cleanly_on_one_line(live_server, page, demo_data):
    """Each role opens every page its menu offers: no console error, no failed or refused request, and the
    top bar stays one line at 1400 px (the bureau has nine sections), in Chinese and in English."""
    page.set_viewport_size({"width": 1400, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    page.on("response", lambda r: problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None)
    for username, _path, _home, _title in LANDINGS:
        page.context.clear_cookies()
        login(page, live_server.url, username, settings.DEMO_PASSWORD)
        links = page.eval_on_selector_all("a[data-nav]", "els => els.map(e => e.getAttribute('href'))")
        for href in dict.fromkeys(links):
            page.goto(f"{live_server.url}{href}")
            page.wait_for_load_state("networkidle")
            height = page.locator("nav.navbar").bounding_box()["height"]
            assert height < 70, f"{username} {href}: the top bar wraps ({height:.0f} px)"
        page.click("#switch-language")
        page.wait_for_load_state("networkidle")
        assert page.locator("nav.navbar").bounding_box()["height"] < 70, f"{username}: wraps in English"
        page.click("#switch-language")
        page.wait_for_load_state("networkidle")
    assert problems == []


def test_language_switch_and_city_switch(live_server, page, demo_data):
    login(page, live_server.url, "shandong.official", settings.DEMO_PASSWORD)
    page.click("#switch-language")
    page.wait_for_load_state("networkidle")
    assert "Indicators across my cities" in page.locator("#page-title").inner_text()
    page.goto(f"{live_server.url}/jinan/")
    assert "Dashboard" in page.locator("#page-title").inner_text()
    assert page.locator("html").get_attribute("lang") == "en"
    page.click("#city-switcher")
    page.click("a.dropdown-item[data-city='qingdao']")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/qingdao/")
    assert "Qingdao" in page.locator("#page-title").inner_text()
    page.click("#switch-language")
    page.wait_for_load_state("networkidle")
    assert "驾驶舱" in page.locator("#page-title").inner_text()


def test_enterprise_registers_an_asset_in_the_browser(live_server, page, demo_data):
    login(page, live_server.url, "jinan.enterprise", settings.DEMO_PASSWORD)
    page.click("#register-asset")
    page.select_option("#id_kind", "invention")
    page.fill("#id_number", "ZL 2017 1 0601862.3")
    page.fill("#id_title", "一种基于深度学习的图像识别方法")
    page.fill("#id_ipc_codes", "G06V 10/82")
    page.fill("#id_filing_date", "2017-07-27")
    page.fill("#id_grant_date", "2019-10-11")
    page.select_option("#id_legal_status", "in_force")
    page.click("#asset-save")
    page.wait_for_load_state("networkidle")
    assert "ZL201710601862.3" in page.content()
    assert page.locator("#due-diligence").is_visible()
