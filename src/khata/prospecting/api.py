"""API of prospecting: search methods (with their figures), leads, segments (with members)."""

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from khata.clients.models import Company
from khata.prospecting.figures_selectors import method_figures_stored
from khata.prospecting.models import Lead, SearchMethod, Segment
from khata.prospecting.segments import FIELDS, OP_LABELS, describe
from khata.prospecting.selectors import (
    LeadFilters,
    disqualify_reasons,
    leads_visible,
    search_methods_visible,
    segment_members,
    segments_visible,
)
from khata.prospecting.services import (
    lead_create,
    lead_disqualify,
    lead_qualify,
    lead_release,
    lead_reopen,
    lead_update,
    search_method_create,
    search_method_update,
    segment_delete,
    segment_save,
)
from khata.team.access import get_visible_or_404

router = Router(tags=["prospecting"])


class PersonRef(Schema):
    id: int
    name: str
    email: str


class MethodOut(Schema):
    id: int
    name: str
    kind: str
    owner: PersonRef
    starts_on: date | None
    ends_on: date | None
    cost: Decimal
    currency: str
    notes: str
    is_active: bool
    form_enabled: bool
    routing: str


class MethodIn(Schema):
    name: str
    kind: str
    owner: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    cost: Decimal = Decimal("0")
    currency: str = "INR"
    notes: str = ""
    is_active: bool = True
    form_enabled: bool = False
    routing: str = "owner"
    routing_managers: list[str] | None = Field(None, description="round-robin: e-mails or ids")
    routing_regions: dict[str, str] | None = Field(None, description="region → e-mail or id")


class MethodPatch(Schema):
    name: str | None = None
    kind: str | None = None
    owner: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    cost: Decimal | None = None
    currency: str | None = None
    notes: str | None = None
    is_active: bool | None = None
    form_enabled: bool | None = None
    routing: str | None = None
    routing_managers: list[str] | None = None
    routing_regions: dict[str, str] | None = None


class FiguresOut(Schema):
    method: MethodOut
    leads: int
    qualified: int
    disqualified: int
    clients: int
    qualified_rate: float | None
    client_rate: float | None
    days_to_qualify: float | None
    cost_per_lead: Decimal | None
    cost_per_client: Decimal | None


class LeadOut(Schema):
    id: int
    search_method: int = Field(alias="search_method_id")
    owner: PersonRef
    company_name: str
    contact_name: str
    job_title: str
    email: str
    phone: str
    website: str
    country: str
    region: str
    city: str
    industry: str | None = Field(None, alias="industry.code")
    size_tier: str
    needs: list[str]
    notes: str
    status: str
    disqualify_reason: str | None = Field(None, alias="disqualify_reason.name")
    looks_like_company: int | None = Field(None, alias="matches_company_id")
    company: int | None = Field(None, alias="company_id")
    contact: int | None = Field(None, alias="contact_id")
    created_at: datetime
    closed_at: datetime | None
    held: bool

    @staticmethod
    def resolve_needs(obj) -> list[str]:
        return sorted(need.name for need in obj.needs.all())


class LeadIn(Schema):
    search_method: int
    company_name: str
    owner: int | None = None
    contact_name: str = ""
    job_title: str = ""
    email: str = ""
    phone: str = ""
    website: str = ""
    country: str = ""
    region: str = ""
    city: str = ""
    industry: str = ""
    size_tier: str = ""
    needs: list[str] = []
    notes: str = ""


class LeadPatch(Schema):
    company_name: str | None = None
    contact_name: str | None = None
    job_title: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    country: str | None = None
    region: str | None = None
    city: str | None = None
    industry: str | None = None
    size_tier: str | None = None
    notes: str | None = None


class QualifyIn(Schema):
    company: int | None = Field(None, description="join this existing company")
    create_new: bool = Field(False, description="create a new company even if one looks alike")


class DisqualifyIn(Schema):
    reason: int


class ReasonOut(Schema):
    id: int
    name: str


class SegmentOut(Schema):
    id: int
    name: str
    description: str
    owner: PersonRef
    rules: dict
    in_words: str

    @staticmethod
    def resolve_in_words(obj) -> str:
        return describe(obj.rules)


class SegmentIn(Schema):
    name: str
    description: str = ""
    rules: dict = Field(description='{"match": "all"|"any", "rules": [{"field", "op", "value"}'
                                    ' or nested groups]}; GET /segment-fields lists fields')


class SegmentPatch(Schema):
    name: str | None = None
    description: str | None = None
    rules: dict | None = None


class MemberOut(Schema):
    id: int
    display_name: str
    city: str
    region: str
    lifecycle: str
    owner: int = Field(alias="owner_id")


class FieldOut(Schema):
    field: str
    label: str
    kind: str
    operators: dict[str, str]
    choices: list[str]


class LeadQuery(Schema):
    q: str = ""
    status: str = ""
    search_method: int | None = None
    owner: int | None = None
    flagged: bool = False
    held: bool = False


@router.get("/search-methods", response=list[MethodOut], summary="Every search method")
@paginate
def methods(request):
    return search_methods_visible(user=request.auth_user)


@router.get("/search-methods/figures", response=list[FiguresOut],
            summary="Leads, qualified, clients, time and cost per method, best first")
