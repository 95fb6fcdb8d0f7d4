"""The planning API: activities, tasks, plans with steps, enrolments, calendar and feed."""

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from khata.clients.tests.factories import CompanyFactory
from khata.planning.models import ContactPlan, Task
from khata.planning.services import enrolment_create, plan_create, plans_advance
from khata.planning.tests.factories import FOUR_STEPS, TaskFactory
from khata.team.tests.api_client import bearer_api


def test_log_and_read_an_activity(client, manager):
    api = bearer_api(client, manager)
    company = CompanyFactory(owner=manager)

    created = api.post("/activities", {"kind": "meeting", "subject": "Kick-off",
                                       "company": company.pk, "status": "scheduled",
                                       "starts_at": "2030-01-05T10:00:00+05:30"})
    listed = api.get("/activities", {"company": company.pk})

    assert created.status_code == 201, created.json()
    assert datetime.fromisoformat(created.json()["starts_at"]) == datetime(
        2030, 1, 5, 4, 30, tzinfo=UTC)
    assert [row["subject"] for row in listed.json()["items"]] == ["Kick-off"]


def test_a_task_in_the_past_comes_back_with_a_warning(client, manager):
    api = bearer_api(client, manager)

    response = api.post("/tasks", {"title": "Late", "due_at": "2020-01-01T09:00:00Z"})

    assert response.status_code == 201 and response.json()["warnings"]


def test_an_assignee_outside_the_record_is_a_422_naming_it(client, manager, other_manager):
    api = bearer_api(client, manager)
    company = CompanyFactory(owner=manager)

    response = api.post("/tasks", {"title": "X", "due_at": "2030-01-01T09:00:00Z",
                                   "company": company.pk, "assignee": other_manager.email})

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["assignee"]
    assert not Task.objects.exists()


def test_plan_with_steps_enrol_advance_and_figures(client, manager):
    api = bearer_api(client, manager)
    company = CompanyFactory(owner=manager)

    plan = api.post("/plans", {"name": "Four", "steps": FOUR_STEPS}).json()
    enrolled = api.post(f"/plans/{plan['id']}/enrolments", {"company": company.pk})
    plans_advance()
    task = api.get("/tasks", {"mine": True}).json()["items"][0]
    done = api.post(f"/tasks/{task['id']}/complete")
    figures = api.get(f"/plans/{plan['id']}/figures").json()

    assert [step["channel"] for step in plan["steps"]] == ["email", "call", "fax", "meeting"]
    assert enrolled.status_code == 201 and enrolled.json()["next_step"] == 1
    assert done.json()["status"] == "done"
    assert figures["enrolled"] == 1 and figures["steps"][0]["done"] == 1


def test_a_negative_delay_is_a_422_naming_the_step(client, manager):
    api = bearer_api(client, manager)

    response = api.post("/plans", {"name": "Bad", "steps": [{"channel": "call",
                                                             "delay_days": -1}]})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "steps.1.delay_days"
    assert not ContactPlan.objects.exists()


def test_a_colleagues_records_are_404(client, manager, other_manager):
    company = CompanyFactory(owner=manager)
    plan = plan_create(by=manager, data={"name": "P", "steps": FOUR_STEPS})
    enrolment = enrolment_create(by=manager, plan=plan, company=company)
    task = TaskFactory(assignee=manager)
    api = bearer_api(client, other_manager)

    assert api.get(f"/tasks/{task.pk}").status_code == 404
    assert api.post(f"/enrolments/{enrolment.pk}/pause").status_code == 404
    assert api.get("/enrolments").json()["items"] == []


def test_calendar_window_and_feed(client, manager):
    api = bearer_api(client, manager)
    TaskFactory(assignee=manager, title="Due soon")
    start = timezone.now() - timedelta(days=1)

    window = api.get("/calendar", {"start": start.isoformat(),
                                   "end": (start + timedelta(days=7)).isoformat()})
    too_long = api.get("/calendar", {"start": start.isoformat(),
                                     "end": (start + timedelta(days=90)).isoformat()})
    created = api.post("/calendar/feed")
    feed = client.get(created.json()["url"].split("testserver")[1])
    revoked = api.delete("/calendar/feed")

    assert [task["title"] for task in window.json()["tasks"]] == ["Due soon"]
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "end"
    assert created.status_code == 201 and feed.status_code == 200
    assert revoked.status_code == 204
    assert client.get(created.json()["url"].split("testserver")[1]).status_code == 404


def test_lists_are_bounded(client, manager, django_assert_max_num_queries):
    api = bearer_api(client, manager)
    plan = plan_create(by=manager, data={"name": "P", "steps": FOUR_STEPS})
    for _ in range(20):
        company = CompanyFactory(owner=manager)
        TaskFactory(assignee=manager, company=company)
        enrolment_create(by=manager, plan=plan, company=company)
        api.post("/activities", {"kind": "call", "subject": "c", "company": company.pk})

    for path in ("/activities", "/tasks", "/plans", "/enrolments"):
        with django_assert_max_num_queries(12):
            assert api.get(path, {"limit": 50}).status_code == 200, path
