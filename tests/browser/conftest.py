"""Real Chromium (Debian's /usr/bin/chromium) against the live test server.

Every page a test opens is watched (harness.py): console errors (CSP violations are reported
there too), uncaught page errors and any request that would leave this machine, which is
aborted. The `page` and `phone_page` fixtures fail the test afterwards if anything was seen, so
a journey that "works" but logs an error or asks a CDN for a file still fails.
"""

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE, Watch, open_page


@pytest.fixture(scope="session")
def playwright_instance() -> Playwright:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Browser:
    # CI installs Debian's chromium; a missing browser is a broken setup, never a skip.
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium);"
                    " the tests use Debian's build (executable_path), never a downloaded one.",
                    pytrace=False)
    browser = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def page(browser: Browser, watch: Watch, live_server) -> Page:
    """A desktop-sized page; the test fails if the browser saw any problem."""
    page = open_page(browser, watch, **DESKTOP)
    yield page
    page.context.close()
    watch.assert_clean()


@pytest.fixture
def phone_page(browser: Browser, watch: Watch, live_server) -> Page:
    """A phone-sized page (390×844, touch); the test fails if the browser saw any problem."""
    context_page = open_page(browser, watch, **PHONE)
    yield context_page
    context_page.context.close()
    watch.assert_clean()
