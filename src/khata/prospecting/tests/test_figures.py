"""Stored figures of the analysis pages: the refresh job counts what the live selectors count,
for every kind of viewer (a manager, a colleague, a substitute during an absence, the head);
the pages say how old the figures are and stay a few queries; member counts are quick."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils import timezone

from khata.clients.models import Company, Industry, Need
from khata.clients.tests.factories import CompanyFactory
from khata.prospecting.choices import FigureDimension, LeadStatus
from khata.prospecting.figures_selectors import (
    AUDIENCE,
    analysis_figures,
    count_quickly,
    method_figures_stored,
    planner_estimate,
    segment_count,
)
from khata.prospecting.figures_services import figures_refresh
from khata.prospecting.models import AudienceFigure, FigureRun, Segment
from khata.prospecting.selectors import (
    audience_breakdown,
    leads_by_month,
    search_method_figures,
    segment_figures,
    segment_members,
)
from khata.prospecting.services import segment_save
from khata.prospecting.tests.factories import LeadFactory, SearchMethodFactory
from khata.team.access import owners_in_reach, reach_changed
from khata.team.models import Absence, TeamSettings

GOA = {"match": "all", "rules": [{"field": "region", "op": "in", "value": ["Goa"]}]}


@pytest.fixture
def audience(head, manager, other_manager, substitute):
    """Two portfolios with companies of every kind, leads through two methods, segments."""
    software, metal = Industry.objects.get(code="62"), Industry.objects.get(code="24")
    cloud, erp = Need.objects.create(name="Cloud"), Need.objects.create(name="ERP")
    rows = [(manager, software, "small", "Goa", "prospect", [cloud]),
            (manager, software, "small", "Goa", "client", [cloud, erp]),
            (manager, metal, "large", "Kerala", "former", []),
            (manager, None, "", "", "prospect", [erp]),
            (other_manager, software, "medium", "Goa", "client", [erp]),
            (other_manager, metal, "large", "Goa", "prospect", []),
            (substitute, metal, "micro", "Assam", "client", [cloud])]
    companies = []
    for owner, industry, tier, region, lifecycle, needs in rows:
        company = CompanyFactory(owner=owner, industry=industry, size_tier=tier, region=region,
                                 lifecycle=lifecycle)
        company.needs.set(needs)
        companies.append(company)
    gone = CompanyFactory(owner=manager, region="Goa", industry=software)
    Company.all_objects.filter(pk=gone.pk).update(deleted_at=timezone.now())  # not counted
    fair, web = SearchMethodFactory(owner=manager, name="Fair"), SearchMethodFactory(
        owner=other_manager, name="Web")
    now = timezone.now()
    for owner, method, status, company, days in [
            (manager, fair, LeadStatus.QUALIFIED, companies[1], 4),
            (manager, fair, LeadStatus.QUALIFIED, companies[0], 10),
            (manager, web, LeadStatus.DISQUALIFIED, None, 2),
            (manager, web, LeadStatus.NEW, None, None),
            (other_manager, web, LeadStatus.QUALIFIED, companies[4], 6),
            (other_manager, fair, LeadStatus.WORKING, None, None),
            (substitute, fair, LeadStatus.QUALIFIED, companies[6], 3)]:
        lead = LeadFactory(owner=owner, search_method=method, status=status, company=company)
        opened = now - timedelta(days=40 + (days or 0))
        lead.created_at = opened
        lead.closed_at = opened + timedelta(days=days) if days else None
        lead.save(update_fields=["created_at", "closed_at"])
    LeadFactory(owner=manager, search_method=fair)  # this month
    segment_save(by=head, data={"name": "Goa", "rules": GOA})
    segment_save(by=head, data={"name": "Clients", "rules": {"match": "all", "rules": [
        {"field": "lifecycle", "op": "in", "value": ["client", "former"]}]}})
    return companies


def _live(user):
    return ({dimension: audience_breakdown(user=user, dimension=dimension)
             for dimension in AUDIENCE}, search_method_figures(user=user),
            segment_figures(user=user), leads_by_month(user=user))


def _stored(user):
    figures = analysis_figures(user=user)
    assert figures.as_of is not None
    return figures.audience, figures.methods, figures.segments, figures.trend


def test_the_refresh_counts_what_the_live_pages_count_for_every_viewer(
        audience, head, manager, other_manager, substitute):
    live = {user.pk: _live(user) for user in (head, manager, other_manager)}

    run = figures_refresh()

    assert run.rows == AudienceFigure.objects.count() > 0
    for user in (head, manager, other_manager):
        assert _stored(user) == live[user.pk], user
    # A manager sees their own portfolio only: 4 live companies, not the deleted one.
    mine = analysis_figures(user=manager).audience[FigureDimension.SIZE_TIER]
    assert sum(row.total for row in mine) == 3  # the fourth has no size
    [fair] = [row for row in analysis_figures(user=manager).methods if row.method.name == "Fair"]
    assert (fair.leads, fair.qualified, fair.clients, fair.days_to_qualify) == (3, 2, 1, 7.0)


def test_a_substitute_sees_the_absent_managers_figures_only_while_covering(
        audience, head, manager, substitute):
    figures_refresh()
    alone = _stored(substitute)
    now = timezone.now()
    absence = Absence.objects.create(user=manager, substitute=substitute, reason="vacation",
                                     starts_at=now - timedelta(days=1),
                                     ends_at=now + timedelta(days=3), created_by=head)
    reach_changed()

    assert owners_in_reach(substitute) == {substitute.pk, manager.pk}
    covering = _stored(substitute)
    assert covering == _live(substitute) and covering != alone

    absence.ends_at = now - timedelta(minutes=1)
    absence.starts_at = now - timedelta(days=2)
    absence.save()
    reach_changed()
    assert _stored(substitute) == alone


def test_reading_all_portfolios_when_the_head_allows_it(audience, manager):
    figures_refresh()
    TeamSettings.objects.update_or_create(pk=1, defaults={"managers_read_all": True})
    reach_changed()

    assert owners_in_reach(manager) is None
    assert _stored(manager) == _live(manager)


def test_running_the_refresh_twice_changes_nothing(audience):
    figures_refresh()
    first = sorted(AudienceFigure.objects.values_list(
        "owner_id", "dimension", "key", "total", "leads", "qualified", "converted"))

    figures_refresh()

    assert sorted(AudienceFigure.objects.values_list(
        "owner_id", "dimension", "key", "total", "leads", "qualified", "converted")) == first
    assert FigureRun.objects.count() == 2
    goa = Segment.objects.get(name="Goa")
    assert list(goa.counts.values_list("count", flat=True)) == [4]  # the team's, once a day


def test_pages_say_how_old_the_figures_are_and_offer_a_refresh(audience, manager_client):
    before = manager_client.get("/analysis/")
    assert "no stored figures yet" in before.text

    figures_refresh()
    FigureRun.objects.update(finished_at=timezone.now() - timedelta(minutes=42))
    page = manager_client.get("/analysis/")
    methods = manager_client.get("/search-methods/")

    for response in (page, methods):
        assert response.status_code == 200
        assert "(42 minutes ago)" in response.text
        assert 'action="/analysis/refresh/"' in response.text


def test_refresh_now_queues_a_new_count(audience, manager_client,
                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post("/analysis/refresh/", {"next": "/search-methods/"})

    assert response.status_code == 302 and response["Location"] == "/search-methods/"
    assert FigureRun.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):  # just counted: not again
        again = manager_client.post("/analysis/refresh/", follow=True)
    assert "less than a minute ago" in again.text and FigureRun.objects.count() == 1
    elsewhere = manager_client.post("/analysis/refresh/", {"next": "https://evil.example/"})
    assert elsewhere["Location"] == "/analysis/"


def test_signed_out_visitors_cannot_refresh(client, db):
    response = client.post("/analysis/refresh/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not FigureRun.objects.exists()


def test_the_pages_stay_a_few_queries_whatever_the_data(
        audience, manager_client, head_client, django_assert_max_num_queries):
    figures_refresh()
    for _ in range(3):
        SearchMethodFactory()
    Segment.objects.create(name="More", owner=Company.objects.first().owner, rules=GOA)

    for browser in (manager_client, head_client):
        with django_assert_max_num_queries(14):
            assert browser.get("/analysis/").status_code == 200
        with django_assert_max_num_queries(10):
            assert browser.get("/search-methods/").status_code == 200


def test_a_segment_count_comes_from_the_refresh_until_its_rules_change(
        audience, head, manager, django_capture_on_commit_callbacks,
        django_assert_max_num_queries):
    goa = Segment.objects.get(name="Goa")
    figures_refresh()

    with django_assert_max_num_queries(3):  # the figures; who the manager covers (2)
        mine = segment_count(user=manager, segment=goa)
    assert (mine.value, mine.approximate, mine.as_of is not None) == (2, False, True)
    assert segment_count(user=head, segment=goa).value == 4

    # New rules: counted live at once, and stored again after the save commits.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        segment_save(by=head, segment=goa, data={"rules": {"match": "all", "rules": [
            {"field": "region", "op": "in", "value": ["Goa", "Kerala"]}]}})
    goa.refresh_from_db()
    live = segment_count(user=manager, segment=goa)
    assert (live.value, live.as_of) == (3, None)
    for callback in callbacks:
        callback()
    stored = segment_count(user=manager, segment=goa)
    assert (stored.value, stored.as_of is not None) == (3, True)
    assert list(goa.counts.values_list("count", flat=True)) == [5]  # the team's, today


def test_the_segment_page_shows_the_stored_count_with_its_age(audience, manager_client):
    goa = Segment.objects.get(name="Goa")
    figures_refresh()

    page = manager_client.get(f"/segments/{goa.pk}/")

    assert 'data-testid="member-count">2<' in page.text
    assert 'data-testid="count-as-of"' in page.text


def test_the_search_method_table_from_stored_figures_matches_live(audience, head):
    live = search_method_figures(user=head)
    figures_refresh()

    stored, as_of = method_figures_stored(user=head)

    assert stored == live and as_of is not None


def test_a_deleted_segment_leaves_no_figures(audience, head):
    from khata.prospecting.services import segment_delete

    figures_refresh()
    goa = Segment.objects.get(name="Goa")
    segment_delete(by=head, segment=goa)

    assert not AudienceFigure.objects.filter(dimension="segment", key=str(goa.pk)).exists()


def test_the_command_line_refreshes_and_shows_the_age(audience, capsys):
    call_command("figures", "show")
    assert "Never counted" in capsys.readouterr().out

    call_command("figures", "refresh")
    call_command("figures", "show")

    out = capsys.readouterr().out
    assert "figures stored in" in out and "Figures as of" in out
    assert FigureRun.objects.count() == 1


def test_a_quick_count_is_exact_when_counting_is_quick(audience, manager):
    goa = Segment.objects.get(name="Goa")

    count = count_quickly(segment_members(user=manager, segment=goa))

    assert (count.value, count.approximate) == (2, False)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's estimate is "
                    "PostgreSQL's; SQLite always counts")
def test_on_postgresql_a_slow_count_gives_way_to_the_planners_estimate(audience):
    slow = Company.objects.filter(pk__in=RawSQL(
        "SELECT id FROM clients_company, pg_sleep(0.3) AS pause", []))

    count = count_quickly(slow, budget_ms=50)

    assert count.approximate and count.value == planner_estimate(slow) > 0
    with connection.cursor() as cursor:  # the time limit does not outlive the count
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] in {"0", "0ms"}


def test_the_api_figures_come_from_the_refresh_with_their_time(audience, client, manager):
    from khata.team.tests.api_client import bearer_api

    api = bearer_api(client, manager)
    live = api.get("/search-methods/figures")
    assert "X-Figures-As-Of" not in live.headers
    figures_refresh()

    stored = api.get("/search-methods/figures")

    assert stored.status_code == 200 and stored.json() == live.json()
    assert stored.headers["X-Figures-As-Of"] == FigureRun.objects.get().finished_at.isoformat()


def test_what_changes_while_the_refresh_counts_wins_over_its_counts(audience, head, monkeypatch):
    from khata.prospecting import figures_services

    goa, clients = Segment.objects.order_by("pk")
    counting = figures_services.month_rows

    def meanwhile(at):  # the last count before the writing: the world moves on here
        rows = counting(at)
        Segment.objects.filter(pk=clients.pk).delete()
        segment_save(by=head, segment=goa, data={"name": "Goa", "rules": {
            "match": "all", "rules": [{"field": "region", "op": "in", "value": ["Kerala"]}]}})
        figures_services.segment_figures_refresh(segment_id=goa.pk)  # its recount (a task)
        return rows

    monkeypatch.setattr(figures_services, "month_rows", meanwhile)
    figures_refresh(now=timezone.now() - timedelta(seconds=1))

    stored = AudienceFigure.objects.filter(dimension=FigureDimension.SEGMENT)
    assert not stored.filter(key=str(clients.pk)).exists()  # deleted meanwhile: nothing
    assert sum(f.total for f in stored.filter(key=str(goa.pk))) == 1  # its own recount stands


def test_an_older_refresh_does_not_overwrite_a_newer_one(audience):
    newer = figures_refresh()
    older = figures_refresh(now=newer.started_at - timedelta(minutes=5))

    assert older == newer and FigureRun.objects.count() == 1


def test_refresh_now_while_one_is_queued_queues_nothing(audience, manager):
    from khata.core.choices import TaskStatus
    from khata.core.models import TaskRun
    from khata.prospecting.figures_services import figures_refresh_request
    from khata.prospecting.tasks import figures_refresh_task

    TaskRun.objects.create(task_path=figures_refresh_task.module_path, status=TaskStatus.READY)

    assert figures_refresh_request(by=manager) is False
