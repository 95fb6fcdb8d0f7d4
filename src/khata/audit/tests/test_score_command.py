"""`khata score`: all, due, one company, a segment; progress lines; clear errors."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from khata.clients.tests.factories import CompanyFactory
from khata.prospecting.tests.factories import SegmentFactory
from khata.reliability.models import Assessment
from khata.reliability.tests.factories import ChecklistFactory, StatementFactory

pytestmark = pytest.mark.django_db


def test_score_all_assesses_every_company_and_shows_progress(manager, capsys):
    companies = [CompanyFactory(owner=manager) for _ in range(7)]
    StatementFactory(company=companies[0])
    ChecklistFactory(company=companies[1], registry_status="struck_off")
    out = StringIO()

    call_command("score", "--all", "--batch-size", "3", stdout=out)

    assert "7 companies assessed" in out.getvalue() and "E 1" in out.getvalue()
    assert capsys.readouterr().err.splitlines() == ["3/7 companies", "6/7 companies",
                                                    "7/7 companies"]
    assert Assessment.objects.filter(is_current=True).count() == 7


def test_score_due_then_finds_nothing_due(manager):
    CompanyFactory(owner=manager)
    call_command("score", "--due", stdout=StringIO())
    out = StringIO()

    call_command("score", "--due", stdout=out)

    assert out.getvalue().startswith("0 companies assessed")


def test_score_a_segment_and_single_companies(head, manager):
    inside = CompanyFactory(owner=manager, city="Nashik", region="Maharashtra")
    CompanyFactory(owner=manager, region="Goa")
    segment = SegmentFactory(owner=manager, rules={"match": "all", "rules": [
        {"field": "region", "op": "in", "value": ["Maharashtra"]}]})

    call_command("score", "--segment", str(segment.pk), stdout=StringIO())
    assert list(Assessment.objects.values_list("company_id", flat=True)) == [inside.pk]

    call_command("score", "--company", str(inside.pk), stdout=StringIO())
    assert Assessment.objects.filter(company=inside).count() == 2


def test_score_says_what_is_wrong(manager):
    with pytest.raises(CommandError, match="Say what to score"):
        call_command("score", stdout=StringIO())
    with pytest.raises(CommandError, match="no company with the id 999999"):
        call_command("score", "--company", "999999", stdout=StringIO())
    with pytest.raises(CommandError, match="no segment"):
        call_command("score", "--segment", "999999", stdout=StringIO())


def test_score_retrain_says_why_no_model_was_trained(manager):
    out = StringIO()

    call_command("score", "--retrain", stdout=out)

    assert out.getvalue().startswith("No model trained: Not enough history")
