"""The Today page and the health check."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from khata.core.models import WorkerHeartbeat
from khata.team.services import token_create, user_create


def test_today_shows_a_manager_their_own_activity_and_tokens(manager_client, manager,
                                                             other_manager):
    token_create(by=manager, user=manager, name="my export")
    token_create(by=other_manager, user=other_manager, name="their script")

    page = manager_client.get("/").text

    assert "Good day, Asha Rao" in page
    assert "my export" in page and "their script" not in page
    assert 'data-section="team"' not in page  # the team block is the head's


def test_today_shows_the_head_the_team_and_the_worker(head_client, head, manager):
    user_create(by=head, email="new@example.com", role="manager", name="Neha Jain")

    page = head_client.get("/").text

    assert "Neha Jain" in page and "Asha Rao" in page
    assert "no worker seen" in page


def test_empty_today_explains_what_to_do(manager_client):
    page = manager_client.get("/").text

    assert "No API tokens" in page


def test_today_queries_stay_bounded(head_client, head, django_assert_max_num_queries):
    for index in range(25):
        user_create(by=head, email=f"m{index}@example.com", role="manager", password=None)

    # 14 before issue 6; overdue tasks, tasks due today and today's meetings add one each;
    # issue 7's "reliability to watch" two (clients dropping a band, assessments ending).
    with django_assert_max_num_queries(19):
        assert head_client.get("/").status_code == 200


def test_healthz_reports_database_and_worker(client, db):
    body = client.get("/healthz").json()
    assert body["database"]["status"] == "ok"
    assert (body["status"], body["worker"]["status"]) == ("degraded", "down")

    WorkerHeartbeat.objects.create(worker_id="w1", seen_at=timezone.now())
    body = client.get("/healthz").json()
    assert (body["status"], body["worker"]["status"]) == ("ok", "ok")

    WorkerHeartbeat.objects.update(seen_at=timezone.now() - timedelta(minutes=10))
    assert client.get("/healthz").json()["worker"]["status"] == "down"


def test_errors_are_friendly_pages(manager_client):
    response = manager_client.get("/no-such-page/")

    assert response.status_code == 404
    assert "not in your portfolio" in response.text


def test_today_lists_my_stale_records_and_portfolio(manager_client, manager, other_manager):
    from khata.clients.models import Company
    from khata.clients.tests.factories import CompanyFactory

    mine = CompanyFactory(owner=manager, display_name="Old Mine", lifecycle="client")
    theirs = CompanyFactory(owner=other_manager, display_name="Old Theirs")
    Company.objects.filter(pk__in=[mine.pk, theirs.pk]).update(
        created_at=timezone.now() - timedelta(days=500))

    page = manager_client.get("/").text

    assert "Old Mine" in page and "Old Theirs" not in page
    assert "freshness=stale" in page


def _busy_day(manager, *, tasks: int, meetings: int) -> None:
    from khata.clients.tests.factories import CompanyFactory
    from khata.planning.tests.factories import ActivityFactory, TaskFactory

    now = timezone.now()
    companies = [CompanyFactory(owner=manager) for _n in range(5)]
    for n in range(tasks):
        TaskFactory(assignee=manager, company=companies[n % 5],
                    due_at=now - timedelta(days=2 + n % 3) if n % 2 else now)
    for n in range(meetings):
        ActivityFactory(company=companies[n % 5], kind="meeting", status="scheduled",
                        starts_at=now)


def test_today_runs_as_many_queries_for_a_busier_manager(manager_client, manager,
                                                         django_assert_num_queries):
    _busy_day(manager, tasks=60, meetings=2)
    with CaptureQueriesContext(connection) as busy:
        manager_client.get("/")
    _busy_day(manager, tasks=120, meetings=8)

    with django_assert_num_queries(len(busy)):
        page = manager_client.get("/").text

    # Bounded sections: the first 15 overdue and 20 due today, with the full count.
    assert len(busy) <= 19  # with the reliability section ("to watch"): two
    assert page.count('data-testid="task-row"') == 15 + 20
    assert page.count('data-testid="snooze-preset"') == 35
