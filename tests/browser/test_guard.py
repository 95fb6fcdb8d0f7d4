"""The browser tests' watch really sees what it must fail on (a guard that misses is worse
than none): requests leaving localhost, console errors, and CSP violations."""

import time

import pytest

from tests.browser.harness import DESKTOP, Watch, open_page

pytestmark = [pytest.mark.browser]


def wait_until(page, condition, seconds: float = 5) -> None:
    """Let the browser's events arrive (they are delivered while Playwright waits)."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        page.wait_for_timeout(50)


def test_a_request_leaving_localhost_is_blocked_and_reported(browser):
    # (On Khata's own pages the CSP refuses foreign hosts even before the guard sees them.)
    watch = Watch()
    page = open_page(browser, watch, **DESKTOP)
    try:
        page.set_content('<img src="https://cdn.example.com/logo.png" alt="">')
        page.evaluate("console.error('something broke')")
        wait_until(page, lambda: len(watch.console_errors) >= 2)
    finally:
        page.context.close()

    assert watch.external_requests == ["https://cdn.example.com/logo.png"]
    assert any("something broke" in text for text in watch.console_errors)
    with pytest.raises(AssertionError, match="request leaving localhost"):
        watch.assert_clean()


def test_inline_and_foreign_scripts_are_refused_by_the_csp_and_reported(browser, live_server):
    watch = Watch()
    page = open_page(browser, watch, **DESKTOP)
    try:
        page.goto(f"{live_server.url}/login/")
        page.evaluate("""() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.head.append(script);
            const cdn = document.createElement("script");
            cdn.src = "https://cdn.example.com/htmx.min.js";
            document.head.append(cdn);
        }""")
        injected = page.evaluate("window.injected === true")
        wait_until(page, lambda: len(watch.console_errors) >= 2)
    finally:
        page.context.close()

    assert not injected
    csp_errors = [text for text in watch.console_errors if "Content Security Policy" in text]
    assert any("inline script" in text for text in csp_errors), watch
    assert any("cdn.example.com" in text for text in csp_errors), watch
