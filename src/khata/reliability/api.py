"""API of the reliability forecast: inputs per company (statements, invoices, checklist), its
assessments (current, with the head's override applied, and history), the override, a list of
companies by band, and a what-if that scores supplied figures without storing anything."""

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from khata.clients.choices import Lifecycle
from khata.clients.models import Company
from khata.core.ids import RecordId
from khata.core.lists import keyset_page
from khata.reliability.choices import Band, References, RegistryStatus
from khata.reliability.models import BandOverride, FinancialStatement, Invoice
from khata.reliability.scoring.altman import Profile, Statement
from khata.reliability.scoring.checklist import Checklist
from khata.reliability.scoring.checklist import References as ScoredReferences
from khata.reliability.scoring.checklist import RegistryStatus as ScoredRegistry
from khata.reliability.scoring.payments import Invoice as ScoredInvoice
from khata.reliability.selectors import (
    BandFilters,
    assessment_current,
    assessment_history,
    assessment_what_if,
    checklist_history,
    companies_by_band,
    invoices_of,
    statements_of,
)
from khata.reliability.services import (
    band_override,
    band_override_revoke,
    checklist_answer,
    invoice_create,
    invoice_mark_paid,
    invoice_update,
    statement_create,
    statement_delete,
    statement_update,
)
from khata.team.access import get_visible_or_404

router = Router(tags=["reliability"])

Amount = Decimal | None


def _company(request, company_id: int) -> Company:
    return get_visible_or_404(request.auth_user, Company, company_id)


def _data(payload: Schema) -> dict:
    return payload.model_dump(exclude_unset=True)


# --- statements ----------------------------------------------------------------------------


class StatementIn(Schema):
    """One fiscal year's figures; on PATCH send only what changes. Amounts in `currency`."""

    fiscal_year: int | None = Field(None, ge=1, le=9999)
    currency: str | None = Field(None, max_length=10)
    revenue: Amount = None
    ebit: Amount = None
    net_income: Amount = None
    total_assets: Amount = None
    current_assets: Amount = None
    total_liabilities: Amount = None
    current_liabilities: Amount = None
    retained_earnings: Amount = None
    book_equity: Amount = None
    listed: bool | None = None
    market_equity: Amount = None


class StatementOut(Schema):
    id: int
    company_id: int
    fiscal_year: int
    currency: str
    revenue: Amount
    ebit: Amount
    net_income: Amount
    total_assets: Amount
    current_assets: Amount
    total_liabilities: Amount
    current_liabilities: Amount
    retained_earnings: Amount
    book_equity: Amount
    listed: bool
    market_equity: Amount
    source: str
    entered_by_id: int | None
    created_at: datetime
    updated_at: datetime


@router.get("/companies/{company_id}/statements", response=list[StatementOut],
            summary="A company's financial statements, latest year first")
def statement_list(request, company_id: int):
    return list(statements_of(user=request.auth_user, company=_company(request, company_id)))


@router.post("/companies/{company_id}/statements", response={201: StatementOut},
             summary="Add a fiscal year's figures (the company is then assessed again)")
def statement_add(request, company_id: int, payload: StatementIn):
    data = {**_data(payload), "source": "api"}
    return Status(201, statement_create(by=request.auth_user,
                                        company=_company(request, company_id), data=data))


@router.patch("/statements/{statement_id}", response=StatementOut,
              summary="Correct a statement's figures")
def statement_patch(request, statement_id: int, payload: StatementIn):
    statement = get_visible_or_404(request.auth_user, FinancialStatement, statement_id)
    return statement_update(by=request.auth_user, statement=statement, data=_data(payload))


@router.delete("/statements/{statement_id}", response={204: None},
               summary="Remove a statement entered by mistake")
def statement_remove(request, statement_id: int):
    statement = get_visible_or_404(request.auth_user, FinancialStatement, statement_id)
    statement_delete(by=request.auth_user, statement=statement)
    return Status(204, None)


