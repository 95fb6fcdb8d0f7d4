"""Batch scoring from the database, the nightly selection, and retraining."""

from datetime import timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from khata.clients.tests.factories import CompanyFactory
from khata.reliability.inputs import batch_inputs, company_input
from khata.reliability.models import Assessment, LearnedModel
from khata.reliability.scoring.assessment import assess, assess_many
from khata.reliability.scoring.payments import payment_behaviour, payment_columns
from khata.reliability.scoring_services import (
    companies_due_for_scoring,
    learned_model_retrain,
    score_companies,
)
from khata.reliability.services import assessment_refresh
from khata.reliability.tests.factories import ChecklistFactory, InvoiceFactory, StatementFactory

pytestmark = pytest.mark.django_db


def _population(owner, n: int, seed: int = 3):
    rnd = np.random.default_rng(seed)
    today = timezone.localdate()
    companies = []
    for k in range(n):
        company = CompanyFactory(owner=owner, country=["IN", "DE", ""][k % 3])
        companies.append(company)
        if k % 2 == 0:
            StatementFactory(company=company, fiscal_year=2024,
                             total_assets=Decimal(int(rnd.integers(1, 10**7))))
            StatementFactory(company=company, fiscal_year=2025, currency="INR",
                             ebit=Decimal(int(rnd.integers(-10**6, 10**6))))
        if k % 3 != 2:
            for j in range(int(rnd.integers(1, 8))):
                issued = today - timedelta(days=int(rnd.integers(10, 500)))
                due = issued + timedelta(days=30)
                late = int(rnd.integers(-5, 120))
                paid = due + timedelta(days=late) if rnd.random() < 0.8 else None
                InvoiceFactory(company=company, number=f"{k}-{j}", issued_on=issued, due_on=due,
                               paid_on=paid if paid and paid <= today else None,
                               currency="EUR" if j == 5 else "INR",
                               amount=Decimal(int(rnd.integers(100, 10**6))))
        if k % 4 != 3:
            ChecklistFactory(company=company, legal_disputes=bool(k % 5 == 0),
                             registry_status="struck_off" if k == 7 else "active")
    return companies


def test_batch_and_single_assessments_agree(manager):
    companies = _population(manager, 24)
    today = timezone.localdate()

    inputs = batch_inputs([c.pk for c in companies], as_of=today)
    batch = assess_many(inputs.batch, as_of=today)

    for i, company in enumerate(companies):
        one = assess(company_input(company, as_of=today))
        assert batch.probability[i] == pytest.approx(one.probability, rel=1e-9), company.pk
        assert "ABCDE"[batch.band[i]] == one.band.value
        assert batch.completeness[i] == pytest.approx(one.completeness)


def test_payment_arrays_match_the_single_company_figures(manager):
    company = _population(manager, 1)[0]
    today = timezone.localdate()
    scored = company_input(company, as_of=today)

    cols = batch_inputs([company.pk], as_of=today).batch.columns()
    reference = payment_columns([payment_behaviour([i for i in scored.invoices
                                                    if i.currency == "INR"], today)])

    for name, values in reference.items():
        assert np.allclose(cols[name], values, equal_nan=True), name


def test_scoring_many_companies_takes_a_bounded_number_of_queries(manager):
    few, many = _population(manager, 6, seed=1), _population(manager, 60, seed=2)

    with CaptureQueriesContext(connection) as small:
        score_companies(companies=[c.pk for c in few])
    with CaptureQueriesContext(connection) as large:
        outcome = score_companies(companies=[c.pk for c in many])

    assert len(large) == len(small)
    assert outcome["scored"] == 60 and sum(outcome["bands"].values()) == 60
    assert Assessment.objects.filter(is_current=True).count() == 66


def test_scoring_again_keeps_one_current_assessment_and_the_history(manager):
    companies = _population(manager, 5)
    ids = [c.pk for c in companies]

    score_companies(companies=ids)
    outcome = score_companies(companies=ids, batch_size=2)

    assert outcome["scored"] == 5
    assert Assessment.objects.filter(is_current=True).count() == 5
    assert Assessment.objects.count() == 10
    row = Assessment.objects.get(company=companies[0], is_current=True)
    assert row.variant == "z_double_prime_em" and row.currency == "INR"
    assert row.factors and {"name", "points"} <= set(row.factors[0])


def test_deleted_companies_are_not_scored(manager):
    companies = _population(manager, 3)
    companies[0].deleted_at = timezone.now()
    companies[0].save()

    outcome = score_companies(companies=[c.pk for c in companies])

    assert outcome["scored"] == 2
    assert not Assessment.objects.filter(company=companies[0]).exists()


def test_the_nightly_run_picks_missing_expired_and_changed(manager):
    unassessed, expired, changed, fresh = (CompanyFactory(owner=manager) for _ in range(4))
    for company in (expired, changed, fresh):
        assessment_refresh(company=company)
    Assessment.objects.filter(company=expired).update(
        valid_until=timezone.localdate() - timedelta(days=1))
    Assessment.objects.filter(company=changed).update(
        computed_at=timezone.now() - timedelta(days=1))
    InvoiceFactory(company=changed)

    due = set(companies_due_for_scoring())

    assert due == {unassessed, expired, changed}


def test_retraining_refuses_too_little_history_and_says_so(manager):
    _population(manager, 10)

    outcome = learned_model_retrain()

    assert outcome["trained"] is False and outcome["code"] == "not_enough_history"
    assert "at least" in outcome["message"]
    assert not LearnedModel.objects.exists()


def test_retraining_on_enough_history_stores_a_model_that_then_scores(manager, monkeypatch):
    from khata.reliability.scoring import learned

    monkeypatch.setattr(learned, "MIN_ROWS", 40)
    monkeypatch.setattr(learned, "MIN_POSITIVES", 8)
    monkeypatch.setattr(learned, "MIN_NEGATIVES", 8)
    today = timezone.localdate()
    companies = []
    for k in range(60):
        company = CompanyFactory(owner=manager)
        companies.append(company)
        bad = k % 3 == 0
        for j in range(4):
            issued = today - timedelta(days=500 - 30 * j)
            due = issued + timedelta(days=30)
            InvoiceFactory(company=company, number=f"old-{j}", issued_on=issued, due_on=due,
                           paid_on=due + timedelta(days=40 if bad else 2))
        issued = today - timedelta(days=200)
        InvoiceFactory(company=company, number="new", issued_on=issued,
                       due_on=issued + timedelta(days=30),
                       paid_on=None if bad else issued + timedelta(days=35))

    prospect = CompanyFactory(owner=manager)

    outcome = learned_model_retrain()

    assert outcome["trained"] is True, outcome
    assert outcome["rows"] == 60 and outcome["positives"] == 20
    scored = score_companies(companies=[c.pk for c in [*companies, prospect]])
    assert scored["methods"] == {"rules": 1, "learned": 60}
    row = Assessment.objects.filter(is_current=True, company=companies[0]).get()
    assert row.method == "learned" and row.model_training_size == 60
    assert row.model_trained_at is not None and len(row.factors) <= 8
    # A prospect never invoiced is outside what the model learned from: the rules score it,
    # and the card explains its batch row by the rules too, as the full refresh does.
    from khata.reliability.selectors_ui import explanation_of

    batch_row = Assessment.objects.get(company=prospect, is_current=True)
    assert batch_row.method == "rules"
    explained = explanation_of(batch_row, prospect)
    refreshed = assessment_refresh(company=prospect)
    assert refreshed.method == "rules" and explained.recomputed
    assert explained.factors == refreshed.factors
    assert assessment_refresh(company=companies[1]).method == "learned"
