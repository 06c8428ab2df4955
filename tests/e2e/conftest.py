"""Browser tests: Playwright drives the system's Chromium against the live server.

They run wherever a Chromium is installed (CI installs Debian's); elsewhere they skip.
"""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if not path:
        pytest.skip("no Chromium on this machine (CI installs it)")
    # Playwright's sync API runs an event loop in this thread; Django would refuse sync DB calls.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    """A page in an English browser (the platform must still answer in Chinese). Every journey runs clean:
    a console error, an uncaught script error or a failed request fails the test, unless it is marked
    `allow_console_errors` (a test that opens a refused page on purpose)."""
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"{page.url}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(f"{page.url}: {exc}"))
    # "Aborted" is the browser's own doing (a download handed to the disk, a favicon cut short by the next
    # navigation); a server's refusal shows as a console error with its status instead.
    page.on(
        "requestfailed",
        lambda r: (
            None if r.failure == "net::ERR_ABORTED" else problems.append(f"failed: {r.url} ({r.failure})")
        ),
    )
    yield page
    context.close()
    if not request.node.get_closest_marker("allow_console_errors"):
        assert problems == [], "the browser reported problems:\n" + "\n".join(problems)


def login(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-submit")
    page.wait_for_load_state("networkidle")
