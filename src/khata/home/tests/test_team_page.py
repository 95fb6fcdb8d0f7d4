"""The head's team page, appointment and dismissal screens, absences in the UI, and the
Today page during and after a substitution (issue 4)."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from khata.clients.models import Company
from khata.clients.services import company_update
from khata.clients.tests.factories import CompanyFactory
from khata.team.choices import AbsenceReason
from khata.team.models import Absence, User
from khata.team.services import absence_record
from khata.team.tests.factories import UserFactory


def test_the_team_page_shows_each_persons_portfolio(head_client, head, manager, substitute,
                                                    django_assert_max_num_queries):
    for _ in range(3):
        CompanyFactory(owner=manager)
    absence_record(by=head, user=manager, data={
        "substitute": substitute, "starts_at": timezone.now() - timedelta(hours=1),
        "ends_at": timezone.now() + timedelta(days=2), "reason": AbsenceReason.ILLNESS})
    for index in range(20):
        UserFactory(email=f"m{index}@example.com")

    with django_assert_max_num_queries(12):
        page = head_client.get("/team/")

    assert page.status_code == 200
    row = page.content.decode().split('data-person="manager@example.com"')[1].split("</tr>")[0]
    assert ">3</a>" in row and "Illness" in row and "covered by सीता वर्मा" in row


def test_managers_cannot_open_the_team_page(manager_client):
    assert manager_client.get("/team/").status_code == 403
    assert manager_client.post("/team/appoint/", {"email": "x@example.com",
                                                  "role": "manager"}).status_code == 403
    assert not User.objects.filter(email="x@example.com").exists()


def test_appoint_with_an_initial_portfolio_shows_the_link(head_client, manager):
    for _ in range(2):
        CompanyFactory(owner=manager, region="Goa")
    CompanyFactory(owner=manager, region="Kerala")

    response = head_client.post("/team/appoint/", {
        "email": "new@example.com", "name": "Nisha", "role": "manager",
        "from_owner": manager.pk, "region": "Goa"}, follow=True)

    assert "Nisha is appointed with 2 companies." in response.content.decode()
    assert "/account/set-password/" in response.content.decode()
    new = User.objects.get(email="new@example.com")
    assert Company.objects.filter(owner=new).count() == 2


def test_appoint_with_a_taken_email_keeps_the_form(head_client, manager):
    response = head_client.post("/team/appoint/", {"email": manager.email, "name": "Again",
                                                   "role": "manager"})
    assert response.status_code == 422
    assert "already exists" in response.content.decode()
    assert 'value="Again"' in response.content.decode()


def test_dismiss_screen_previews_splits_and_hands_over(head_client, manager, other_manager,
                                                       substitute):
    CompanyFactory(owner=manager, region="Goa")
    CompanyFactory(owner=manager, region="Kerala")
    url = f"/team/{manager.pk}/dismiss/"

    preview = head_client.get(f"{url}?split_by=region")
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "Goa (1)" in text and "Kerala (1)" in text

    unconfirmed = head_client.post(url, {"to": other_manager.pk, "split_by": "region"})
    assert unconfirmed.status_code == 422
    assert User.objects.get(pk=manager.pk).is_active

    form = preview.context["form"]
    kerala = next(name for name in form.fields
                  if getattr(form.fields[name], "split_value", None) == "Kerala")
    done = head_client.post(url, {"to": other_manager.pk, "split_by": "region",
                                  kerala: substitute.pk, "confirm": "on"})
    assert done.status_code == 302
    assert Company.objects.get(region="Kerala").owner == substitute
    assert Company.objects.get(region="Goa").owner == other_manager


def test_a_manager_records_an_absence_in_the_ui(manager_client, manager, substitute):
    today = timezone.localdate()
    response = manager_client.post("/absences/", {
        "first_day": today + timedelta(days=1), "last_day": today + timedelta(days=3),
        "reason": "vacation", "substitute": substitute.pk})
    assert response.status_code == 302
    absence = Absence.objects.get()
    assert absence.ends_at - absence.starts_at == timedelta(days=3)

    bad = manager_client.post("/absences/", {
        "first_day": today + timedelta(days=2), "last_day": today + timedelta(days=1),
        "reason": "vacation", "substitute": substitute.pk})
    assert bad.status_code == 422
    assert "cannot be before the first" in bad.content.decode()
    assert Absence.objects.count() == 1


def test_a_colleagues_absence_cannot_be_opened_or_ended(manager_client, head, other_manager,
                                                        substitute):
    absence = absence_record(by=head, user=other_manager, data={
        "substitute": substitute, "starts_at": timezone.now() + timedelta(days=1),
        "ends_at": timezone.now() + timedelta(days=2), "reason": "vacation"})
    assert manager_client.get(f"/absences/{absence.pk}/").status_code == 404
    assert manager_client.post(f"/absences/{absence.pk}/end/").status_code == 404
    assert Absence.objects.filter(pk=absence.pk).exists()


@pytest.fixture
def covered(head, manager, substitute):
    start = timezone.now() + timedelta(days=1)
    absence = absence_record(by=manager, user=manager, data={
        "substitute": substitute, "starts_at": start, "ends_at": start + timedelta(days=2),
        "reason": AbsenceReason.VACATION})
    return absence, CompanyFactory(owner=manager, display_name="Covered Ltd")


def test_today_shows_the_cover_banner_then_what_was_done_on_my_behalf(covered, manager,
                                                                      substitute):
    absence, company = covered
    with time_machine.travel(absence.starts_at + timedelta(hours=2), tick=False):
        browser = Client()
        browser.force_login(substitute)
        today = browser.get("/").content.decode()
        assert 'data-testid="covering-banner"' in today and "Asha Rao" in today
        assert "Covered Ltd" in browser.get("/companies/").content.decode()
        company_update(by=User.objects.get(pk=substitute.pk), company=company,
                       data={"city": "Margao"})

    with time_machine.travel(absence.ends_at + timedelta(hours=2), tick=False):
        browser = Client()
        browser.force_login(manager)
        page = browser.get("/").content.decode()
        section = page.split('data-testid="done-on-my-behalf"')[1].split("</section>")[0]
        assert "on behalf of Asha Rao" in section and "Covered Ltd" in section
        sub_browser = Client()
        sub_browser.force_login(substitute)
        assert "Covered Ltd" not in sub_browser.get("/companies/").content.decode()