# --- invoices ------------------------------------------------------------------------------


class InvoiceIn(Schema):
    """An invoice and its payment; on PATCH send only what changes."""

    number: str | None = Field(None, max_length=200)
    currency: str | None = Field(None, max_length=10)
    amount: Amount = None
    issued_on: date | None = None
    due_on: date | None = None
    paid_on: date | None = None
    paid_amount: Amount = None


class PaidIn(Schema):
    paid_on: date | None = Field(None, description="default: today")
    paid_amount: Amount = Field(None, description="default: the invoice's amount")


class InvoiceOut(Schema):
    id: int
    company_id: int
    number: str
    currency: str
    amount: Decimal
    issued_on: date
    due_on: date
    paid_on: date | None
    paid_amount: Amount
    created_at: datetime
    updated_at: datetime


@router.get("/companies/{company_id}/invoices", response=list[InvoiceOut],
            summary="A company's invoices, newest first (at most `limit`)")
def invoice_list(request, company_id: int, limit: int = Query(500, ge=1, le=5000)):
    return list(invoices_of(user=request.auth_user,
                            company=_company(request, company_id))[:limit])


@router.post("/companies/{company_id}/invoices", response={201: InvoiceOut},
             summary="Record an invoice (the company is then assessed again)")
def invoice_add(request, company_id: int, payload: InvoiceIn):
    return Status(201, invoice_create(by=request.auth_user,
                                      company=_company(request, company_id),
                                      data=_data(payload)))


@router.patch("/invoices/{invoice_id}", response=InvoiceOut, summary="Correct an invoice")
def invoice_patch(request, invoice_id: int, payload: InvoiceIn):
    invoice = get_visible_or_404(request.auth_user, Invoice, invoice_id)
    return invoice_update(by=request.auth_user, invoice=invoice, data=_data(payload))


@router.post("/invoices/{invoice_id}/paid", response=InvoiceOut,
             summary="Record that an invoice was paid")
def invoice_paid(request, invoice_id: int, payload: PaidIn):
    invoice = get_visible_or_404(request.auth_user, Invoice, invoice_id)
    return invoice_mark_paid(by=request.auth_user, invoice=invoice, paid_on=payload.paid_on,
                             paid_amount=payload.paid_amount)


# --- the checklist -------------------------------------------------------------------------


class ChecklistIn(Schema):
    """The answers; a question left out keeps its last answer."""

    years_in_business: Decimal | None = None
    registry_status: RegistryStatus | None = None
    legal_disputes: bool | None = None
    references: References | None = None
    ownership_known: bool | None = None


class ChecklistOut(Schema):
    id: int
    company_id: int
    years_in_business: Decimal | None
    registry_status: str
    legal_disputes: bool | None
    references: str
    ownership_known: bool | None
    answered_by_id: int | None
    answered_at: datetime


@router.get("/companies/{company_id}/checklist", response=list[ChecklistOut],
            summary="A company's checklist answers, the latest (the one scored) first")
def checklist_list(request, company_id: int):
    return list(checklist_history(user=request.auth_user,
                                  company=_company(request, company_id))[:100])


@router.post("/companies/{company_id}/checklist", response={201: ChecklistOut},
             summary="Answer the checklist (the company is then assessed again)")
def checklist_add(request, company_id: int, payload: ChecklistIn):
    data = {key: value for key, value in _data(payload).items()
            if not (key in {"registry_status", "references"} and value is None)}
    return Status(201, checklist_answer(by=request.auth_user,
                                        company=_company(request, company_id), data=data))


# --- assessments and the override ----------------------------------------------------------


