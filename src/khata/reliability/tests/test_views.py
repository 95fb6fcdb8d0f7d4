"""Reliability pages: the card on the company page, the input pages (statements, invoices,
checklist), the head's override and the list by band."""

from datetime import timedelta

from django.utils import timezone

from khata.clients.tests.factories import CompanyFactory
from khata.reliability.models import Assessment, BandOverride, ChecklistAnswer, FinancialStatement
from khata.reliability.scoring_services import score_companies
from khata.reliability.services import (
    assessment_refresh,
    band_override,
    checklist_answer,
    invoice_create,
)
from khata.reliability.tests.factories import ChecklistFactory, InvoiceFactory, StatementFactory

STATEMENT = {"fiscal_year": "2025", "currency": "INR", "revenue": "12,00,000",
             "ebit": "150000", "net_income": "90000", "total_assets": "1000000",
             "current_assets": "400000", "total_liabilities": "500000",
             "current_liabilities": "200000", "retained_earnings": "300000",
             "book_equity": "500000", "market_equity": ""}


def _until(days=30):
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def test_the_card_says_plainly_when_nothing_is_known(manager_client, manager):
    company = CompanyFactory(owner=manager)

    card = manager_client.get(f"/companies/{company.pk}/reliability/")

    assert card.status_code == 200
    assert 'data-testid="reliability-empty"' in card.text
    assert f"/companies/{company.pk}/statements/" in card.text
    assert 'data-testid="reassess"' in card.text
    assert 'data-testid="override-link"' not in card.text  # the head's only


def test_the_company_page_loads_the_card(manager_client, manager):
    company = CompanyFactory(owner=manager)

    page = manager_client.get(f"/companies/{company.pk}/")

    assert f'hx-get="/companies/{company.pk}/reliability/"' in page.text


def test_reassess_now_shows_a_thin_data_assessment_by_htmx(manager_client, manager):
    company = CompanyFactory(owner=manager)
    ChecklistFactory(company=company, references="not_checked", legal_disputes=None)

    card = manager_client.post(f"/companies/{company.pk}/reliability/reassess/",
                               headers={"HX-Request": "true"})

    assert card.status_code == 200
    assessment = Assessment.objects.get(company=company, is_current=True)
    assert assessment.thin_data
    assert 'data-testid="reliability-thin"' in card.text
    assert f'data-testid="reliability-band">{assessment.band}<' in card.text
    assert "90 % interval" in card.text
    assert 'data-testid="reliability-factors"' in card.text


def test_the_card_explains_a_batch_scored_company(manager_client, manager):
    company = CompanyFactory(owner=manager)
    StatementFactory(company=company, fiscal_year=timezone.localdate().year - 1)
    score_companies(companies=[company.pk])
    stored = Assessment.objects.get(company=company, is_current=True)
    assert not any("label" in factor for factor in stored.factors)  # the batch's short form

    card = manager_client.get(f"/companies/{company.pk}/reliability/")

    assert "Altman" in card.text and 'data-testid="reliability-factors"' in card.text


def test_the_card_shows_history_and_the_override(manager_client, manager, head):
    company = CompanyFactory(owner=manager)
    assessment_refresh(company=company)
    ChecklistFactory(company=company)
    assessment_refresh(company=company)
    band_override(by=head, company=company, band="E", reason="Parent company in liquidation",
                  expires_at=_until())

    card = manager_client.get(f"/companies/{company.pk}/reliability/")

    assert 'data-testid="reliability-history"' in card.text
    assert "Parent company in liquidation" in card.text
    assert 'data-testid="reliability-band">E<' in card.text
    assert "Head Person" in card.text
    assert "End the override" not in card.text  # the manager cannot end it


def test_a_colleague_gets_404_on_every_page(client, manager, other_manager):
    company = CompanyFactory(owner=manager)
    statement = StatementFactory(company=company)
    invoice = InvoiceFactory(company=company, paid_on=None, paid_amount=None)
    client.force_login(other_manager)

    for url in (f"/companies/{company.pk}/reliability/", f"/companies/{company.pk}/statements/",
                f"/companies/{company.pk}/invoices/", f"/companies/{company.pk}/checklist/",
                f"/companies/{company.pk}/reliability/override/",
                f"/statements/{statement.pk}/edit/", f"/invoices/{invoice.pk}/edit/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/invoices/{invoice.pk}/paid/",
                       {"paid_on": timezone.localdate().isoformat()}).status_code == 404
    assert client.post(f"/companies/{company.pk}/reliability/reassess/").status_code == 404
    invoice.refresh_from_db()
    assert invoice.paid_on is None
    assert not Assessment.objects.exists()


