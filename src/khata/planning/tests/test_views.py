"""Planning pages: quick-log on the company page, the plan builder, Today's one-click
actions (htmx and plain POST), the calendar views and the iCalendar feed."""

from datetime import timedelta

from django.utils import timezone
from icalendar import Calendar

from khata.clients.tests.factories import CompanyFactory, ContactFactory
from khata.planning.models import Activity, CalendarFeed, ContactPlan, Enrolment, Task
from khata.planning.services import (
    activity_log,
    calendar_feed_create,
    calendar_feed_revoke,
    enrolment_create,
    plan_create,
    plans_advance,
)
from khata.planning.tests.factories import FOUR_STEPS, ActivityFactory, TaskFactory
from khata.prospecting.tests.factories import LeadFactory


def test_quick_log_from_the_company_page_by_htmx(manager_client, manager):
    company = CompanyFactory(owner=manager)

    panel = manager_client.get(f"/companies/{company.pk}/planning/")
    response = manager_client.post(f"/companies/{company.pk}/activities/new/", {
        "kind": "call", "status": "done", "direction": "outbound", "subject": "Intro call",
        "duration_minutes": "20", "outcome": "Wants a quote"}, headers={"HX-Request": "true"})

    assert panel.status_code == 200 and 'data-testid="quick-log"' in panel.text
    assert response.status_code == 200 and "Intro call" in response.text
    assert Activity.objects.get().company == company


def test_quick_log_errors_name_the_field_and_write_nothing(manager_client, manager):
    company = CompanyFactory(owner=manager)

    response = manager_client.post(f"/companies/{company.pk}/activities/new/", {
        "kind": "call", "status": "done", "direction": "outbound", "subject": ""},
        headers={"HX-Request": "true"})

    assert response.status_code == 200 and "is-invalid" in response.text
    assert not Activity.objects.exists()


def test_quick_log_from_a_contact_page(manager_client, manager):
    contact = ContactFactory(company=CompanyFactory(owner=manager))

    page = manager_client.get(f"/contacts/{contact.pk}/edit/")
    panel = manager_client.get(f"/contacts/{contact.pk}/planning/")
    response = manager_client.post(f"/contacts/{contact.pk}/activities/new/", {
        "kind": "call", "status": "done", "direction": "inbound", "subject": "Called back",
        "duration_minutes": "10"}, headers={"HX-Request": "true"})

    assert f"/contacts/{contact.pk}/planning/" in page.text
    assert 'data-testid="contact-quick-log"' in panel.text
    activity = Activity.objects.get()
    assert (activity.company, activity.contact) == (contact.company, contact)
    assert list(activity.contacts.all()) == [contact]
    assert response.status_code == 200 and "Called back" in response.text


def test_a_colleagues_contact_page_offers_no_quick_log(manager_client, other_manager):
    contact = ContactFactory(company=CompanyFactory(owner=other_manager))

    response = manager_client.post(f"/contacts/{contact.pk}/activities/new/", {
        "kind": "call", "status": "done", "direction": "outbound", "subject": "Sneaky"})

    assert response.status_code == 404 and not Activity.objects.exists()


def test_the_company_page_lists_the_planning_panel(manager_client, manager):
    company = CompanyFactory(owner=manager)

    page = manager_client.get(f"/companies/{company.pk}/")

    assert f"/companies/{company.pk}/planning/" in page.text


def test_the_plan_builder_saves_steps_and_refuses_a_negative_delay(manager_client, manager):
    bad = manager_client.post("/plans/new/", {
        "name": "Cold outreach", "step-1-channel": "email", "step-1-delay_days": "0",
        "step-2-channel": "call", "step-2-delay_days": "-3"})
    good = manager_client.post("/plans/new/", {
        "name": "Cold outreach", "step-1-channel": "email", "step-1-delay_days": "0",
        "step-2-channel": "call", "step-2-delay_days": "3",
        "step-3-channel": "fax", "step-3-delay_days": "2",
        "step-4-channel": "meeting", "step-4-delay_days": "5"})

    assert bad.status_code == 422 and "cannot be negative" in bad.text
    plan = ContactPlan.objects.get()
    assert good.status_code == 302 and good["Location"] == f"/plans/{plan.pk}/"
    assert [step.channel for step in plan.steps.all()] == ["email", "call", "fax", "meeting"]