class AssessmentOut(Schema):
    id: int
    company_id: int
    computed_at: datetime
    as_of: date
    probability: float
    low: float
    high: float
    band: str
    band_low: str
    band_high: str
    thin_data: bool
    hard_stop: bool
    credit_limit: Decimal | None
    currency: str
    terms: str
    terms_days: int | None
    factors: list[dict]
    summary: str
    missing: list[str]
    set_aside: list[str]
    completeness: float
    valid_until: date
    method: str
    variant: str
    z_score: float | None
    model_training_size: int | None
    model_trained_at: datetime | None
    is_current: bool


class OverrideOut(Schema):
    id: int
    company_id: int
    band: str
    reason: str
    by_id: int
    starts_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class CurrentOut(Schema):
    """The band that applies (the override's while one is in force) and why."""

    band: str | None
    meaning: str
    overridden: bool
    expired: bool
    assessment: AssessmentOut | None
    override: OverrideOut | None


class OverrideIn(Schema):
    band: str = Field(..., max_length=5)
    reason: str = Field(..., max_length=2000)
    expires_at: datetime | date


@router.get("/companies/{company_id}/assessment", response=CurrentOut,
            summary="The company's current assessment, with the head's override applied")
def assessment_get(request, company_id: int):
    return assessment_current(user=request.auth_user, company=_company(request, company_id))


@router.get("/companies/{company_id}/assessments", response=list[AssessmentOut],
            summary="Every assessment of the company, newest first (at most `limit`)")
def assessment_list(request, company_id: int, limit: int = Query(100, ge=1, le=1000)):
    return list(assessment_history(user=request.auth_user,
                                   company=_company(request, company_id))[:limit])


@router.post("/companies/{company_id}/override", response={201: OverrideOut},
             summary="Hold the company in a band until a date, with a reason (head only)")
def override_add(request, company_id: int, payload: OverrideIn):
    return Status(201, band_override(by=request.auth_user,
                                     company=_company(request, company_id),
                                     band=payload.band, reason=payload.reason,
                                     expires_at=payload.expires_at))


@router.post("/overrides/{override_id}/revoke", response=OverrideOut,
             summary="End an override now (head only)")
def override_revoke(request, override_id: int):
    override = get_visible_or_404(request.auth_user, BandOverride, override_id)
    return band_override_revoke(by=request.auth_user, override=override)


# --- companies by band ---------------------------------------------------------------------


class BandQuery(Schema):
    band: list[Band] = Field(default_factory=list)
    lifecycle: list[Lifecycle] = Field(default_factory=list)
    owner: RecordId | None = None
    expiring: bool = False
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=500)


class BandRowOut(Schema):
    id: int
    display_name: str
    lifecycle: str
    owner_id: int
    band: str | None
    computed_band: str | None
    override_band: str | None
    probability: float | None
    valid_until: date | None


class BandPage(Schema):
    items: list[BandRowOut]
    next_cursor: str | None


@router.get("/reliability/companies", response=BandPage,
            summary="Companies in my reach with their band (filters: band, lifecycle, owner, "
                    "expiring)")
