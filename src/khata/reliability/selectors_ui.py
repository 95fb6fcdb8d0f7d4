"""Read-side questions only the reliability pages ask (the list by band, the card's extras),
built on `selectors.py` and always through the access layer."""

from dataclasses import dataclass, replace
from datetime import timedelta

from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from khata.clients.models import Company
from khata.core.lists import Page, decode_cursor, encode_cursor, keyset_after
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
    EXPIRING_DAYS,
    BandFilters,
    CurrentAssessment,
    assessment_current,
    assessment_history,
    checklist_current,
    companies_by_band,
    factor_rows,
    learned_model_read,
    overrides_of,
)
from khata.team.access import visible_to

HISTORY_SHOWN = 12
OVERRIDES_SHOWN = 5

# Keyset order of the list by band: worst band first, unassessed companies last, then by name.
BAND_LIST_KEYS = ["-band_rank", "display_name", "id"]
BANDS_WORST_FIRST = ["E", "D", "C", "B", "A", ""]  # "": never assessed


def companies_by_band_listing(*, user, filters: BandFilters | None = None) -> QuerySet[Company]:
    """The list page's rows: `companies_by_band` with a non-null sort key (`band_rank`, empty
    for a company never assessed) so keyset pagination can walk it."""
    return (companies_by_band(user=user, filters=filters)
            .annotate(band_rank=Coalesce(F("band"), Value(""))))


def _in_band(*, user, filters: BandFilters, band: str, leave_out: list[int]) -> QuerySet:
    """Companies in reach whose computed band is `band` ("" for never assessed), without the
    overridden ones: plain conditions the planner estimates well (through `with_band`'s
    outer joins it expected 0.5 % of the rows and sorted them all)."""
    queryset = visible_to(user, Company.objects.all()).exclude(pk__in=leave_out)
    if filters.lifecycle:
        queryset = queryset.filter(lifecycle__in=filters.lifecycle)
    if filters.owner:
        queryset = queryset.filter(owner_id=filters.owner)
    if band == "":
        return queryset.exclude(assessments__is_current=True)
    current = {"assessments__is_current": True, "assessments__band": band}
    if filters.expiring:
        current["assessments__valid_until__lte"] = (timezone.localdate()
                                                    + timedelta(days=EXPIRING_DAYS))
    return queryset.filter(**current)  # one filter() call: one join


def band_list_page(*, user, filters: BandFilters | None = None, cursor: str | None = None,
                   size: int = 50) -> Page:
    """One page of the list by band (`BAND_LIST_KEYS` order), read one band at a time.

    Sorting every company in reach by its effective band made PostgreSQL join and sort them
    all for each page (2.2 s for the head, 0.5-1.3 s for a manager at 1,000,000 companies).
    Within one band the order is the name index's and the band an equality on the current
    assessment (`assessment_band_idx`), so each question reads only as far as the page needs;
    the few companies under an override in force are asked for separately, and one last
    query puts the candidates in order (the database's collation decides, as everywhere)."""
    filters = filters or BandFilters()
    size = max(1, min(size, 500))
    scope = companies_by_band_listing(user=user, filters=replace(filters, band=[]))
    position = decode_cursor(cursor)
    if not (isinstance(position, list) and len(position) == 3
            and position[0] in BANDS_WORST_FIRST and isinstance(position[1], str)
            and isinstance(position[2], int)):
        position = None  # none, damaged or forged: the first page
    overridden = dict(scope.order_by().filter(override_band__isnull=False)
                      .values_list("id", "override_band"))
    skip_unassessed = filters.expiring or filters.assessed is True
    candidates: list[int] = []
    counted = 0
    for band in BANDS_WORST_FIRST:
        if (filters.band and band not in filters.band) or (band == "" and skip_unassessed):
            continue
        if position and BANDS_WORST_FIRST.index(band) < BANDS_WORST_FIRST.index(position[0]):
            continue
        need = size + 1 - counted
        # Only the unassessed: in a letter band just those held there by an override.
        sources = ([] if band and filters.assessed is False else
                   [_in_band(user=user, filters=filters, band=band, leave_out=list(overridden))])
        chosen = [pk for pk, over in overridden.items() if over == band]
        if chosen:
            sources.append(scope.filter(pk__in=chosen))
        found = 0
        for source in sources:
            if position and position[0] == band:
                source = source.filter(keyset_after(["display_name", "id"], position[1:]))
            ids = list(source.order_by("display_name", "id").values_list("id", flat=True)[:need])
            candidates += ids
            found += len(ids)
        counted += min(need, found)
        if counted > size:
            break
    rows = list(scope.filter(pk__in=candidates).select_related("owner")
                .order_by(*BAND_LIST_KEYS)[:size + 1]) if candidates else []
    next_cursor = None
    if len(rows) > size:
        last = rows[size - 1]
        next_cursor = encode_cursor([last.band_rank, last.display_name, last.pk])
    return Page(items=rows[:size], next_cursor=next_cursor, size=size)


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
    again from its stored inputs, as of the same day and by the same method (the model that
    scored it, or the rules), storing nothing (three queries)."""
    if assessment is None:
        return None
    factors = assessment.factors or []
    if all("label" in factor for factor in factors):
        return Explanation(factors=factors, missing=list(assessment.missing or []),
                           set_aside=list(assessment.set_aside or []))
    model = learned_model_read(assessment.model) if assessment.model_id else None
    scored = assess(company_input(company, as_of=assessment.as_of), model=model)
    return Explanation(factors=factor_rows(scored), missing=list(scored.missing),
                       set_aside=list(scored.set_aside), recomputed=True)


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
