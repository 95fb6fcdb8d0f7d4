"""The reliability forecast in real Chromium (issue 7): a manager opens a company, reads its
reliability card, enters a financial statement and sees the assessment change; the head holds
the company in another band with a reason, and the card shows the override."""

import pytest
from playwright.sync_api import expect

from khata.clients.tests.factories import CompanyFactory
from khata.reliability.models import Assessment, BandOverride
from khata.reliability.services import assessment_refresh
from khata.reliability.tests.factories import ChecklistFactory
from tests.browser.test_journeys import click_and_wait, sign_in

pytestmark = [pytest.mark.browser]


def test_enter_a_statement_then_the_head_overrides_the_band(page, watch, live_server,
                                                            transactional_db, manager, head):
    company = CompanyFactory(owner=manager, display_name="Nagpur Oranges")
    ChecklistFactory(company=company, references="not_checked", legal_disputes=None)
    assessment_refresh(company=company)
    sign_in(page, live_server.url, manager.email)

    # A manager opens the company: its reliability card loads by htmx, and says data is thin
    page.goto(f"{live_server.url}/companies/{company.pk}/")
    card = page.get_by_test_id("reliability-card")
    expect(card).to_be_visible()
    expect(card.get_by_test_id("reliability-thin")).to_contain_text("Thin data")
    before = card.get_by_test_id("reliability-probability").inner_text()
    expect(card).not_to_contain_text("Altman score")

    # enters last year's accounts from the card's link
    click_and_wait(page, card.get_by_test_id("link-statements"))
    expect(page.get_by_test_id("statements-empty")).to_be_visible()
    form = page.get_by_test_id("statement-form")
    for label, value in [("Fiscal year", "2025"), ("Revenue (sales)", "48,00,000"),
                         ("EBIT", "900000"), ("Net income", "600000"),
                         ("Total assets", "4000000"), ("Current assets", "2000000"),
                         ("Total liabilities", "1200000"), ("Current liabilities", "600000"),
                         ("Retained earnings", "2000000"), ("Book equity", "2800000")]:
        form.get_by_label(label, exact=True).fill(value)
    click_and_wait(page, form.get_by_role("button", name="Save statement"))
    expect(page.get_by_role("status").first).to_contain_text("FY2025 saved")
    expect(page.get_by_test_id("statement-list")).to_contain_text("FY2025")

    # and back on the company page the assessment has changed: Altman's score is in it
    click_and_wait(page, page.get_by_role("link", name="Nagpur Oranges"))
    card = page.get_by_test_id("reliability-card")
    expect(card).to_contain_text("Altman score")
    expect(card.get_by_test_id("reliability-factors")).to_contain_text("Altman")
    assert card.get_by_test_id("reliability-probability").inner_text() != before
    expect(card.get_by_test_id("reliability-history")).to_be_visible()
    assert Assessment.objects.filter(company=company).count() == 2
    expect(card.get_by_test_id("override-link")).to_have_count(0)  # the head's only

    # The head signs in, opens the company and holds it in band D, saying why
    page.context.clear_cookies()
    sign_in(page, live_server.url, head.email)
    page.goto(f"{live_server.url}/companies/{company.pk}/")
    click_and_wait(page, page.get_by_test_id("override-link"))
    form = page.get_by_test_id("override-form")
    form.get_by_label("Band").select_option("D")
    form.get_by_label("Reason").fill("Two cheques bounced last month")
    click_and_wait(page, form.get_by_role("button", name="Override"))

    # the card shows the override: the band, the reason, who set it
    card = page.get_by_test_id("reliability-card")
    expect(card.get_by_test_id("reliability-band")).to_have_text("D")
    override = card.get_by_test_id("reliability-override")
    expect(override).to_contain_text("Held in band D by Head Person")
    expect(override.get_by_test_id("override-reason")).to_have_text(
        "Two cheques bounced last month")
    assert BandOverride.objects.get().reason == "Two cheques bounced last month"
