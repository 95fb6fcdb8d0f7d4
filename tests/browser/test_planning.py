"""Planning in real Chromium (issue 6): build a contact plan with the plan builder, enrol a
company from its page, let the plan job make the first step's task, and mark it done on the
Today page with one click (htmx)."""

import pytest
from playwright.sync_api import expect

from khata.clients.tests.factories import CompanyFactory
from khata.planning.models import Task
from khata.planning.services import plans_advance
from tests.browser.test_journeys import click_and_wait, sign_in

pytestmark = [pytest.mark.browser]


def test_build_a_plan_enrol_a_company_and_work_the_step_from_today(
        page, watch, live_server, transactional_db, manager):
    company = CompanyFactory(owner=manager, display_name="Goa Prawns", region="Goa")
    sign_in(page, live_server.url, manager.email)

    # A manager opens Plans and builds a four-step plan: e-mail, call, fax, meeting
    click_and_wait(page, page.get_by_role("link", name="Plans", exact=True))
    click_and_wait(page, page.get_by_role("link", name="New plan"))
    page.get_by_label("Name").fill("Cold outreach, west")
    for row, (channel, delay) in enumerate([("email", "0"), ("call", "3"), ("fax", "2"),
                                            ("meeting", "5")], start=1):
        page.locator(f"#step-{row}-channel").select_option(channel)
        page.locator(f"#step-{row}-delay_days").fill(delay)
    page.locator("#step-1-instructions").fill("Introduce us and attach the brochure")
    click_and_wait(page, page.get_by_role("button", name="Save plan"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Cold outreach, west")
    expect(page.get_by_test_id("plan-steps")).to_contain_text("Meeting")

    # enrols the company from its page (the planning panel loads there by htmx)
    page.goto(f"{live_server.url}/companies/{company.pk}/")
    enrol = page.get_by_test_id("enrol-company")
    expect(enrol).to_be_visible()
    enrol.get_by_label("Plan").select_option(label="Cold outreach, west")
    click_and_wait(page, enrol.get_by_role("button", name="Enrol"))
    expect(page.get_by_role("status").first).to_contain_text("Enrolled")

    # the periodic job makes the first step's task
    assert plans_advance().tasks == 1
    task = Task.objects.get()

    # which is on the Today page, and done with one click
    click_and_wait(page, page.get_by_role("link", name="Today", exact=True))
    row = page.locator(f"#task-{task.pk}")
    expect(row).to_contain_text("Goa Prawns")
    with page.expect_response(lambda r: f"/tasks/{task.pk}/done/" in r.url):
        row.get_by_test_id("task-done").click()
    expect(page.locator(f"#task-{task.pk}").get_by_test_id("task-status")).to_have_text("Done")
    task.refresh_from_db()
    assert task.status == "done"
