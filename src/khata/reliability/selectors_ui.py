"""Read-side questions only the reliability pages ask (the list by band, the card's extras),
built on `selectors.py` and always through the access layer."""

from dataclasses import dataclass

from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce

from khata.clients.models import Company
from khata.reliability.inputs import company_input
from khata.reliability.models import (
    Assessment,
    BandOverride,
    ChecklistAnswer,
    FinancialStatement,
    Invoice,
)
from khata.reliability.scoring.assessment import assess
from khata.reliability.selectors import (
    BandFilters,
    CurrentAssessment,
    assessment_current,
    assessment_history,
    checklist_current,
    companies_by_band,
    learned_model_current,
    overrides_of,
)
from khata.team.access import visible_to

HISTORY_SHOWN = 12
OVERRIDES_SHOWN = 5

# Keyset order of the list by band: worst band first, unassessed companies last, then by name.
BAND_LIST_KEYS = ["-band_rank", "display_name", "id"]


def companies_by_band_listing(*, user, filters: BandFilters | None = None) -> QuerySet[Company]:
    """The list page's rows: `companies_by_band` with a non-null sort key (`band_rank`, empty
    for a company never assessed) so keyset pagination can walk it."""
    return (companies_by_band(user=user, filters=filters)
            .annotate(band_rank=Coalesce(F("band"), Value(""))))


@dataclass
class Explanation:
    """What drove an assessment: factors with value, effect and source, what was missing and
    what was set aside."""

    factors: list[dict]
    missing: list[str]
    set_aside: list[str]
    recomputed: bool = False  # worked out again from the stored inputs (a batch row)


def explanation_of(assessment: Assessment | None, company: Company) -> Explanation | None:
    """The assessment's explanation. Batch scoring stores factors as name and points only
    (docs/reliability.md, "In the application"); for such a row the company is assessed
    again from its stored inputs, as of the same day, storing nothing (three queries)."""
    if assessment is None:
        return None
    factors = assessment.factors or []
    if all("label" in factor for factor in factors):
        return Explanation(factors=factors, missing=list(assessment.missing or []),
                           set_aside=list(assessment.set_aside or []))
    _row, model = learned_model_current()
    scored = assess(company_input(company, as_of=assessment.as_of), model=model)
    return Explanation(
        factors=[{"name": f.name, "label": f.label, "value": f.value, "points": f.points,
                  "source": f.source} for f in scored.factors],
        missing=list(scored.missing), set_aside=list(scored.set_aside), recomputed=True)


@dataclass
class ReliabilityCard:
    """Everything the company page's reliability card shows."""

    current: CurrentAssessment
    explanation: Explanation | None
    history: list[Assessment]
    overrides: list[BandOverride]
    checklist: ChecklistAnswer | None
    statements: int
    invoices: int


def reliability_card(*, user, company: Company) -> ReliabilityCard:
    """The current assessment with its override, recent history, the head's recent overrides,
    the checklist in force and how many statements and invoices there are (bounded queries)."""
    current = assessment_current(user=user, company=company)
    history = list(assessment_history(user=user, company=company)
                   .filter(is_current=False)[:HISTORY_SHOWN])
    overrides = list(overrides_of(user=user, company=company)[:OVERRIDES_SHOWN])
    return ReliabilityCard(
        current=current, explanation=explanation_of(current.assessment, company),
        history=history, overrides=overrides,
        checklist=checklist_current(user=user, company=company),
        statements=visible_to(user, FinancialStatement.objects.filter(company=company)).count(),
        invoices=visible_to(user, Invoice.objects.filter(company=company)).count())
