"""The reliability forecast through the API."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from khata.clients.tests.factories import CompanyFactory
from khata.core.models import Change
from khata.reliability.models import (
    Assessment,
    BandOverride,
    ChecklistAnswer,
    FinancialStatement,
    Invoice,
    LearnedModel,
)
from khata.reliability.services import assessment_refresh
from khata.reliability.tests.factories import InvoiceFactory, StatementFactory
from khata.team.tests.api_client import bearer_api

pytestmark = pytest.mark.django_db

FIGURES = {"fiscal_year": 2025, "currency": "INR", "revenue": "12000000", "ebit": "1500000",
           "total_assets": "10000000", "current_assets": "4000000",
           "total_liabilities": "5000000", "current_liabilities": "2000000",
           "retained_earnings": "3000000", "book_equity": "5000000"}


@pytest.fixture
def api(client, manager):
    return bearer_api(client, manager)


def test_inputs_in_and_the_assessment_follows(api, manager, django_capture_on_commit_callbacks):
    company = CompanyFactory(owner=manager)
    today = timezone.localdate()

    with django_capture_on_commit_callbacks(execute=True):
        made = api.post(f"/companies/{company.pk}/statements", FIGURES)
        invoice = api.post(f"/companies/{company.pk}/invoices", {
            "number": "A-1", "currency": "INR", "amount": "250000",
            "issued_on": str(today - timedelta(days=50)),
            "due_on": str(today - timedelta(days=20))})
        paid = api.post(f"/invoices/{invoice.json()['id']}/paid", {})
        answered = api.post(f"/companies/{company.pk}/checklist",
                            {"years_in_business": 14, "registry_status": "active"})

    assert made.status_code == 201, made.json()
    assert made.json()["source"] == "api" and Decimal(made.json()["revenue"]) == 12000000
    assert invoice.status_code == 201 and paid.json()["paid_on"] == str(today)
    assert answered.status_code == 201 and answered.json()["references"] == "not_checked"
    current = api.get(f"/companies/{company.pk}/assessment").json()
    assert current["band"] == current["assessment"]["band"] and not current["overridden"]
    assert current["assessment"]["variant"] == "z_double_prime_em"
    history = api.get(f"/companies/{company.pk}/assessments").json()
    assert len(history) == 4 and [h["is_current"] for h in history] == [True] + [False] * 3
    assert len(api.get(f"/companies/{company.pk}/statements").json()) == 1
    assert len(api.get(f"/companies/{company.pk}/invoices").json()) == 1
    assert len(api.get(f"/companies/{company.pk}/checklist").json()) == 1


def test_bad_figures_are_422_naming_the_field(api, manager):
    company = CompanyFactory(owner=manager)

    answer = api.post(f"/companies/{company.pk}/statements",
                      {**FIGURES, "total_assets": "-1", "currency": "rupees"})

    assert answer.status_code == 422
    assert {e["field"] for e in answer.json()["errors"]} == {"total_assets", "currency"}
    assert not FinancialStatement.objects.exists()


def test_patch_and_delete_a_statement_and_correct_an_invoice(api, manager):
    statement = StatementFactory(company=CompanyFactory(owner=manager), fiscal_year=2024)
    invoice = InvoiceFactory(company=statement.company)

    patched = api.patch(f"/statements/{statement.pk}", {"revenue": "1"})
    assert Decimal(patched.json()["revenue"]) == 1
    assert api.patch(f"/invoices/{invoice.pk}", {"number": "B-7"}).json()["number"] == "B-7"
    assert api.delete(f"/statements/{statement.pk}").status_code == 204
    assert not FinancialStatement.objects.exists()


def test_another_managers_company_is_404_everywhere(api, other_manager, head):
    company = CompanyFactory(owner=other_manager)
    statement = StatementFactory(company=company)
    invoice = InvoiceFactory(company=company)
    assessment_refresh(company=company)
    before = Change.objects.count()

    answers = [
        api.get(f"/companies/{company.pk}/statements"),
        api.post(f"/companies/{company.pk}/statements", FIGURES),
        api.patch(f"/statements/{statement.pk}", {"revenue": "1"}),
        api.delete(f"/statements/{statement.pk}"),
        api.get(f"/companies/{company.pk}/invoices"),
        api.patch(f"/invoices/{invoice.pk}", {"number": "X"}),
        api.post(f"/invoices/{invoice.pk}/paid", {}),
        api.get(f"/companies/{company.pk}/checklist"),
        api.post(f"/companies/{company.pk}/checklist", {"legal_disputes": True}),
        api.get(f"/companies/{company.pk}/assessment"),
        api.get(f"/companies/{company.pk}/assessments"),
        api.post(f"/companies/{company.pk}/override", {
            "band": "A", "reason": "x", "expires_at": "2099-01-01"}),
    ]

    assert [a.status_code for a in answers] == [404] * len(answers)
    assert Change.objects.count() == before
    assert FinancialStatement.objects.get().revenue == statement.revenue
    assert not ChecklistAnswer.objects.exists() and not BandOverride.objects.exists()
    assert api.get("/reliability/companies").json()["items"] == []


def test_only_the_head_overrides_and_revokes(api, client, manager, head):
    company = CompanyFactory(owner=manager)
    assessment_refresh(company=company)
    expires = str(timezone.localdate() + timedelta(days=60))
    body = {"band": "D", "reason": "Unpaid invoice at a sister company", "expires_at": expires}

    refused = api.post(f"/companies/{company.pk}/override", body)
    as_head = bearer_api(client, head)
    made = as_head.post(f"/companies/{company.pk}/override", body)
    bad = as_head.post(f"/companies/{company.pk}/override", {**body, "band": "Z"})

    assert refused.status_code == 403 and bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["band"]
    assert made.status_code == 201
    current = api.get(f"/companies/{company.pk}/assessment").json()
    assert current["band"] == "D" and current["override"]["reason"].startswith("Unpaid")
    listed = api.get("/reliability/companies", {"band": "D"}).json()["items"]
    assert [row["id"] for row in listed] == [company.pk]
    assert api.post(f"/overrides/{made.json()['id']}/revoke").status_code == 403
    revoked = as_head.post(f"/overrides/{made.json()['id']}/revoke")
    assert revoked.json()["revoked_at"] is not None
    assert api.get(f"/companies/{company.pk}/assessment").json()["override"] is None


def test_the_band_list_filters_and_pages(api, manager, django_assert_max_num_queries):
    companies = [CompanyFactory(owner=manager) for _ in range(7)]
    for company in companies:
        assessment_refresh(company=company)

    with django_assert_max_num_queries(8):
        first = api.get("/reliability/companies", {"limit": 5}).json()
    second = api.get("/reliability/companies", {"limit": 5, "cursor": first["next_cursor"]})

    assert len(first["items"]) == 5 and len(second.json()["items"]) == 2
    assert first["items"][0]["band"] in "ABCDE" and first["items"][0]["probability"] > 0
    assert api.get("/reliability/companies", {"expiring": "true"}).json()["items"] == []


def test_what_if_scores_supplied_figures_and_stores_nothing(api):
    today = timezone.localdate()
    invoices = [{"number": f"W-{k}", "currency": "INR", "amount": "100000",
                 "issued_on": str(today - timedelta(days=40 * k + 60)),
                 "due_on": str(today - timedelta(days=40 * k + 30)),
                 "paid_on": str(today - timedelta(days=40 * k))} for k in range(8)]
    body = {"emerging_market": True,
            "statements": [{**FIGURES, "total_assets": "-5"}, {**FIGURES, "fiscal_year": 2024}],
            "invoices": invoices,
            "checklist": {"years_in_business": 20, "registry_status": "active",
                          "references": "good", "legal_disputes": False,
                          "ownership_known": True}}
    tables = (FinancialStatement, Invoice, ChecklistAnswer, Assessment, LearnedModel)
    changes = Change.objects.count()

    answer = api.post("/reliability/what-if", body)

    assert answer.status_code == 200, answer.json()
    result = answer.json()
    assert result["band"] in "ABCDE" and 0 < result["low"] <= result["probability"]
    assert any("total assets" in text.lower() for text in result["set_aside"])
    assert {f["name"] for f in result["factors"]} >= {"dbt_weighted", "references"}
    assert all(not model.objects.exists() for model in tables)
    assert Change.objects.count() == changes


def test_what_if_with_nothing_says_the_data_is_thin(api):
    answer = api.post("/reliability/what-if", {})

    assert answer.status_code == 200
    assert answer.json()["thin_data"] and answer.json()["summary"].startswith("Thin data")


def test_an_unknown_lifecycle_in_the_band_list_is_refused_by_name(api):
    response = api.get("/reliability/companies", {"lifecycle": "bogus"})

    assert response.status_code == 422
    assert "lifecycle" in str(response.json()["errors"][0]["field"])
    assert api.get("/reliability/companies", {"lifecycle": "client"}).status_code == 200
