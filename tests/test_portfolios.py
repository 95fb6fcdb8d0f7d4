"""Portfolios across apps: substitutes during an absence, reading colleagues' portfolios,
appointment and dismissal with hand-over (issue 4)."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from khata.clients.models import Company, Contact
from khata.clients.selectors import CompanyFilters, companies_visible
from khata.clients.services import company_update
from khata.clients.tests.factories import CompanyFactory, ContactFactory
from khata.core.models import Change
from khata.core.selectors import last_change
from khata.team.access import NotFound, can, visible_to
from khata.team.choices import AbsenceReason, AppointmentKind
from khata.team.models import ApiToken, Appointment, User
from khata.team.services import (
    HandoverPlan,
    absence_end,
    absence_record,
    absence_update,
    portfolio_assign,
    team_settings_set,
    token_create,
    user_appoint,
    user_dismiss,
    user_set_role,
)
from khata.team.tests.factories import TEST_PASSWORD, UserFactory

START = timezone.make_aware(timezone.datetime(2026, 12, 1, 9, 0))
END = START + timedelta(days=7)


@pytest.fixture
def asha_company(manager):
    return CompanyFactory(owner=manager, display_name="Asha's Client", region="Maharashtra",
                          city="")


@pytest.fixture
def absence(head, manager, substitute):
    with time_machine.travel(START - timedelta(days=3), tick=False):
        return absence_record(by=manager, user=manager, data={
            "substitute": substitute, "starts_at": START, "ends_at": END,
            "reason": AbsenceReason.VACATION})


def _sees(user, company) -> bool:
    return visible_to(user, Company.objects.filter(pk=company.pk)).exists()


@pytest.mark.parametrize(("moment", "covered"), [
    (START - timedelta(seconds=1), False),  # before
    (START, True),  # the first instant of the window
    (START + timedelta(days=3), True),  # during
    (END - timedelta(microseconds=1), True),  # the last instant
    (END, False),  # the boundary: the window is [start, end)
    (END + timedelta(days=1), False),  # after
])
def test_a_substitute_holds_the_portfolio_exactly_during_the_window(
        absence, substitute, asha_company, moment, covered):
    with time_machine.travel(moment, tick=False):
        fresh = User.objects.get(pk=substitute.pk)  # a new request loads the user again
        assert _sees(fresh, asha_company) is covered
        assert can(fresh, "change", asha_company) is covered
        assert (asha_company in companies_visible(user=fresh, filters=CompanyFilters())) \
            is covered


def test_one_user_object_follows_the_clock_across_the_boundary(absence, substitute,
                                                               asha_company):
    with time_machine.travel(START - timedelta(minutes=1), tick=False) as clock:
        assert not _sees(substitute, asha_company)
        clock.move_to(START)
        assert _sees(substitute, asha_company)
        clock.move_to(END)
        assert not _sees(substitute, asha_company)


def test_a_substitute_gets_the_portfolio_and_nothing_more(absence, manager, other_manager,
                                                           substitute, asha_company):
    theirs = CompanyFactory(owner=other_manager)
    token, _raw = token_create(by=manager, user=manager, name="Asha's script")
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        assert not _sees(substitute, theirs)
        assert not visible_to(substitute, ApiToken.objects.filter(pk=token.pk)).exists()
        assert not can(substitute, "change", manager)  # not the manager's account


def test_contacts_follow_their_company_for_the_substitute(absence, substitute, asha_company):
    contact = ContactFactory(company=asha_company)
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        assert visible_to(substitute, Contact.objects.all()).get() == contact
        assert can(substitute, "change", contact)


def test_a_substitutes_edit_is_recorded_on_behalf_of_the_absent_manager(
        absence, manager, substitute, asha_company):
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        company_update(by=substitute, company=asha_company, data={"city": "Pune"})

    change = last_change(asha_company)
    assert (change.actor, change.on_behalf_of) == (substitute, manager)
    assert change.changes == {"city": ["", "Pune"]}
    # The manager reads it in their own change log, as do the head and the substitute.
    assert visible_to(manager, Change.objects.filter(pk=change.pk)).exists()


def test_after_the_window_the_substitute_can_change_nothing(absence, substitute, asha_company):
    with time_machine.travel(END, tick=False), pytest.raises(NotFound):
        company_update(by=substitute, company=asha_company, data={"city": "Pune"})
    asha_company.refresh_from_db()
    assert asha_company.city == ""


def test_a_substitute_may_keep_the_absent_owner_when_editing(absence, manager, substitute,
                                                              asha_company):
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        company_update(by=substitute, company=asha_company,
                       data={"owner": manager.pk, "notes": "called"})
        with pytest.raises(ValidationError) as raised:
            company_update(by=substitute, company=asha_company,
                           data={"owner": UserFactory(email="x@example.com").pk})
    assert "owner" in raised.value.message_dict
    asha_company.refresh_from_db()
    assert asha_company.owner == manager


def test_chained_absences_pass_the_portfolio_on(head, manager, substitute, asha_company):
    third = UserFactory(email="third@example.com", name="Third")
    with time_machine.travel(START - timedelta(days=1), tick=False):
        absence_record(by=head, user=manager, data={
            "substitute": substitute, "starts_at": START, "ends_at": END,
            "reason": AbsenceReason.ILLNESS})
        absence_record(by=head, user=substitute, data={
            "substitute": third, "starts_at": START + timedelta(days=2),
            "ends_at": START + timedelta(days=4), "reason": AbsenceReason.BUSINESS_TRIP})

    with time_machine.travel(START + timedelta(days=1), tick=False):
        assert not _sees(User.objects.get(pk=third.pk), asha_company)
    with time_machine.travel(START + timedelta(days=3), tick=False):
        third = User.objects.get(pk=third.pk)
        assert _sees(third, asha_company)
        company_update(by=third, company=asha_company, data={"city": "Nashik"})
        assert last_change(asha_company).on_behalf_of == manager
    with time_machine.travel(START + timedelta(days=5), tick=False):
        assert not _sees(User.objects.get(pk=third.pk), asha_company)
        assert _sees(User.objects.get(pk=substitute.pk), asha_company)


def test_overlapping_absences_of_one_person_are_refused(absence, head, manager, other_manager):
    with time_machine.travel(START - timedelta(days=1), tick=False), \
            pytest.raises(ValidationError) as raised:
        absence_record(by=head, user=manager, data={
            "substitute": other_manager, "starts_at": END - timedelta(days=1),
            "ends_at": END + timedelta(days=3), "reason": AbsenceReason.OTHER})
    assert "starts_at" in raised.value.message_dict
    assert manager.absences.count() == 1


@pytest.mark.parametrize(("field", "value", "message"), [
    ("substitute", "self", "cannot cover their own absence"),
    ("substitute", "dismissed", "has left the company"),
    ("ends_at", "before_start", "must end after it starts"),
    ("reason", "holiday", "Reason must be one of"),
])
def test_bad_absences_are_refused_with_the_field(manager, head, field, value, message):
    dismissed = UserFactory(email="gone@example.com", is_active=False)
    data = {"substitute": head, "starts_at": START, "ends_at": END,
            "reason": AbsenceReason.VACATION}
    data[field] = {"self": manager, "dismissed": dismissed,
                   "before_start": START - timedelta(hours=1)}.get(value, value)
    with time_machine.travel(START - timedelta(days=1), tick=False), \
            pytest.raises(ValidationError) as raised:
        absence_record(by=manager, user=manager, data=data)
    assert message in " ".join(raised.value.message_dict[field])
    assert manager.absences.count() == 0


def test_only_the_head_or_the_absent_manager_records_an_absence(manager, other_manager,
                                                                substitute):
    with pytest.raises(PermissionDenied):
        absence_record(by=other_manager, user=manager, data={
            "substitute": substitute, "starts_at": START, "ends_at": END,
            "reason": AbsenceReason.VACATION})
    assert manager.absences.count() == 0


def test_an_absence_can_be_cut_short_and_extended(absence, manager, substitute, asha_company):
    with time_machine.travel(START + timedelta(days=1), tick=False):
        absence_update(by=manager, absence=absence, data={"ends_at": END + timedelta(days=2)})
    with time_machine.travel(END + timedelta(days=1), tick=False):
        assert _sees(User.objects.get(pk=substitute.pk), asha_company)
        absence_end(by=manager, absence=absence)
        assert not _sees(User.objects.get(pk=substitute.pk), asha_company)
    absence.refresh_from_db()
    assert absence.ends_at == END + timedelta(days=1)


def test_a_future_absence_ended_is_cancelled(absence, manager):
    with time_machine.travel(START - timedelta(days=1), tick=False):
        assert absence_end(by=manager, absence=absence) is None
    assert manager.absences.count() == 0


def test_the_head_lets_managers_read_but_not_change_colleagues_portfolios(
        head, other_manager, asha_company):
    assert not _sees(other_manager, asha_company)

    team_settings_set(by=head, managers_read_all=True)

    assert _sees(other_manager, asha_company)
    assert can(other_manager, "view", asha_company)
    assert not can(other_manager, "change", asha_company)
    assert not visible_to(other_manager, Company.objects.all(), "change").exists()
    with pytest.raises(PermissionDenied):
        company_update(by=other_manager, company=asha_company, data={"city": "Pune"})
    # Personal records stay personal.
    token, _raw = token_create(by=head, user=head, name="head's")
    assert not visible_to(other_manager, ApiToken.objects.filter(pk=token.pk)).exists()


def test_only_the_head_changes_the_team_settings(manager):
    with pytest.raises(PermissionDenied):
        team_settings_set(by=manager, managers_read_all=True)


def test_appointment_gives_a_one_time_link_and_is_recorded(head):
    user, path = user_appoint(by=head, email="New.Person@Example.com", name="New Person")

    assert user.email == "new.person@example.com"
    assert not user.has_usable_password()
    appointment = Appointment.objects.get(user=user)
    assert (appointment.kind, appointment.by) == (AppointmentKind.APPOINTED, head)

    browser = Client()
    form = browser.get(path, follow=True)
    assert form.status_code == 200
    set_url = form.redirect_chain[-1][0] if form.redirect_chain else path
    done = browser.post(set_url, {"new_password1": TEST_PASSWORD,
                                  "new_password2": TEST_PASSWORD})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)
    # Used once: the same link no longer works.
    again = Client().get(path, follow=True)
    assert b"no longer valid" in again.content


def test_a_manager_cannot_appoint(manager):
    with pytest.raises(PermissionDenied):
        user_appoint(by=manager, email="x@example.com")
    assert not User.objects.filter(email="x@example.com").exists()


def test_the_head_assigns_an_initial_portfolio_by_filter(head, manager, other_manager):
    west = [CompanyFactory(owner=manager, region="Gujarat") for _ in range(3)]
    CompanyFactory(owner=manager, region="Kerala")

    moved = portfolio_assign(by=head, queryset=Company.objects.filter(region="Gujarat"),
                             to=other_manager)

    assert moved == 3
    assert set(Company.objects.filter(owner=other_manager)) == set(west)
    assert last_change(west[0]).changes == {"owner": [manager.pk, other_manager.pk]}


def test_dismissal_hands_everything_over_atomically(head, manager, other_manager, substitute,
                                                    asha_company):
    kerala = CompanyFactory(owner=manager, region="Kerala")
    contact = ContactFactory(company=kerala)
    token, raw = token_create(by=manager, user=manager, name="script")
    browser = Client()
    browser.force_login(manager)
    assert browser.get("/companies/").status_code == 200

    moved = user_dismiss(by=head, user=manager, plan=HandoverPlan(
        to=other_manager, split_by="region", assignments={"Kerala": substitute}))

    assert moved["companies"] == 2
    asha_company.refresh_from_db()
    kerala.refresh_from_db()
    assert (asha_company.owner, kerala.owner) == (other_manager, substitute)
    assert visible_to(User.objects.get(pk=substitute.pk), Contact.objects.all()).get() == contact
    manager.refresh_from_db()
    assert not manager.is_active
    token.refresh_from_db()
    assert token.revoked_at is not None
    # The open session and the token are refused on the very next request.
    assert browser.get("/companies/").status_code == 302
    api = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.status_code == 401
    # Each record's timeline shows the hand-over.
    assert "handed over" in last_change(kerala).message
    assert Appointment.objects.get(user=manager, kind=AppointmentKind.DISMISSED).by == head


def test_dismissal_refuses_a_bad_plan_and_changes_nothing(head, manager, asha_company):
    with pytest.raises(ValidationError) as raised:
        user_dismiss(by=head, user=manager, plan=HandoverPlan(to=manager))
    assert "to" in raised.value.message_dict
    with pytest.raises(ValidationError) as raised:
        user_dismiss(by=head, user=manager, plan=HandoverPlan(to=head, split_by="notes"))
    assert "split_by" in raised.value.message_dict
    manager.refresh_from_db()
    asha_company.refresh_from_db()
    assert manager.is_active and asha_company.owner == manager


def test_dismissal_ends_the_leavers_absences_and_covers(absence, head, manager, substitute,
                                                        asha_company):
    with time_machine.travel(START + timedelta(days=1), tick=False):
        user_dismiss(by=head, user=substitute, plan=HandoverPlan(to=head))
        assert not _sees(User.objects.get(pk=substitute.pk), asha_company)
    absence.refresh_from_db()
    assert absence.ends_at == START + timedelta(days=1)


def test_a_role_change_takes_effect_on_the_next_request(head, manager, asha_company):
    theirs = CompanyFactory(owner=head)
    browser = Client()
    browser.force_login(manager)
    assert browser.get(f"/companies/{theirs.pk}/").status_code == 404

    user_set_role(by=head, user=manager, role="head")

    assert browser.get(f"/companies/{theirs.pk}/").status_code == 200


def test_the_demo_shows_a_substitution_going_on(db):
    from khata.core.demo import build_demo

    build_demo(seed=7, companies=60, log=lambda line: None)

    manager1 = User.objects.get(email="manager1@example.com")
    covered = User.objects.get(email="manager3@example.com")
    theirs = Company.objects.filter(owner=covered)
    assert theirs.exists()
    assert visible_to(manager1, theirs).count() == theirs.count()


def test_read_only_colleagues_see_no_edit_actions(head, other_manager, asha_company):
    team_settings_set(by=head, managers_read_all=True)
    browser = Client()
    browser.force_login(other_manager)

    page = browser.get(f"/companies/{asha_company.pk}/")

    assert page.status_code == 200
    assert 'data-testid="read-only"' in page.text and "/edit/" not in page.text
    assert browser.get(f"/companies/{asha_company.pk}/edit/").status_code == 403
    assert browser.post(f"/companies/{asha_company.pk}/edit/",
                        {"display_name": "Hijacked"}).status_code == 403
    asha_company.refresh_from_db()
    assert asha_company.display_name == "Asha's Client"


def test_exports_include_the_covered_portfolio_for_its_window_only(absence, substitute,
                                                                    asha_company):
    from khata.clients.exporting import companies_export

    with time_machine.travel(START + timedelta(hours=1), tick=False):
        _headers, rows = companies_export(user=User.objects.get(pk=substitute.pk),
                                          filters=CompanyFilters())
        assert any("Asha's Client" in row for row in rows)
    with time_machine.travel(END, tick=False):
        _headers, rows = companies_export(user=User.objects.get(pk=substitute.pk),
                                          filters=CompanyFilters())
        assert not any("Asha's Client" in row for row in rows)


# --- found in review: a substitute keeps records where they are ------------------------------

def test_a_substitute_cannot_carry_the_absent_managers_records_off(absence, manager,
                                                                    substitute, asha_company):
    from khata.clients.services import company_merge, contact_update

    own = CompanyFactory(owner=substitute, display_name="Sita's Client")
    contact = ContactFactory(company=asha_company)
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        sita = User.objects.get(pk=substitute.pk)
        with pytest.raises(ValidationError) as taken:
            company_update(by=sita, company=asha_company, data={"owner": substitute.pk})
        with pytest.raises(ValidationError) as merged:
            company_merge(by=sita, survivor=own, other=asha_company)
        with pytest.raises(ValidationError) as moved:
            contact_update(by=sita, contact=contact, data={"company": own.pk})
    assert "owner" in taken.value.message_dict
    assert "other" in merged.value.message_dict
    assert "company" in moved.value.message_dict
    asha_company.refresh_from_db()
    contact.refresh_from_db()
    assert asha_company.owner == manager and asha_company.merged_into is None
    assert contact.company == asha_company


def test_a_substitute_imports_into_the_covered_portfolio_on_behalf(absence, manager,
                                                                   substitute):
    from khata.audit.services import import_run, import_start

    with time_machine.travel(START + timedelta(hours=1), tick=False):
        sita = User.objects.get(pk=substitute.pk)
        job = import_start(by=sita, kind="companies", filename="list.csv", owner=manager,
                           data=b"Name,City\nKonkan Traders,Ratnagiri\n")
        import_run(by=sita, job=job)

    company = Company.objects.get(display_name="Konkan Traders")
    assert company.owner == manager
    change = last_change(company)
    assert (change.actor, change.on_behalf_of) == (substitute, manager)


def test_a_manager_cannot_import_into_a_colleagues_portfolio(manager, other_manager):
    from khata.audit.services import import_start

    with pytest.raises(ValidationError) as raised:
        import_start(by=other_manager, kind="companies", filename="x.csv", owner=manager,
                     data=b"Name\nX\n")
    assert "owner" in raised.value.message_dict


def test_with_read_all_the_today_page_counts_only_the_held_portfolio(head, other_manager,
                                                                     asha_company):
    from khata.clients.selectors import companies_stale, lifecycle_counts

    team_settings_set(by=head, managers_read_all=True)

    assert sum(lifecycle_counts(user=other_manager).values()) == 0
    assert not companies_stale(user=other_manager).exists()


def test_a_split_by_industry_code_and_case_insensitive_region(head, manager, other_manager,
                                                             substitute):
    from khata.clients.models import Industry

    food = CompanyFactory(owner=manager, industry=Industry.objects.get(code="10"),
                          region="Goa")
    kerala = CompanyFactory(owner=manager, region="Kerala")
    rest = CompanyFactory(owner=manager, region="Goa")

    user_dismiss(by=head, user=manager, plan=HandoverPlan(
        to=other_manager, split_by="industry", assignments={"10": substitute}))

    for company in (food, kerala, rest):
        company.refresh_from_db()
    assert (food.owner, kerala.owner, rest.owner) == (substitute, other_manager, other_manager)


def test_a_split_value_the_leaver_does_not_hold_is_refused(head, manager, other_manager,
                                                          substitute, asha_company):
    with pytest.raises(ValidationError) as raised:
        user_dismiss(by=head, user=manager, plan=HandoverPlan(
            to=other_manager, split_by="region", assignments={"Atlantis": substitute}))
    assert "Atlantis" in raised.value.message_dict["assignments"][0]
    kerala = HandoverPlan(to=other_manager, split_by="region",
                          assignments={"maharashtra": substitute})
    user_dismiss(by=head, user=manager, plan=kerala)
    asha_company.refresh_from_db()
    assert asha_company.owner == substitute  # "maharashtra" matched "Maharashtra"


def test_contacts_timelines_show_the_hand_over(head, manager, other_manager, asha_company):
    contact = ContactFactory(company=asha_company)

    user_dismiss(by=head, user=manager, plan=HandoverPlan(to=other_manager))

    assert "handed over" in last_change(contact).message


def test_editing_only_the_note_keeps_an_absences_exact_times(head, manager, substitute):
    from datetime import UTC
    from datetime import datetime as dt

    starts = dt(2031, 3, 2, 9, 0, tzinfo=UTC)
    ends = dt(2031, 3, 2, 17, 0, tzinfo=UTC)
    absence = absence_record(by=head, user=manager, data={
        "substitute": substitute, "starts_at": starts, "ends_at": ends,
        "reason": AbsenceReason.OTHER})
    browser = Client()
    browser.force_login(manager)
    form = browser.get(f"/absences/{absence.pk}/").context["form"]
    data = {name: form[name].value() for name in form.fields}
    data["note"] = "Dentist"

    assert browser.post(f"/absences/{absence.pk}/", data).status_code == 302

    absence.refresh_from_db()
    assert (absence.starts_at, absence.ends_at, absence.note) == (starts, ends, "Dentist")


def test_demoting_a_superuser_head_takes_their_rights(head, manager, asha_company):
    boss = UserFactory(email="boss@example.com", role="head", is_superuser=True)
    user_set_role(by=head, user=boss, role="manager")

    boss.refresh_from_db()
    assert not boss.is_head and not boss.is_superuser
    assert not can(boss, "view", asha_company)


def test_the_head_gives_a_portfolio_from_the_command_line(head, manager, other_manager):
    from io import StringIO

    from django.core.management import CommandError, call_command

    goa = [CompanyFactory(owner=manager, region="Goa") for _ in range(2)]
    kerala = CompanyFactory(owner=manager, region="Kerala")
    out = StringIO()

    call_command("portfolio", "assign", "--by", head.email, "--to", other_manager.email,
                 "--from", manager.email, "--region", "Goa", "--dry-run", stdout=out)
    assert "2 companies would move" in out.getvalue()
    assert Company.objects.filter(owner=other_manager).count() == 0

    call_command("portfolio", "assign", "--by", head.email, "--to", other_manager.email,
                 "--from", manager.email, "--region", "Goa", stdout=out)
    call_command("portfolio", "assign", "--by", head.email, "--to", other_manager.email,
                 "--company", str(kerala.pk), stdout=out)
    assert set(Company.objects.filter(owner=other_manager)) == {*goa, kerala}
    assert last_change(kerala).changes == {"owner": [manager.pk, other_manager.pk]}

    with pytest.raises(CommandError, match="only the head"):
        call_command("portfolio", "assign", "--by", manager.email, "--to", other_manager.email,
                     "--company", str(kerala.pk))
    with pytest.raises(CommandError, match="Pick companies"):
        call_command("portfolio", "assign", "--by", head.email, "--to", other_manager.email)
