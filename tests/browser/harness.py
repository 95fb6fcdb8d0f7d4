"""What the browser tests (and the README screenshot script) share: how Chromium is started,
the sizes of the screens, and the watch that records what goes wrong in a page."""

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

# Playwright's sync API runs an event loop in this thread; Django would then refuse the
# test's own database work (fixtures, assertions) as "async-unsafe". Nothing here is async.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import Browser, Page, expect  # noqa: E402

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
# Generous waits: CI machines are small and busy; a passing step returns as soon as it passes.
ACTION_TIMEOUT_MS = 15_000
expect.set_options(timeout=ACTION_TIMEOUT_MS)
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
                + [f"request leaving localhost: {url}" for url in self.external_requests])

    def accept_http_error(self, page: Page, url: str, status: int) -> None:
        """Take out Chromium's console report of one expected HTTP error status.

        Chromium reports every document answered with 4xx/5xx as a console error, also a form
        sent back with 422 on purpose (Khata's answer to invalid input). The test that expects
        it says so here; it fails if the report never comes.
        """
        text = f"Failed to load resource: the server responded with a status of {status} "
        deadline = time.monotonic() + 5
        while True:
            seen = [error for error in self.console_errors
                    if error.startswith(text) and error.endswith(f"({url})")]
            if seen or time.monotonic() > deadline:
                break
            page.wait_for_timeout(50)
        assert seen, f"Chromium did not report the expected {status} of {url}"
        self.console_errors.remove(seen[0])

    def assert_clean(self) -> None:
        problems = self.problems()
        assert not problems, "the browser saw problems:\n  " + "\n  ".join(problems)


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob", "about"}:
        return True
    return parts.hostname in LOCAL_HOSTS


def open_page(browser: Browser, watch: Watch, *, block: bool = True, **context_options) -> Page:
    """A fresh browser context (no cookies) whose page reports its problems into `watch`.

    With `block` (the default) every request goes through a route that aborts the ones leaving
    localhost. Routing turns Chromium's HTTP cache off, so a test about what Back or the cache
    shows passes `block=False`: foreign requests are then only recorded (the CSP refuses them
    on Khata's pages anyway, which the console reports).
    """
    context = browser.new_context(locale="en-GB", timezone_id="Asia/Kolkata", **context_options)
    context.set_default_timeout(ACTION_TIMEOUT_MS)

    def guard(route, request):
        if _is_local(request.url):
            route.continue_()
        else:
            watch.external_requests.append(request.url)
            route.abort("blockedbyclient")

    def record(request):
        if not _is_local(request.url):
            watch.external_requests.append(request.url)

    if block:
        context.route("**/*", guard)
    else:
        context.on("request", record)
    page = context.new_page()
    page.on("console",
            lambda msg: watch.console_errors.append(f"{msg.text} ({msg.location.get('url', '')})")
            if msg.type == "error" else None)
    page.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))
    return page