def test_enrol_from_the_plan_page_then_work_the_step_from_today(manager_client, manager):
    company = CompanyFactory(owner=manager, display_name="Goa Prawns")
    plan = plan_create(by=manager, data={"name": "P", "steps": FOUR_STEPS})

    manager_client.post(f"/plans/{plan.pk}/enrol/", {"company": company.pk})
    plans_advance()
    today = manager_client.get("/")
    task = Task.objects.get()
    done = manager_client.post(f"/tasks/{task.pk}/done/", headers={"HX-Request": "true"})

    assert 'data-testid="today-due_today"' in today.text and task.title in today.text
    assert done.status_code == 200 and "Done" in done.text
    task.refresh_from_db()
    assert task.status == "done"


def test_plain_post_fallback_redirects_back(manager_client, manager):
    task = TaskFactory(assignee=manager, due_at=timezone.now() - timedelta(days=2))

    response = manager_client.post(f"/tasks/{task.pk}/snooze/", {"preset": "tomorrow",
                                                                 "next": "/"})

    assert response.status_code == 302 and response["Location"] == "/"
    task.refresh_from_db()
    assert task.due_at > timezone.now()


def test_snooze_offers_an_hour_tomorrow_next_week_or_a_time_of_my_choice(manager_client,
                                                                          manager):
    week, chosen = (TaskFactory(assignee=manager, due_at=timezone.now()) for _n in range(2))
    when = (timezone.localtime() + timedelta(days=3)).replace(hour=15, minute=30, second=0,
                                                              microsecond=0)

    today = manager_client.get("/").text
    manager_client.post(f"/tasks/{week.pk}/snooze/", {"preset": "1w", "until": ""},
                        headers={"HX-Request": "true"})
    manager_client.post(f"/tasks/{chosen.pk}/snooze/", {
        "preset": "tomorrow", "until": when.strftime("%Y-%m-%dT%H:%M")},
        headers={"HX-Request": "true"})

    assert all(f'value="{preset}"' in today for preset in ("1h", "tomorrow", "1w"))
    assert 'type="datetime-local" name="until"' in today
    week.refresh_from_db()
    chosen.refresh_from_db()
    assert week.due_at > timezone.now() + timedelta(days=6)
    assert chosen.due_at == when and chosen.snoozed_count == 1