def band_list(request: HttpRequest, query: Query[BandQuery]):
    filters = BandFilters(band=[b.value for b in query.band],
                          lifecycle=[v.value for v in query.lifecycle],
                          owner=query.owner, expiring=query.expiring)
    page = keyset_page(companies_by_band(user=request.auth_user, filters=filters),
                       keys=["id"], cursor=query.cursor, size=query.limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


# --- what-if -------------------------------------------------------------------------------


class WhatIfStatement(Schema):
    fiscal_year: int = Field(..., ge=1900, le=2200)
    currency: str = Field(..., pattern="^[A-Za-z]{3}$")
    revenue: Amount = None
    ebit: Amount = None
    net_income: Amount = None
    total_assets: Amount = None
    current_assets: Amount = None
    total_liabilities: Amount = None
    current_liabilities: Amount = None
    retained_earnings: Amount = None
    book_equity: Amount = None
    market_equity: Amount = None


class WhatIfInvoice(Schema):
    number: str = Field("", max_length=50)
    currency: str = Field(..., pattern="^[A-Za-z]{3}$")
    amount: Decimal = Field(..., allow_inf_nan=False)
    issued_on: date
    due_on: date
    paid_on: date | None = None


class WhatIfChecklist(Schema):
    years_in_business: float | None = Field(None, ge=0, le=1000)
    registry_status: RegistryStatus = RegistryStatus.UNKNOWN
    legal_disputes: bool | None = None
    references: References = References.NOT_CHECKED
    ownership_known: bool | None = None


class WhatIfIn(Schema):
    """Figures to score as if they were a company's; nothing is stored."""

    as_of: date | None = Field(None, description="default: today")
    listed: bool = False
    manufacturer: bool | None = None
    emerging_market: bool = False
    statements: list[WhatIfStatement] = Field(default_factory=list, max_length=30)
    invoices: list[WhatIfInvoice] = Field(default_factory=list, max_length=5000)
    checklist: WhatIfChecklist | None = None


class FactorOut(Schema):
    name: str
    label: str
    value: str
    points: float
    source: str


class WhatIfOut(Schema):
    as_of: date
    probability: float
    low: float
    high: float
    band: str
    band_meaning: str
    band_range: list[str]
    thin_data: bool
    summary: str
    method: str
    credit_limit: Decimal | None
    currency: str | None
    terms: str
    factors: list[FactorOut]
    completeness: float
    missing: list[str]
    valid_until: date
    hard_stop: bool
    set_aside: list[str]
    altman_variant: str | None
    z_score: float | None


def _finite(value: Decimal | None) -> Decimal | None:
    return value if value is None or value.is_finite() else None


@router.post("/reliability/what-if", response=WhatIfOut,
             summary="Score supplied figures without storing anything")
def what_if(request, payload: WhatIfIn):
    fields = ("revenue", "ebit", "net_income", "total_assets", "current_assets",
              "total_liabilities", "current_liabilities", "retained_earnings", "book_equity",
              "market_equity")
    statements = [Statement(fiscal_year=s.fiscal_year, currency=s.currency.upper(),
                            **{name: _finite(getattr(s, name)) for name in fields})
                  for s in payload.statements]
    invoices = [ScoredInvoice(issued=i.issued_on, due=i.due_on, amount=i.amount,
                              currency=i.currency.upper(), paid=i.paid_on, reference=i.number)
                for i in payload.invoices]
    as_of = payload.as_of or timezone.localdate()
    checklist = None
    if payload.checklist is not None:
        c = payload.checklist
        checklist = Checklist(answered_by=str(request.auth_user), answered_on=as_of,
                              years_in_business=c.years_in_business,
                              registry_status=ScoredRegistry(c.registry_status.value),
                              legal_disputes=c.legal_disputes,
                              references=ScoredReferences(c.references.value),
                              ownership_known=c.ownership_known)
    scored = assessment_what_if(
        user=request.auth_user, as_of=as_of,
        profile=Profile(listed=payload.listed, manufacturer=payload.manufacturer,
                        emerging_market=payload.emerging_market),
        statements=statements, invoices=invoices, checklist=checklist)
    latest = scored.altman.latest if scored.altman else None
    return {
        "as_of": scored.as_of, "probability": scored.probability, "low": scored.low,
        "high": scored.high, "band": scored.band.value, "band_meaning": scored.band_meaning,
        "band_range": [b.value for b in scored.band_range], "thin_data": scored.thin_data,
        "summary": scored.summary, "method": scored.method, "credit_limit": scored.credit_limit,
        "currency": scored.currency, "terms": scored.terms,
        "factors": [f.__dict__ for f in scored.factors], "completeness": scored.completeness,
        "missing": list(scored.missing), "valid_until": scored.valid_until,
        "hard_stop": scored.hard_stop, "set_aside": list(scored.set_aside),
        "altman_variant": latest.variant.value if latest else None,
        "z_score": latest.score if latest else None,
    }
