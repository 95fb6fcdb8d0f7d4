"""Real Chromium (Debian's /usr/bin/chromium) against the live test server.

Every page a test opens is watched: console errors (CSP violations are reported there too),
uncaught page errors and any request that would leave this machine. The `page` fixture fails
the test afterwards if anything was seen, so a journey that "works" but logs an error or asks
a CDN for a file still fails.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# Playwright's sync API runs an event loop in this thread; Django would then refuse the
# test's own database work (fixtures, assertions) as "async-unsafe". Nothing here is async.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import Browser, Page, Playwright, sync_playwright  # noqa: E402

CHROMIUM = Path(os.environ.get("KHATA_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3,
         "is_mobile": True, "has_touch": True}


@dataclass
class Watch:
    """What went wrong in the browser while a test ran."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return ([f"console error: {text}" for text in self.console_errors]
                + [f"page error: {text}" for text in self.page_errors]
                + [f"request leaving localhost (blocked): {url}" for url in self.external_requests])

    def assert_clean(self) -> None:
        problems = self.problems()
        assert not problems, "the browser saw problems:\n  " + "\n  ".join(problems)


@pytest.fixture(scope="session")
def playwright_instance() -> Playwright:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Browser:
    # CI installs Debian's chromium; a missing browser is a broken setup, never a skip.
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium);"
                    " the browser tests never download one with `playwright install`.",
                    pytrace=False)
    browser = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob", "about"}:
        return True
    return parts.hostname in LOCAL_HOSTS


def open_page(browser: Browser, watch: Watch, **context_options) -> Page:
    """A fresh browser context (no cookies) whose page reports its problems into `watch`."""
    context = browser.new_context(locale="en-GB", timezone_id="Asia/Kolkata", **context_options)
    context.set_default_timeout(10_000)

    def guard(route, request):
        if _is_local(request.url):
            route.continue_()
        else:
            watch.external_requests.append(request.url)
            route.abort("blockedbyclient")

    context.route("**/*", guard)
    page = context.new_page()
    page.on("console",
            lambda msg: watch.console_errors.append(f"{msg.text} ({msg.location.get('url', '')})")
            if msg.type == "error" else None)
    page.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))
    return page


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
