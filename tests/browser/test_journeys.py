"""The journeys a person takes through Khata, in real Chromium against the live server.

Each test fails on any console error (CSP violations included), uncaught script error, or
request that tries to leave localhost (see conftest.py): htmx and Bootstrap must come from our
own server, with Django's CSP and its nonces on.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from khata.team.models import ApiToken
from khata.team.services import token_create
from khata.team.tests.factories import TEST_PASSWORD
from tests.browser.harness import DESKTOP, Watch, open_page

pytestmark = [pytest.mark.browser]

NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"
# Bootstrap's collapse is "collapsing" while it slides and "collapse show" once open; tapping
# inside it mid-slide hits whatever is under the finger at that moment.
OPEN_MENU = re.compile(r"^(?!.*\bcollapsing\b).*\bshow\b")


def sign_in(page: Page, base_url: str, email: str, password: str = TEST_PASSWORD) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    click_and_wait(page, page.get_by_role("button", name="Sign in"))


def click_and_wait(page: Page, button) -> None:
    """Click and wait for the next page's "load" event: htmx and Bootstrap are deferred scripts,
    so a tap right after the HTML arrives could land before they have wired up the page."""
    with page.expect_navigation():
        button.click()


def test_sign_in_see_today_and_sign_out(page, watch, live_server, manager):
    # Given a signed-out visitor who opens Khata
    response = page.goto(f"{live_server.url}/")

    # then they are asked to sign in, on a page served with a nonce-based CSP
    expect(page).to_have_url(f"{live_server.url}/login/?next=/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Khata · Sign in")
    csp = response.headers.get("content-security-policy", "")
    assert re.search(r"script-src [^;]*'nonce-[^']+'", csp), csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp

    # When they sign in
    page.get_by_label("E-mail").fill("manager@example.com")
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    click_and_wait(page, page.get_by_role("button", name="Sign in"))

    # then Today greets them by name and the menu says who and what they are
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page).to_have_title("Today · Khata")
    expect(page.get_by_role("heading", level=1)).to_have_text("Good day, Asha Rao")
    expect(page.get_by_role("link", name="Today")).to_have_attribute("aria-current", "page")
    expect(page.get_by_test_id("user-menu")).to_contain_text("Asha Rao")
    expect(page.get_by_test_id("user-menu")).to_contain_text("Account manager")
    expect(page.get_by_role("heading", name="Your recent activity")).to_be_visible()
    expect(page.locator("[data-section=recent]")).to_contain_text("signed in")
    expect(page.locator("[data-section=tokens]")).to_contain_text("No API tokens.")
    # htmx and Bootstrap ran, and every script came from this server
    assert page.evaluate("typeof htmx === 'object' && typeof bootstrap === 'object'")
    scripts = page.eval_on_selector_all("script[src]", "els => els.map(e => e.src)")
    assert scripts and all(src.startswith(f"{live_server.url}/static/") for src in scripts)

    # When they open the user menu and sign out
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Sign out").click()

    # then they are back at the sign-in page, and Today is closed to them again
    expect(page).to_have_url(f"{live_server.url}/login/")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.get_by_test_id("user-menu")).to_have_count(0)
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/login/?next=/")
    watch.assert_clean()


def test_a_wrong_password_shows_the_error_and_stays_on_sign_in(page, watch, live_server, manager):
    sign_in(page, live_server.url, "manager@example.com", "not-the-password-1")

    expect(page).to_have_url(f"{live_server.url}/login/")
    error = page.locator("form [role=alert]")
    expect(error).to_have_text("That e-mail and password do not match an active account.")
    expect(page.get_by_label("E-mail")).to_have_value("manager@example.com")
    expect(page.get_by_test_id("user-menu")).to_have_count(0)
    watch.assert_clean()


def test_a_failed_sign_in_does_not_send_the_password_back(page, watch, live_server, manager):
    sign_in(page, live_server.url, "manager@example.com", "not-the-password-1")
    expect(page.locator("form [role=alert]")).to_be_visible()

    assert "not-the-password-1" not in page.content()
    assert page.get_by_label("Password", exact=True).input_value() == ""


def test_create_an_api_token_see_it_once_and_revoke_it(page, watch, live_server, manager):
    sign_in(page, live_server.url, "manager@example.com")
    page.get_by_test_id("user-menu").click()
    page.get_by_role("link", name="Account and API tokens").click()
    expect(page).to_have_url(f"{live_server.url}/account/")

    # When they create a token
    page.get_by_label("Name").fill("nightly export")
    page.get_by_role("button", name="Create token").click()

    # then the whole token is shown once, and listed as active by its prefix
    new_token = page.get_by_test_id("new-token")
    expect(new_token).to_have_text(re.compile(r"^khata_\S{20,}$"))
    row = page.get_by_role("row").filter(has_text="nightly export")
    expect(row).to_contain_text("active")
    expect(row).to_contain_text("khata_" + ApiToken.objects.get(user=manager).prefix)
    page.reload()
    expect(page.get_by_test_id("new-token")).to_have_count(0)

    # When they click Revoke but cancel the confirmation, nothing happens
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    row.get_by_role("button", name="Revoke").click()
    expect(row).to_contain_text("active")
    assert ApiToken.objects.get(user=manager).revoked_at is None

    # When they click Revoke and accept
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    row.get_by_role("button", name="Revoke").click()

    # then the token is revoked, for good
    expect(page.get_by_role("status").filter(has_text="revoked")).to_contain_text(
        "Token “nightly export” revoked")
    expect(row).to_contain_text("revoked")
    expect(row.get_by_role("button", name="Revoke")).to_have_count(0)
    assert dialogs == ["Revoke this token? Scripts using it stop working at once."] * 2
    assert ApiToken.objects.get(user=manager).revoked_at is not None
    watch.assert_clean()


def test_on_a_phone_the_menu_folds_into_the_toggler(phone_page, watch, live_server, manager):
    page = phone_page
    sign_in(page, live_server.url, "manager@example.com")
    expect(page.get_by_role("heading", level=1)).to_have_text("Good day, Asha Rao")

    # The navigation is folded away behind the toggler, and nothing is wider than the screen
    toggler = page.get_by_role("button", name="Menu")
    menu = page.locator("#nav-main")
    expect(toggler).to_be_visible()
    expect(page.get_by_role("link", name="Change log", exact=True)).to_be_hidden()
    expect(page.get_by_test_id("user-menu")).to_be_hidden()
    assert page.evaluate(NO_HORIZONTAL_SCROLL)

    # When they tap the toggler, the menu opens
    toggler.tap()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(menu).to_have_class(OPEN_MENU)  # the slide-down animation has finished
    expect(page.get_by_role("link", name="Change log", exact=True)).to_be_visible()
    expect(page.get_by_test_id("user-menu")).to_be_visible()

    # and the other pages fit the screen too
    for path in ("/account/", "/audit/", "/account/password/"):
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate(NO_HORIZONTAL_SCROLL), f"{path} scrolls sideways on a phone"

    # When they open the menu, then their own menu, and sign out
    page.get_by_role("button", name="Menu").tap()
    expect(menu).to_have_class(OPEN_MENU)
    page.get_by_test_id("user-menu").tap()
    expect(page.get_by_test_id("user-menu")).to_have_attribute("aria-expanded", "true")
    page.get_by_role("button", name="Sign out").tap()

    expect(page).to_have_url(f"{live_server.url}/login/")
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    watch.assert_clean()


def test_filter_the_change_log_without_reloading_the_page(page, watch, live_server, manager):
    # Given a manager with a token (a "created" change) who signs in (a "signed in" change)
    token_create(by=manager, user=manager, name="nightly export", expires_at=None)
    sign_in(page, live_server.url, "manager@example.com")
    click_and_wait(page, page.get_by_role("link", name="Change log", exact=True))
    expect(page).to_have_url(f"{live_server.url}/audit/")
    rows = page.locator("#change-rows .timeline > li")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="created")).to_have_count(1)
    page.evaluate("window.stillTheSamePage = true")

    # When they choose "signed in" in the action filter
    with page.expect_response(re.compile(r"/audit/\?action=login$")) as answer:
        page.locator("#action-filter").select_option(label="signed in")

    # then htmx fetched only the rows, swapped them in place and put the filter in the URL
    assert answer.value.request.headers.get("hx-request") == "true"
    assert answer.value.ok
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Asha Rao signed in")
    expect(page).to_have_url(f"{live_server.url}/audit/?action=login")
    assert page.evaluate("window.stillTheSamePage === true"), "the page was reloaded"
    expect(page.get_by_role("heading", level=1)).to_have_count(1)

    # and a reload (or a shared link) shows the same filtered page in full
    page.reload()
    expect(page.locator("#action-filter")).to_have_value("login")
    expect(rows).to_have_count(1)
    watch.assert_clean()


def test_back_to_a_filtered_change_log_shows_the_whole_page(browser, live_server, manager):
    # Its own page, so the expected failure is not reported again by the `page` fixture, and
    # with the HTTP cache on (request routing would turn it off and hide the bug).
    watch = Watch()
    page = open_page(browser, watch, block=False, **DESKTOP)
    try:
        sign_in(page, live_server.url, "manager@example.com")
        page.goto(f"{live_server.url}/audit/")
        with page.expect_response(re.compile(r"/audit/\?action=login$")):
            page.locator("#action-filter").select_option(label="signed in")
        expect(page).to_have_url(f"{live_server.url}/audit/?action=login")

        # When they go to Today and come back with the browser's Back button
        click_and_wait(page, page.get_by_role("link", name="Today", exact=True))
        page.go_back()

        # then the filtered change log is shown with its layout, not the bare rows
        expect(page).to_have_url(f"{live_server.url}/audit/?action=login")
        expect(page.get_by_role("heading", level=1)).to_have_text("Change log", timeout=2_000)
        expect(page.locator("#action-filter")).to_have_value("login", timeout=2_000)
        expect(page.get_by_test_id("user-menu")).to_have_count(1)
    finally:
        page.context.close()
    watch.assert_clean()
