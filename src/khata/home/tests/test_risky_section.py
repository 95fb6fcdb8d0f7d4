"""The Today page's "Reliability to watch" section (issue 7): a client dropping a band, an
assessment ending soon, and an empty state."""

from datetime import timedelta

from django.utils import timezone

from khata.clients.tests.factories import CompanyFactory
from khata.reliability.models import Assessment
from khata.reliability.services import assessment_refresh
from khata.reliability.tests.factories import ChecklistFactory


def test_a_client_dropping_a_band_and_an_ending_assessment_show_on_today(
        manager_client, manager, other_manager):
    dropping = CompanyFactory(owner=manager, display_name="Slipping Spices", lifecycle="client")
    ChecklistFactory(company=dropping, answered_at=timezone.now() - timedelta(days=2))
    assessment_refresh(company=dropping)
    ChecklistFactory(company=dropping, registry_status="struck_off")
    assessment_refresh(company=dropping)
    ending = CompanyFactory(owner=manager, display_name="Ending Exports")
    assessment_refresh(company=ending)
    Assessment.objects.filter(company=ending).update(
        valid_until=timezone.localdate() + timedelta(days=3))
    hidden = CompanyFactory(owner=other_manager, display_name="Not Mine", lifecycle="client")
    assessment_refresh(company=hidden)
    Assessment.objects.filter(company=hidden).update(
        valid_until=timezone.localdate() + timedelta(days=3))

    page = manager_client.get("/")

    section = page.text.split('data-section="risky"')[1].split("</section>")[0]
    assert "Slipping Spices" in section and "dropped from" in section and "to E" in section
    assert "Ending Exports" in section and "assessment ends" in section
    assert "Not Mine" not in section


def test_the_risky_section_has_an_empty_state(manager_client, manager):
    CompanyFactory(owner=manager)

    page = manager_client.get("/")

    section = page.text.split('data-section="risky"')[1].split("</section>")[0]
    assert "No client dropped a band" in section


def test_a_long_risky_list_shows_ten_and_says_there_are_more(manager_client, manager):
    from khata.home.selectors import RISKY_SHOWN, today_sections

    for index in range(RISKY_SHOWN + 1):
        company = CompanyFactory(owner=manager, display_name=f"Ending {index:02d}")
        assessment_refresh(company=company)
    Assessment.objects.update(valid_until=timezone.localdate() + timedelta(days=3))

    [risky] = [s for s in today_sections(user=manager) if s.key == "risky"]

    assert len(risky.rows) == RISKY_SHOWN and risky.count == f"{RISKY_SHOWN}+"