def test_adding_a_statement_saves_it_and_reassesses(manager_client, manager,
                                                    django_capture_on_commit_callbacks):
    company = CompanyFactory(owner=manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(f"/companies/{company.pk}/statements/", STATEMENT)

    assert response.status_code == 302
    statement = FinancialStatement.objects.get(company=company)
    assert statement.revenue == 1200000 and statement.entered_by == manager
    assert Assessment.objects.get(company=company, is_current=True).variant
    listing = manager_client.get(f"/companies/{company.pk}/statements/")
    assert "FY2025" in listing.text


def test_statement_errors_name_the_field_and_save_nothing(manager_client, manager):
    company = CompanyFactory(owner=manager)
    StatementFactory(company=company, fiscal_year=2024)

    bad = manager_client.post(f"/companies/{company.pk}/statements/",
                              {**STATEMENT, "total_assets": "-5", "currency": "rupees"})
    clash = manager_client.post(f"/companies/{company.pk}/statements/",
                                {**STATEMENT, "fiscal_year": "2024"})

    assert bad.status_code == 422
    assert bad.context["form"].errors.keys() >= {"total_assets", "currency"}
    assert "Total assets cannot be negative." in bad.text
    assert clash.status_code == 422 and "already has a statement for FY2024" in clash.text
    assert FinancialStatement.objects.filter(company=company).count() == 1


def test_editing_a_statement(manager_client, manager):
    statement = StatementFactory(company=CompanyFactory(owner=manager), fiscal_year=2023)

    page = manager_client.get(f"/statements/{statement.pk}/edit/")
    response = manager_client.post(f"/statements/{statement.pk}/edit/",
                                   {**STATEMENT, "fiscal_year": "2023", "revenue": "999"})

    assert page.status_code == 200 and 'value="2023"' in page.text
    assert response.status_code == 302
    statement.refresh_from_db()
    assert statement.revenue == 999


def test_invoices_add_edit_and_mark_paid(manager_client, manager):
    company = CompanyFactory(owner=manager)
    today = timezone.localdate()

    added = manager_client.post(f"/companies/{company.pk}/invoices/", {
        "number": "INV-7", "currency": "INR", "amount": "50000",
        "issued_on": (today - timedelta(days=60)).isoformat(),
        "due_on": (today - timedelta(days=30)).isoformat()})
    invoice = company.invoices.get()
    listing = manager_client.get(f"/companies/{company.pk}/invoices/")
    paid = manager_client.post(f"/invoices/{invoice.pk}/paid/", {"paid_on": today.isoformat()})
    edited = manager_client.post(f"/invoices/{invoice.pk}/edit/", {
        "number": "INV-7A", "currency": "INR", "amount": "50000",
        "issued_on": (today - timedelta(days=60)).isoformat(),
        "due_on": (today - timedelta(days=30)).isoformat(), "paid_on": today.isoformat()})

    assert added.status_code == 302
    assert 'data-testid="invoice-open"' in listing.text and "overdue" in listing.text
    assert paid.status_code == 302 and edited.status_code == 302
    invoice.refresh_from_db()
    assert invoice.paid_on == today and invoice.number == "INV-7A"


def test_invoice_errors_name_the_field(manager_client, manager):
    company = CompanyFactory(owner=manager)
    invoice_create(by=manager, company=company, data={
        "number": "A-1", "currency": "INR", "amount": "10", "issued_on": "2026-01-10",
        "due_on": "2026-02-10"})

    response = manager_client.post(f"/companies/{company.pk}/invoices/", {
        "number": "A-1", "currency": "INR", "amount": "0", "issued_on": "2026-03-10",
        "due_on": "2026-03-01"})

    assert response.status_code == 422
    assert response.context["form"].errors.keys() >= {"number", "amount", "due_on"}
    assert "cannot be before the invoice was issued" in response.text
    assert company.invoices.count() == 1


def test_checklist_shows_who_answered_and_keeps_history(manager_client, manager):
    company = CompanyFactory(owner=manager)
    checklist_answer(by=manager, company=company, data={"years_in_business": "3"})

    page = manager_client.get(f"/companies/{company.pk}/checklist/")
    response = manager_client.post(f"/companies/{company.pk}/checklist/", {
        "years_in_business": "12", "registry_status": "active", "legal_disputes": "no",
        "references": "good", "ownership_known": "yes"})
    bad = manager_client.post(f"/companies/{company.pk}/checklist/", {
        "years_in_business": "lots", "registry_status": "active", "references": "good"})

    assert page.status_code == 200 and "Asha Rao" in page.text and 'value="3"' in page.text
    assert response.status_code == 302
    latest = ChecklistAnswer.objects.filter(company=company).order_by("-answered_at",
                                                                      "-id").first()
    assert latest.years_in_business == 12 and latest.legal_disputes is False
    assert latest.ownership_known is True
    assert bad.status_code == 422 and "years_in_business" in bad.context["form"].errors
    assert ChecklistAnswer.objects.filter(company=company).count() == 2


def test_the_head_overrides_and_revokes(head_client, head, manager):
    company = CompanyFactory(owner=manager)
    assessment_refresh(company=company)

    form = head_client.get(f"/companies/{company.pk}/reliability/override/")
    bad = head_client.post(f"/companies/{company.pk}/reliability/override/",
                           {"band": "F", "reason": "", "expires_at": _until()})
    past = head_client.post(f"/companies/{company.pk}/reliability/override/",
                            {"band": "D", "reason": "Late", "expires_at": "2001-01-01"})
    done = head_client.post(f"/companies/{company.pk}/reliability/override/",
                            {"band": "D", "reason": "Late with the last two payments",
                             "expires_at": _until(60)})
    override = BandOverride.objects.get()
    card = head_client.get(f"/companies/{company.pk}/reliability/")
    revoked = head_client.post(f"/overrides/{override.pk}/revoke/")

    assert form.status_code == 200
    assert bad.status_code == 422
    assert bad.context["form"].errors.keys() == {"band", "reason"}
    assert past.status_code == 422 and "must end in the future" in past.text
    assert done.status_code == 302 and override.band == "D" and override.by == head
    assert 'data-testid="reliability-band">D<' in card.text and "End the override" in card.text
    assert revoked.status_code == 302
    override.refresh_from_db()
    assert override.revoked_at is not None


def test_a_manager_may_not_override_even_their_own_company(manager_client, manager, head):
    company = CompanyFactory(owner=manager)
    override = band_override(by=head, company=company, band="B", reason="Known for years",
                             expires_at=_until())

    assert manager_client.get(f"/companies/{company.pk}/reliability/override/"
                              ).status_code == 403
    assert manager_client.post(f"/companies/{company.pk}/reliability/override/", {
        "band": "A", "reason": "Mine", "expires_at": _until()}).status_code == 403
    assert manager_client.post(f"/overrides/{override.pk}/revoke/").status_code == 403
    override.refresh_from_db()
    assert override.revoked_at is None and BandOverride.objects.count() == 1


def test_the_list_by_band_filters_and_shows_only_what_i_may_see(manager_client, manager,
                                                                 other_manager, head):
    risky = CompanyFactory(owner=manager, display_name="Risky Traders", lifecycle="client")
    fine = CompanyFactory(owner=manager, display_name="Fine Foods", lifecycle="prospect")
    CompanyFactory(owner=manager, display_name="Unknown Ltd", lifecycle="former")
    CompanyFactory(owner=other_manager, display_name="Not Mine")
    assessment_refresh(company=risky)
    assessment_refresh(company=fine)
    band_override(by=head, company=risky, band="E", reason="Court case", expires_at=_until())
    band_override(by=head, company=fine, band="A", reason="Parent guarantee",
                  expires_at=_until())

    everything = manager_client.get("/reliability/")
    only_e = manager_client.get("/reliability/?band=E")
    prospects = manager_client.get("/reliability/?lifecycle=prospect")
    expiring = manager_client.get("/reliability/?expiring=1")
    rows = manager_client.get("/reliability/?band=A", headers={"HX-Request": "true"})

    names = [c.display_name for c in everything.context["page"].items]
    assert names == ["Risky Traders", "Fine Foods", "Unknown Ltd"]  # worst first, unassessed last
    assert "Not Mine" not in everything.text
    assert [c.display_name for c in only_e.context["page"].items] == ["Risky Traders"]
    assert [c.display_name for c in prospects.context["page"].items] == ["Fine Foods"]
    assert expiring.context["page"].items == []  # thin-data assessments last months
    assert "Fine Foods" in rows.text and "<h1" not in rows.text


def test_the_list_by_band_runs_a_bounded_number_of_queries(
        manager_client, manager, head, django_assert_max_num_queries):
    for index in range(25):
        company = CompanyFactory(owner=manager, display_name=f"Company {index:02d}")
        if index % 3:
            assessment_refresh(company=company)
        if index % 5 == 0:
            band_override(by=head, company=company, band="D", reason="Watch",
                          expires_at=_until())

    # Session and user (4), the bands overridden (1), one question per band (6) and per band
    # with an override in force (1 here), the page itself (1): never more with more data.
    with django_assert_max_num_queries(13):
        response = manager_client.get("/reliability/")

    assert len(response.context["page"].items) == 25


def test_the_list_by_band_pages_in_the_order_of_one_big_sort(manager, head):
    from khata.core.lists import keyset_page
    from khata.reliability.selectors import BandFilters
    from khata.reliability.selectors_ui import (
        BAND_LIST_KEYS,
        band_list_page,
        companies_by_band_listing,
    )

    for index in range(14):
        company = CompanyFactory(owner=manager, display_name=f"Firm {index % 5} {index:02d}")
        if index % 4:
            assessment_refresh(company=company)
        if index % 3 == 0:
            band_override(by=head, company=company, band="ABCDE"[index % 5], reason="Known",
                          expires_at=_until())

    def pages(page_of):
        seen, cursor = [], None
        while True:
            page = page_of(cursor)
            seen.append([company.pk for company in page.items])
            if not page.next_cursor:
                return seen
            cursor = page.next_cursor

    walked = pages(lambda cursor: band_list_page(user=manager, cursor=cursor, size=3))
    sorted_once = pages(lambda cursor: keyset_page(companies_by_band_listing(user=manager),
                                                   keys=BAND_LIST_KEYS, cursor=cursor, size=3))

    assert walked == sorted_once
    assert sum(len(page) for page in walked) == 14
    for filters in [BandFilters(assessed=False), BandFilters(assessed=True),
                    BandFilters(band=["C", "E"]), BandFilters(lifecycle=["client"])]:
        assert pages(lambda cursor, f=filters: band_list_page(
            user=manager, filters=f, cursor=cursor, size=3)) == pages(
            lambda cursor, f=filters: keyset_page(companies_by_band_listing(
                user=manager, filters=f), keys=BAND_LIST_KEYS, cursor=cursor, size=3))


def test_the_list_by_band_walks_pages(manager_client, manager, monkeypatch):
    from khata.reliability import views

    monkeypatch.setattr(views, "PAGE_SIZE", 4)
    for index in range(10):
        company = CompanyFactory(owner=manager, display_name=f"Firm {index:02d}")
        if index % 2:
            assessment_refresh(company=company)

    seen, cursor = [], None
    while True:
        response = manager_client.get("/reliability/", {"cursor": cursor} if cursor else {})
        page = response.context["page"]
        seen += [c.pk for c in page.items]
        if not page.next_cursor:
            break
        cursor = page.next_cursor

    assert len(seen) == len(set(seen)) == 10
    assert 'href="/reliability/' in manager_client.get("/").text  # the nav entry


def test_removing_a_statement_and_a_bad_payment_day(manager_client, manager):
    company = CompanyFactory(owner=manager)
    statement = StatementFactory(company=company, fiscal_year=2022)
    invoice = InvoiceFactory(company=company, paid_on=None, paid_amount=None)

    removed = manager_client.post(f"/statements/{statement.pk}/delete/")
    bad = manager_client.post(f"/invoices/{invoice.pk}/paid/", {"paid_on": "2001-01-01"},
                              follow=True)

    assert removed.status_code == 302
    assert not FinancialStatement.objects.filter(pk=statement.pk).exists()
    assert "cannot be before the invoice was issued" in bad.text
    garbled = manager_client.post(f"/invoices/{invoice.pk}/paid/", {"paid_on": "someday"},
                                  follow=True)
    assert f"Invoice {invoice.number}: Paid on: " in garbled.text  # names the field
    invoice.refresh_from_db()
    assert invoice.paid_on is None