def figures(request, response: HttpResponse):
    """From the stored figures (refreshed hourly) once they exist; `X-Figures-As-Of` says
    when they were counted (absent: counted just now)."""
    rows, as_of = method_figures_stored(user=request.auth_user)
    if as_of is not None:
        response.headers["X-Figures-As-Of"] = as_of.isoformat()
    return rows


@router.post("/search-methods", response={201: MethodOut})
def method_add(request, payload: MethodIn):
    return Status(201, search_method_create(by=request.auth_user,
                                            data=payload.dict(exclude_none=True)))


@router.get("/search-methods/{method_id}", response=MethodOut)
def method_get(request, method_id: int):
    return get_visible_or_404(request.auth_user, SearchMethod, method_id)


@router.patch("/search-methods/{method_id}", response=MethodOut)
def method_patch(request, method_id: int, payload: MethodPatch):
    method = get_visible_or_404(request.auth_user, SearchMethod, method_id)
    return search_method_update(by=request.auth_user, method=method,
                                data=payload.dict(exclude_unset=True))


@router.get("/leads", response=list[LeadOut], summary="Leads in my reach")
@paginate
def leads(request, filters: Query[LeadQuery]):
    return leads_visible(user=request.auth_user, filters=LeadFilters(**filters.dict())
                         ).select_related("industry").prefetch_related("needs")


@router.post("/leads", response={201: LeadOut}, summary="Take in a lead")
def lead_add(request, payload: LeadIn):
    return Status(201, lead_create(by=request.auth_user, data=payload.dict()))


@router.get("/leads/{lead_id}", response=LeadOut)
def lead_get(request, lead_id: int):
    return get_visible_or_404(request.auth_user, Lead, lead_id)


@router.patch("/leads/{lead_id}", response=LeadOut)
def lead_patch(request, lead_id: int, payload: LeadPatch):
    lead = get_visible_or_404(request.auth_user, Lead, lead_id)
    return lead_update(by=request.auth_user, lead=lead, data=payload.dict(exclude_unset=True))


@router.post("/leads/{lead_id}/qualify", response=LeadOut,
             summary="Make (or join) a company and contact")
def lead_qualify_api(request, lead_id: int, payload: QualifyIn):
    lead = get_visible_or_404(request.auth_user, Lead, lead_id)
    company = (get_visible_or_404(request.auth_user, Company, payload.company)
               if payload.company else None)
    return lead_qualify(by=request.auth_user, lead=lead, company=company,
                        create_new=payload.create_new)


@router.post("/leads/{lead_id}/disqualify", response=LeadOut)
def lead_disqualify_api(request, lead_id: int, payload: DisqualifyIn):
    lead = get_visible_or_404(request.auth_user, Lead, lead_id)
    return lead_disqualify(by=request.auth_user, lead=lead, reason=payload.reason)


@router.post("/leads/{lead_id}/reopen", response=LeadOut)
def lead_reopen_api(request, lead_id: int):
    lead = get_visible_or_404(request.auth_user, Lead, lead_id)
    return lead_reopen(by=request.auth_user, lead=lead)


@router.post("/leads/{lead_id}/release", response=LeadOut,
             summary="A lead held for review is genuine: work it as any other")
def lead_release_api(request, lead_id: int):
    lead = get_visible_or_404(request.auth_user, Lead, lead_id)
    return lead_release(by=request.auth_user, lead=lead)


@router.get("/disqualify-reasons", response=list[ReasonOut])
def reasons(request):
    return disqualify_reasons()


@router.get("/segment-fields", response=list[FieldOut],
            summary="The fields and operators segment rules may use")
def segment_fields(request):
    return [{"field": name, "label": str(field.label), "kind": field.kind,
             "operators": {op: str(OP_LABELS[op]) for op in field.ops},
             "choices": list(field.choices)} for name, field in FIELDS.items()]


@router.get("/segments", response=list[SegmentOut])
@paginate
def segments(request):
    return segments_visible(user=request.auth_user)


@router.post("/segments", response={201: SegmentOut})
def segment_add(request, payload: SegmentIn):
    return Status(201, segment_save(by=request.auth_user, data=payload.dict()))


@router.get("/segments/{segment_id}", response=SegmentOut)
def segment_get(request, segment_id: int):
    return get_visible_or_404(request.auth_user, Segment, segment_id)


@router.patch("/segments/{segment_id}", response=SegmentOut)
def segment_patch(request, segment_id: int, payload: SegmentPatch):
    segment = get_visible_or_404(request.auth_user, Segment, segment_id)
    return segment_save(by=request.auth_user, data=payload.dict(exclude_unset=True),
                        segment=segment)


@router.delete("/segments/{segment_id}", response={204: None})
def segment_remove(request, segment_id: int):
    segment = get_visible_or_404(request.auth_user, Segment, segment_id)
    segment_delete(by=request.auth_user, segment=segment)
    return Status(204, None)


@router.get("/segments/{segment_id}/members", response=list[MemberOut],
            summary="The companies in my reach that meet the segment's rules")
@paginate
def segment_member_list(request, segment_id: int):
    segment = get_visible_or_404(request.auth_user, Segment, segment_id)
    return segment_members(user=request.auth_user, segment=segment).order_by(
        "display_name", "id")
