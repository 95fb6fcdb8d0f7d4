"""Planning in real Chromium (issue 6): build a contact plan with the plan builder, enrol a
company from its page, let the plan job make the first step's task, and mark it done on the
Today page with one click (htmx); snooze a task from Today and log a call from a contact's
page."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from khata.clients.tests.factories import CompanyFactory, ContactFactory
from khata.planning.models import Activity, Task
from khata.planning.services import plans_advance
from khata.planning.tests.factories import TaskFactory
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


def test_snooze_a_task_to_next_week_and_log_a_call_from_a_contact_page(
        page, watch, live_server, transactional_db, manager):
    company = CompanyFactory(owner=manager, display_name="Kochi Spices")
    contact = ContactFactory(company=company, name="Meera Nair")
    task = TaskFactory(assignee=manager, company=company, title="Send the price list",
                       due_at=timezone.now())
    sign_in(page, live_server.url, manager.email)

    # On Today the manager puts the task off to next week (htmx swaps the row)
    row = page.locator(f"#task-{task.pk}")
    row.get_by_test_id("snooze-preset").select_option("1w")
    with page.expect_response(lambda r: f"/tasks/{task.pk}/snooze/" in r.url):
        row.get_by_role("button", name="Snooze").click()
    expect(page.locator(f"#task-{task.pk}")).to_contain_text("Snoozed")
    task.refresh_from_db()
    assert task.due_at > timezone.now() + timedelta(days=6)

    # then logs a call with a contact from the contact's page
    page.goto(f"{live_server.url}/contacts/{contact.pk}/edit/")
    panel = page.get_by_test_id("contact-planning-panel")
    expect(panel).to_be_visible()
    panel.get_by_text("Log an activity with Meera Nair").click()
    form = panel.get_by_test_id("contact-quick-log")
    form.get_by_label("Kind").select_option("call")
    form.get_by_label("Subject").fill("Asked about cardamom prices")
    with page.expect_response(lambda r: "/activities/new/" in r.url):
        form.get_by_role("button", name="Log").click()
    expect(page.get_by_test_id("contact-activities")).to_contain_text(
        "Asked about cardamom prices")
    assert Activity.objects.get().contact == contact