def test_a_task_due_in_the_past_warns_on_creation(manager_client, manager):
    response = manager_client.post("/tasks/new/", {
        "title": "Call back", "priority": "normal",
        "due_at": (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")},
        follow=True)

    assert "already overdue" in response.text
    assert Task.objects.count() == 1


def test_a_colleagues_task_is_404(client, manager, other_manager):
    task = TaskFactory(assignee=manager)
    client.force_login(other_manager)

    assert client.get(f"/tasks/{task.pk}/").status_code == 404
    assert client.post(f"/tasks/{task.pk}/done/").status_code == 404
    task.refresh_from_db()
    assert task.status == "open"


def test_calendar_week_and_month_show_my_entries(manager_client, manager, other_manager):
    now = timezone.now()
    ActivityFactory(company=CompanyFactory(owner=manager), subject="Plant visit",
                    kind="visit", starts_at=now)
    ActivityFactory(company=CompanyFactory(owner=other_manager), subject="Not mine",
                    starts_at=now)
    TaskFactory(assignee=manager, title="Send quote", due_at=now)

    week = manager_client.get("/calendar/")
    month = manager_client.get("/calendar/month/")

    for page in (week, month):
        assert page.status_code == 200
        assert "Plant visit" in page.text and "Send quote" in page.text
        assert "Not mine" not in page.text


def test_lists_stay_bounded(manager_client, manager, django_assert_max_num_queries):
    companies = [CompanyFactory(owner=manager) for _ in range(3)]
    plan = plan_create(by=manager, data={"name": "P", "steps": FOUR_STEPS})
    for index in range(30):
        company = companies[index % 3]
        activity_log(by=manager, data={"kind": "call", "subject": f"c{index}",
                                       "company": company, "contacts": []})
        TaskFactory(assignee=manager, company=company)
    for company in companies:
        enrolment_create(by=manager, plan=plan, company=company)

    for url in ("/activities/", "/tasks/", "/plans/", f"/plans/{plan.pk}/", "/calendar/",
                "/calendar/month/", "/", f"/companies/{companies[0].pk}/planning/"):
        with django_assert_max_num_queries(30):
            assert manager_client.get(url).status_code == 200, url


def test_the_feed_is_valid_icalendar_and_dies_when_revoked(client, manager):
    company = CompanyFactory(owner=manager, display_name="Kochi Coir")
    meeting = ActivityFactory(company=company, kind="meeting", subject="Quarterly review",
                              status="scheduled", starts_at=timezone.now() + timedelta(days=1),
                              duration_minutes=45, location="Kochi, Hall 2; floor 1")
    TaskFactory(assignee=manager, title="Send minutes, with notes", company=company)
    feed, raw = calendar_feed_create(by=manager)

    response = client.get(f"/calendar/feed/{raw}.ics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    event = next(e for uid, e in events.items() if uid.startswith(f"activity-{meeting.pk}@"))
    assert str(event["SUMMARY"]) == "Meeting: Quarterly review (Kochi Coir)"
    assert str(event["LOCATION"]) == "Kochi, Hall 2; floor 1"
    assert (event.decoded("DTEND") - event.decoded("DTSTART")) == timedelta(minutes=45)
    assert any("Send minutes, with notes" in str(e["SUMMARY"]) for e in events.values())
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]

    calendar_feed_revoke(by=manager, feed=feed)
    assert client.get(f"/calendar/feed/{raw}.ics").status_code == 404
    assert client.get("/calendar/feed/kcalnotatoken.ics").status_code == 404


def test_a_new_feed_address_replaces_the_old_one(manager_client, manager):
    manager_client.post("/calendar/feed/", {"action": "create"})
    page = manager_client.get("/calendar/feed/")
    manager_client.post("/calendar/feed/", {"action": "create"})

    assert 'data-testid="feed-url"' in page.text
    assert CalendarFeed.objects.filter(user=manager, revoked_at__isnull=True).count() == 1
    assert CalendarFeed.objects.filter(user=manager).count() == 2


def test_a_single_meeting_downloads_as_ics(manager_client, manager):
    meeting = ActivityFactory(company=CompanyFactory(owner=manager), kind="meeting",
                              subject="Demo")

    response = manager_client.get(f"/activities/{meeting.pk}/meeting.ics")

    assert response["Content-Disposition"].startswith("attachment")
    assert len(Calendar.from_ical(response.content).walk("VEVENT")) == 1


def test_enrolling_a_company_as_the_lead_it_came_from(manager_client, manager, head):
    company = CompanyFactory(owner=manager)
    lead = LeadFactory(owner=manager, matches_company=company, company_name="Lead Ltd")
    plan = plan_create(by=manager, data={"name": "Outreach", "steps": FOUR_STEPS})

    panel = manager_client.get(f"/companies/{company.pk}/planning/").text
    response = manager_client.post(f"/companies/{company.pk}/enrol/",
                                   {"plan": plan.pk, "lead": lead.pk})

    assert 'data-testid="enrol-lead"' in panel and "lead: Lead Ltd" in panel
    assert response.status_code == 302
    enrolment = Enrolment.objects.get()
    assert (enrolment.company, enrolment.lead) == (company, lead)


def test_a_colleagues_lead_cannot_be_named_in_an_enrolment(manager_client, manager,
                                                            other_manager):
    company = CompanyFactory(owner=manager)
    theirs = LeadFactory(owner=other_manager)
    plan = plan_create(by=manager, data={"name": "Outreach", "steps": FOUR_STEPS})

    response = manager_client.post(f"/companies/{company.pk}/enrol/",
                                   {"plan": plan.pk, "lead": theirs.pk})

    assert response.status_code == 404 and not Enrolment.objects.exists()


def test_a_colleagues_lead_i_may_only_read_is_refused_with_the_reason(manager_client, manager,
                                                                     other_manager):
    from khata.team.models import TeamSettings

    TeamSettings.objects.update_or_create(pk=1, defaults={"managers_read_all": True})
    company = CompanyFactory(owner=manager)
    theirs = LeadFactory(owner=other_manager)
    plan = plan_create(by=manager, data={"name": "Outreach", "steps": FOUR_STEPS})

    response = manager_client.post(f"/companies/{company.pk}/enrol/",
                                   {"plan": plan.pk, "lead": theirs.pk}, follow=True)

    assert "Choose one of your leads." in response.text and not Enrolment.objects.exists()


def test_a_quick_log_without_a_kind_says_which_field_by_its_label(manager_client, manager):
    company = CompanyFactory(owner=manager)

    page = manager_client.post(f"/companies/{company.pk}/activities/new/", {"kind": ""},
                               follow=True)

    assert "Kind: This field is required." in page.text
    assert not company.activities.exists()
