"""An absence in real Chromium (issue 4): the head records it, the substitute sees the covered
portfolio and edits a company, the returning manager sees the edit "on behalf of" them."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from khata.clients.models import Company
from khata.clients.tests.factories import CompanyFactory
from tests.browser.test_journeys import click_and_wait, sign_in

pytestmark = [pytest.mark.browser]


def sign_out(page: Page) -> None:
    page.get_by_test_id("user-menu").click()
    click_and_wait(page, page.get_by_role("button", name="Sign out"))


def test_a_substitute_covers_an_absence_and_the_manager_sees_it_on_return(
        page, watch, live_server, transactional_db, head, manager, substitute):
    CompanyFactory(owner=manager, display_name="Covered Ltd", city="Panaji")
    today = timezone.localdate()

    # Given the head records that Asha is ill from today, with Sita covering
    sign_in(page, live_server.url, head.email)
    click_and_wait(page, page.get_by_role("link", name="Team", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Team")
    click_and_wait(page, page.get_by_role("link", name="Record an absence"))
    form = page.get_by_test_id("absence-form")
    form.get_by_label("Who is away").select_option(label=f"Asha Rao · {manager.email}")
    form.get_by_label("First day away").fill(today.isoformat())
    form.get_by_label("Last day away").fill(today.isoformat())
    form.get_by_label("Reason").select_option("illness")
    form.get_by_label("Substitute").select_option(label=f"सीता वर्मा · {substitute.email}")
    click_and_wait(page, form.get_by_role("button", name="Record absence"))
    expect(page.get_by_test_id("absences-upcoming")).to_contain_text("away now")
    sign_out(page)

    # When Sita signs in, Today tells her whom she covers, and Asha's company is in her list
    sign_in(page, live_server.url, substitute.email)
    banner = page.get_by_test_id("covering-banner")
    expect(banner).to_contain_text("You are covering for Asha Rao")
    click_and_wait(page, banner.get_by_role("link", name="Asha Rao's companies"))
    click_and_wait(page, page.get_by_role("link", name="Covered Ltd"))
    click_and_wait(page, page.get_by_role("link", name="Edit", exact=True))
    page.get_by_label("City").fill("Margao")
    click_and_wait(page, page.get_by_role("button", name="Save"))
    # then the record's timeline says she did it on Asha's behalf
    expect(page.locator(".timeline").first).to_contain_text("सीता वर्मा on behalf of Asha Rao")
    sign_out(page)

    # When Asha comes back early and ends her absence
    sign_in(page, live_server.url, manager.email)
    click_and_wait(page, page.get_by_role("link", name="Back early?"))
    click_and_wait(page, page.get_by_role("button", name="End now"))
    expect(page.get_by_role("status").first).to_contain_text("Welcome back")
    click_and_wait(page, page.get_by_role("link", name="Today", exact=True))

    # then her Today page lists what was done on her behalf
    done = page.get_by_test_id("done-on-my-behalf")
    expect(done).to_contain_text("While you were away: done on your behalf")
    expect(done).to_contain_text("on behalf of Asha Rao")
    expect(done).to_contain_text("Covered Ltd")
    assert Company.objects.get(display_name="Covered Ltd").city == "Margao"
    sign_out(page)

    # and Sita no longer reaches the company
    sign_in(page, live_server.url, substitute.email)
    expect(page.get_by_test_id("covering-banner")).to_have_count(0)
    company = Company.objects.get(display_name="Covered Ltd")
    url = f"{live_server.url}/companies/{company.pk}/"
    response = page.goto(url)
    assert response.status == 404
    watch.accept_http_error(page, url, 404)
