"""Writing the inputs, the assessment that follows, and the head's override."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from khata.clients.models import Company
from khata.clients.tests.factories import CompanyFactory
from khata.core.models import Change
from khata.reliability.models import Assessment, BandOverride, FinancialStatement, Invoice
from khata.reliability.selectors import (
    BandFilters,
    assessment_current,
    band_in_q,
    companies_by_band,
)
from khata.reliability.services import (
    assessment_refresh,
    band_override,
    band_override_revoke,
    checklist_answer,
    invoice_create,
    invoice_mark_paid,
    statement_create,
    statement_delete,
    statement_update,
)
from khata.team.access import NotFound

pytestmark = pytest.mark.django_db

FIGURES = {"fiscal_year": 2025, "currency": "inr", "revenue": "12,000,000",
           "ebit": "1500000", "net_income": "900000", "total_assets": "10000000",
           "current_assets": "4000000", "total_liabilities": "5000000",
           "current_liabilities": "2000000", "retained_earnings": "3000000",
           "book_equity": "5000000"}


def test_a_statement_is_stored_recorded_and_the_company_assessed(
        manager, django_capture_on_commit_callbacks):
    company = CompanyFactory(owner=manager, country="DE")

    with django_capture_on_commit_callbacks(execute=True):
        statement = statement_create(by=manager, company=company, data=FIGURES)

    assert statement.currency == "INR" and statement.revenue == Decimal("12000000")
    assert statement.entered_by == manager
    change = Change.objects.get(object_id=str(statement.pk), action="create")
    assert change.actor == manager and change.changes["fiscal_year"] == [None, 2025]
    current = Assessment.objects.get(company=company, is_current=True)
    assert current.variant == "z_double_prime" and current.z_score is not None
    assert current.method == "rules" and current.factors[0]["source"]


def test_negative_total_assets_are_refused_with_the_field_named(manager):
    company = CompanyFactory(owner=manager)

    with pytest.raises(ValidationError) as caught:
        statement_create(by=manager, company=company,
                         data={**FIGURES, "total_assets": "-5", "current_liabilities": "x"})

    assert set(caught.value.message_dict) == {"total_assets", "current_liabilities"}
    assert "cannot be negative" in caught.value.message_dict["total_assets"][0]
    assert not FinancialStatement.objects.exists()


def test_negative_equity_is_kept_as_given(manager):
    company = CompanyFactory(owner=manager)

    statement = statement_create(by=manager, company=company,
                                 data={**FIGURES, "book_equity": "-250000.50"})

    assert statement.book_equity == Decimal("-250000.50")


def test_a_year_twice_is_refused_on_the_year(manager):
    company = CompanyFactory(owner=manager)
    statement_create(by=manager, company=company, data=FIGURES)

    with pytest.raises(ValidationError) as caught:
        statement_create(by=manager, company=company, data=FIGURES)

    assert list(caught.value.message_dict) == ["fiscal_year"]


def test_updating_and_deleting_a_statement_is_recorded(manager):
    company = CompanyFactory(owner=manager)
    statement = statement_create(by=manager, company=company, data=FIGURES)

    statement_update(by=manager, statement=statement, data={"revenue": "13000000"})
    pk = statement.pk
    statement_delete(by=manager, statement=statement)

    actions = list(Change.objects.filter(object_id=str(pk))
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["create", "update", "delete"]
    assert not FinancialStatement.objects.exists()


def test_a_colleague_cannot_add_a_statement_to_my_company(manager, other_manager):
    company = CompanyFactory(owner=manager)

    with pytest.raises(NotFound):
        statement_create(by=other_manager, company=company, data=FIGURES)

    assert not FinancialStatement.objects.exists()


def test_an_invoice_due_before_it_was_issued_is_refused_on_due(manager):
    company = CompanyFactory(owner=manager)

    with pytest.raises(ValidationError) as caught:
        invoice_create(by=manager, company=company, data={
            "number": "A-1", "currency": "INR", "amount": "0",
            "issued_on": "2026-03-01", "due_on": "2026-02-01"})

    assert set(caught.value.message_dict) == {"amount", "due_on"}
    assert not Invoice.objects.exists()


def test_an_invoice_number_is_unique_per_company(manager):
    company = CompanyFactory(owner=manager)
    data = {"number": "A-1", "currency": "INR", "amount": "500",
            "issued_on": "2026-03-01", "due_on": "2026-03-31"}
    invoice_create(by=manager, company=company, data=data)

    with pytest.raises(ValidationError) as caught:
        invoice_create(by=manager, company=company, data=data)

    assert list(caught.value.message_dict) == ["number"]
    invoice_create(by=manager, company=CompanyFactory(owner=manager), data=data)


def test_marking_an_invoice_paid_records_day_and_amount_and_reassesses(
        manager, django_capture_on_commit_callbacks):
    company = CompanyFactory(owner=manager)
    today = timezone.localdate()
    invoice = invoice_create(by=manager, company=company, data={
        "number": "A-1", "currency": "INR", "amount": "500",
        "issued_on": today - timedelta(days=60), "due_on": today - timedelta(days=30)})

    with django_capture_on_commit_callbacks(execute=True):
        invoice_mark_paid(by=manager, invoice=invoice, paid_on=today)

    invoice.refresh_from_db()
    assert invoice.paid_on == today and invoice.paid_amount == Decimal("500")
    change = Change.objects.filter(object_id=str(invoice.pk), action="update").get()
    assert change.changes["paid_on"] == [None, today.isoformat()]
    current = Assessment.objects.get(company=company, is_current=True)
    assert any(f["name"] == "dbt_weighted" for f in current.factors)


def test_checklist_answers_keep_their_history_and_a_struck_off_company_is_band_e(
        manager, django_capture_on_commit_callbacks):
    company = CompanyFactory(owner=manager)

    with django_capture_on_commit_callbacks(execute=True):
        first = checklist_answer(by=manager, company=company,
                                 data={"years_in_business": "12", "references": "good"})
    with django_capture_on_commit_callbacks(execute=True):
        second = checklist_answer(by=manager, company=company,
                                  data={"registry_status": "struck_off"})

    assert second.years_in_business == Decimal("12.0") and second.references == "good"
    assert first.pk != second.pk
    assert Assessment.objects.get(company=company, is_current=True).band == "E"
    assert Assessment.objects.filter(company=company).count() == 2


def test_a_bad_checklist_answer_names_the_field(manager):
    company = CompanyFactory(owner=manager)

    with pytest.raises(ValidationError) as caught:
        checklist_answer(by=manager, company=company,
                         data={"legal_disputes": "maybe", "years_in_business": "-3"})

    assert set(caught.value.message_dict) == {"legal_disputes", "years_in_business"}


def test_the_head_overrides_a_band_until_it_expires(head, manager):
    company = CompanyFactory(owner=manager)
    assessment_refresh(company=company)

    override = band_override(by=head, company=company, band="A", reason="Parent guarantee",
                             expires_at=timezone.localdate() + timedelta(days=30))

    card = assessment_current(user=manager, company=company)
    assert card.band == "A" and card.override == override and card.overridden
    assert list(companies_by_band(user=manager, filters=BandFilters(band=["A"]))) == [company]
    assert Change.objects.filter(object_id=str(override.pk), action="create").exists()

    later = timezone.now() + timedelta(days=31)
    card = assessment_current(user=manager, company=company, now=later)
    assert card.override is None and card.band == card.assessment.band
    assert not Company.objects.filter(band_in_q(["A"], now=later)).exists()


def test_a_manager_may_not_override_a_band(manager):
    company = CompanyFactory(owner=manager)

    with pytest.raises(PermissionDenied):
        band_override(by=manager, company=company, band="A", reason="I trust them",
                      expires_at=timezone.localdate() + timedelta(days=30))

    assert not BandOverride.objects.exists()


def test_an_override_needs_a_reason_a_band_and_a_future_end(head, manager):
    company = CompanyFactory(owner=manager)

    with pytest.raises(ValidationError) as caught:
        band_override(by=head, company=company, band="F", reason=" ",
                      expires_at=timezone.localdate() - timedelta(days=1))

    assert set(caught.value.message_dict) == {"band", "reason", "expires_at"}


def test_revoking_an_override_ends_it_now(head, manager):
    company = CompanyFactory(owner=manager)
    override = band_override(by=head, company=company, band="E", reason="Court case",
                             expires_at=timezone.localdate() + timedelta(days=30))

    with pytest.raises(PermissionDenied):
        band_override_revoke(by=manager, override=override)
    band_override_revoke(by=head, override=override)

    assert assessment_current(user=manager, company=company).override is None
    override.refresh_from_db()
    assert override.revoked_by == head


def test_a_client_dropping_a_band_is_risky_and_says_from_what(manager, other_manager):
    from khata.reliability.selectors import companies_risky

    client = CompanyFactory(owner=manager, lifecycle="client")
    steady = CompanyFactory(owner=manager, lifecycle="client")
    assessment_refresh(company=client)
    assessment_refresh(company=steady)
    before = Assessment.objects.get(company=client, is_current=True).band
    checklist_answer(by=manager, company=client, data={"registry_status": "in_liquidation"})
    assessment_refresh(company=client)
    assessment_refresh(company=steady)

    risky = [r for r in companies_risky(user=manager) if r.reason == "band_dropped"]

    assert [(r.company, r.previous_band, r.band) for r in risky] == [(client, before, "E")]
    assert companies_risky(user=other_manager) == []


# --- company merges and concurrent writers --------------------------------------------------

def test_merging_two_assessed_companies_keeps_one_current_assessment(manager, head):
    from khata.clients.services import company_merge

    survivor, other = CompanyFactory(owner=manager), CompanyFactory(owner=manager)
    statement_create(by=manager, company=other, data=FIGURES)
    assessment_refresh(company=survivor)
    assessment_refresh(company=other)
    until = timezone.now() + timedelta(days=30)
    band_override(by=head, company=survivor, band="B", reason="Known", expires_at=until)
    held = band_override(by=head, company=other, band="E", reason="Court case", expires_at=until)

    company_merge(by=manager, survivor=survivor, other=other)

    assert Assessment.objects.filter(company=survivor, is_current=True).count() == 1
    assert FinancialStatement.objects.get().company == survivor
    held.refresh_from_db()
    assert held.revoked_at is not None  # the survivor's override is the one in force
    assert assessment_current(user=manager, company=survivor).band == "B"


def test_undoing_a_merge_assesses_both_companies_again(manager,
                                                      django_capture_on_commit_callbacks):
    from khata.clients.services import company_merge, company_merge_undo

    survivor, other = CompanyFactory(owner=manager), CompanyFactory(owner=manager)
    statement_create(by=manager, company=other, data=FIGURES)
    assessment_refresh(company=survivor)
    assessment_refresh(company=other)
    merge = company_merge(by=manager, survivor=survivor, other=other)
    assert not Assessment.objects.filter(company=other, is_current=True).exists()

    with django_capture_on_commit_callbacks(execute=True):
        company_merge_undo(by=manager, merge=merge)

    assert FinancialStatement.objects.get().company == other
    assert Assessment.objects.filter(company=other, is_current=True).count() == 1
    assert Assessment.objects.filter(company=survivor, is_current=True).count() == 1


def test_a_merge_with_the_same_fiscal_year_on_both_sides_is_refused_and_changes_nothing(
        manager):
    from khata.clients.services import company_merge

    survivor, other = CompanyFactory(owner=manager), CompanyFactory(owner=manager)
    statement_create(by=manager, company=survivor, data=FIGURES)
    statement_create(by=manager, company=other, data={**FIGURES, "revenue": "1"})

    with pytest.raises(ValidationError) as refused:
        company_merge(by=manager, survivor=survivor, other=other)

    assert "FY2025" in str(refused.value.message_dict["other"])
    other.refresh_from_db()
    assert other.deleted_at is None and FinancialStatement.objects.filter(company=other).exists()


def test_the_risky_section_lists_my_portfolio_even_when_i_may_read_all(manager, other_manager):
    from khata.reliability.selectors import companies_risky
    from khata.team.models import TeamSettings

    theirs = CompanyFactory(owner=other_manager, lifecycle="client")
    assessment_refresh(company=theirs)
    Assessment.objects.filter(company=theirs, is_current=True).update(
        band="E", previous_band="A", valid_until=timezone.localdate() + timedelta(days=3))
    TeamSettings.objects.update_or_create(pk=1, defaults={"managers_read_all": True})

    assert companies_risky(user=manager) == []
    assert [r.company for r in companies_risky(user=other_manager)] == [theirs]
