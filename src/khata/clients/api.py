"""API of the client database: companies, contacts, needs, industries."""

from datetime import datetime

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from khata.clients.exporting import companies_export
from khata.clients.models import Address, Company, Contact, Merge
from khata.clients.selectors import (
    COMPANY_SORTS,
    CompanyFilters,
    companies_page,
    company_detail,
    contacts_visible,
    current_consent,
    industries,
    needs_all,
    with_visible_links,
)
from khata.clients.services import (
    address_add,
    address_delete,
    address_update,
    company_create,
    company_delete,
    company_merge,
    company_merge_undo,
    company_restore,
    company_update,
    company_verify,
    consent_record,
    contact_create,
    contact_delete,
    contact_link,
    contact_update,
    need_create,
)
from khata.core.ids import MAX_ID, RecordId
from khata.core.tables import csv_lines, write_xlsx
from khata.team.access import get_visible_or_404

router = Router(tags=["clients"])
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class NeedOut(Schema):
    id: int
    name: str
    description: str


class NeedIn(Schema):
    name: str
    description: str = ""


class IndustryOut(Schema):
    code: str
    name: str
    section: str | None = Field(None, alias="section.code")


class OwnerOut(Schema):
    id: int
    name: str
    email: str


class CompanyOut(Schema):
    id: int
    display_name: str
    legal_name: str
    registration_number: str
    tax_scheme: str
    tax_number: str
    industry: str | None = Field(None, alias="industry.code")
    employees: int | None
    size_tier: str
    revenue_band: str
    country: str
    region: str
    city: str
    website: str
    domain: str
    lifecycle: str
    owner: OwnerOut
    source: str
    needs: list[str]
    notes: str
    last_verified_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_needs(obj) -> list[str]:
        return [need.name for need in obj.needs.all()]


class CompanyPage(Schema):
    items: list[CompanyOut]
    next_cursor: str | None


class CompanyIn(Schema):
    """A company's fields; on PATCH send only what changes."""

    display_name: str | None = None
    legal_name: str | None = None
    registration_number: str | None = None
    tax_scheme: str | None = None
    tax_number: str | None = None
    industry: str | None = Field(None, description="ISIC code, e.g. C or 24")
    employees: int | None = None
    size_tier: str | None = None
    revenue_band: str | None = None
    country: str | None = None
    region: str | None = None
    city: str | None = None
    website: str | None = None
    lifecycle: str | None = None
    owner: int | None = Field(None, description="user id; the head only may name another owner")
    source: str | None = None
    needs: list[str] | None = Field(None, description="need names or ids; new names are added")
    notes: str | None = None


class CompanyQuery(Schema):
    q: str = Field("", description="name, e-mail, phone, tax number or web domain")
    industry: str = ""
    size_tier: list[str] = Field(default_factory=list)
    lifecycle: list[str] = Field(default_factory=list)
    country: str = ""
    region: str = ""
    owner: RecordId | None = None
    needs: list[RecordId] = Field(default_factory=list)
    freshness: str = Field("", pattern="^(|stale|fresh|never)$")
    quality: str = Field("", description="a data-health problem: no_contacts, no_industry, "
                         "no_tax_number or duplicates")
    sort: str = Field("name", pattern="^(" + "|".join(k.replace("-", "\\-")
                                                       for k in COMPANY_SORTS) + ")$")
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=500)


class ConsentOut(Schema):
    channel: str
    status: str
    method: str
    at: datetime


class ContactOut(Schema):
    id: int
    company: int = Field(alias="company_id")
    name: str
    job_title: str
    buying_role: str
    email: str
    email_alt: str
    phone: str
    mobile: str
    fax: str
    preferred_channel: str
    notes: str
    also_at: list[int]
    consent: list[ConsentOut]

    @staticmethod
    def resolve_also_at(obj) -> list[int]:
        return [company.pk for company in obj.visible_also_at]

    @staticmethod
    def resolve_consent(obj) -> list:
        return list(current_consent(obj).values())


class ContactIn(Schema):
    company: int | None = None
    name: str | None = None
    job_title: str | None = None
    buying_role: str | None = None
    email: str | None = None
    email_alt: str | None = None
    phone: str | None = None
    mobile: str | None = None
    fax: str | None = None
    preferred_channel: str | None = None
    notes: str | None = None


class AddressIn(Schema):
    kind: str | None = None
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    region: str | None = None
    postcode: str | None = None
    country: str | None = None
    contact: int | None = None


class AddressOut(Schema):
    id: int
    company: int = Field(alias="company_id")
    contact: int | None = Field(None, alias="contact_id")
    kind: str
    line1: str
    line2: str
    city: str
    region: str
    postcode: str
    country: str


class MergeIn(Schema):
    other: int = Field(description="the duplicate that is merged into this company")
    take_from_other: list[str] = Field(default_factory=list,
                                       description="fields whose value comes from the other")


class MergeOut(Schema):
    id: int
    survivor: int = Field(alias="survivor_id")
    merged: int = Field(alias="merged_id")
    at: datetime
    undone_at: datetime | None


class LinkIn(Schema):
    company: int


class ConsentIn(Schema):
    channel: str
    status: str
    method: str
    at: datetime | None = None
    note: str = ""


def _data(payload: Schema) -> dict:
    return payload.model_dump(exclude_unset=True)


@router.get("/companies", response=CompanyPage, summary="Companies in my reach")
def company_list(request: HttpRequest, query: Query[CompanyQuery]):
    filters = CompanyFilters(**query.model_dump(exclude={"cursor", "limit"}))
    page = companies_page(user=request.auth_user, filters=filters, cursor=query.cursor,
                          size=query.limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get("/companies/export", summary="The filtered list as CSV or XLSX",
            response={200: None})
def company_export(request: HttpRequest, query: Query[CompanyQuery],
                   format: str = Query("csv", pattern="^(csv|xlsx)$")):  # noqa: A002
    filters = CompanyFilters(**query.model_dump(exclude={"cursor", "limit"}))
    headers, rows = companies_export(user=request.auth_user, filters=filters)
    if format == "xlsx":
        response = HttpResponse(write_xlsx(headers, rows, title="Companies"),
                                content_type=XLSX_TYPE)
    else:
        response = StreamingHttpResponse(csv_lines(headers, rows), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="companies.{format}"'
    return response


@router.post("/companies", response={201: CompanyOut}, summary="Add a company")
def company_add(request, payload: CompanyIn):
    company = company_create(by=request.auth_user, data=_data(payload))
    return Status(201, company_detail(user=request.auth_user, pk=company.pk))


@router.get("/companies/{company_id}", response=CompanyOut)
def company_get(request, company_id: int):
    return company_detail(user=request.auth_user, pk=company_id)


@router.patch("/companies/{company_id}", response=CompanyOut, summary="Change some fields")
def company_patch(request, company_id: int, payload: CompanyIn):
    company = company_detail(user=request.auth_user, pk=company_id)
    company_update(by=request.auth_user, company=company, data=_data(payload))
    return company_detail(user=request.auth_user, pk=company_id)


@router.delete("/companies/{company_id}", response={204: None},
               summary="Delete (soft; POST …/restore undoes it)")
def company_remove(request, company_id: int):
    company = get_visible_or_404(request.auth_user, Company, company_id)
    company_delete(by=request.auth_user, company=company)
    return Status(204, None)


@router.post("/companies/{company_id}/restore", response=CompanyOut)
def company_undelete(request, company_id: int):
    company = get_visible_or_404(request.auth_user, Company.all_objects.all(), company_id)
    company_restore(by=request.auth_user, company=company)
    return company_detail(user=request.auth_user, pk=company_id)


@router.post("/companies/{company_id}/verify", response=CompanyOut,
             summary="Mark the data as checked today")
def company_check(request, company_id: int):
    company = get_visible_or_404(request.auth_user, Company, company_id)
    company_verify(by=request.auth_user, company=company)
    return company_detail(user=request.auth_user, pk=company_id)


@router.get("/contacts", response=list[ContactOut], summary="Contacts in my reach")
@paginate
def contact_list(request, q: str = "",
                 company: int | None = Query(None, ge=1, le=MAX_ID)):
    return with_visible_links(user=request.auth_user, queryset=contacts_visible(
        user=request.auth_user, q=q, company=company)).order_by("name", "id")


def _contact_out(request, contact_id: int) -> Contact:
    return get_visible_or_404(request.auth_user, with_visible_links(
        user=request.auth_user, queryset=Contact.objects.all()), contact_id)


@router.post("/contacts", response={201: ContactOut})
def contact_add(request, payload: ContactIn):
    contact = contact_create(by=request.auth_user, data=_data(payload))
    return Status(201, _contact_out(request, contact.pk))


@router.get("/contacts/{contact_id}", response=ContactOut)
def contact_get(request, contact_id: int):
    return _contact_out(request, contact_id)


@router.patch("/contacts/{contact_id}", response=ContactOut)
def contact_patch(request, contact_id: int, payload: ContactIn):
    contact = get_visible_or_404(request.auth_user, Contact, contact_id)
    contact_update(by=request.auth_user, contact=contact, data=_data(payload))
    return _contact_out(request, contact_id)


@router.delete("/contacts/{contact_id}", response={204: None})
def contact_remove(request, contact_id: int):
    contact = get_visible_or_404(request.auth_user, Contact, contact_id)
    contact_delete(by=request.auth_user, contact=contact)
    return Status(204, None)


@router.post("/contacts/{contact_id}/consents", response={201: ConsentOut},
             summary="Record consent given or withdrawn for a channel")
def contact_consent(request, contact_id: int, payload: ConsentIn):
    contact = get_visible_or_404(request.auth_user, Contact, contact_id)
    consent = consent_record(by=request.auth_user, contact=contact, **payload.model_dump())
    return Status(201, consent)


@router.get("/industries", response=list[IndustryOut], summary="ISIC sections and divisions")
def industry_list(request):
    return industries()


@router.get("/needs", response=list[NeedOut])
def need_list(request):
    return needs_all()


@router.post("/needs", response={201: NeedOut})
def need_add(request, payload: NeedIn):
    return Status(201, need_create(by=request.auth_user, name=payload.name,
                                   description=payload.description))


@router.post("/companies/{company_id}/merge", response={201: MergeOut},
             summary="Merge a duplicate into this company (undo with POST /merges/{id}/undo)")
def company_merge_api(request, company_id: int, payload: MergeIn):
    survivor = get_visible_or_404(request.auth_user, Company, company_id)
    other = get_visible_or_404(request.auth_user, Company, payload.other)
    return Status(201, company_merge(by=request.auth_user, survivor=survivor, other=other,
                                     take_from_other=set(payload.take_from_other)))


@router.post("/merges/{merge_id}/undo", response=CompanyOut, summary="Undo a merge")
def merge_undo_api(request, merge_id: int):
    merge = get_visible_or_404(request.auth_user, Merge, merge_id)
    company_merge_undo(by=request.auth_user, merge=merge)
    return company_detail(user=request.auth_user, pk=merge.survivor_id)


@router.get("/companies/{company_id}/addresses", response=list[AddressOut])
def address_list(request, company_id: int):
    company = get_visible_or_404(request.auth_user, Company, company_id)
    return company.addresses.all()


@router.post("/companies/{company_id}/addresses", response={201: AddressOut})
def address_create(request, company_id: int, payload: AddressIn):
    company = get_visible_or_404(request.auth_user, Company, company_id)
    return Status(201, address_add(by=request.auth_user, company=company,
                                   data=payload.model_dump(exclude_unset=True)))


@router.patch("/addresses/{address_id}", response=AddressOut)
def address_patch(request, address_id: int, payload: AddressIn):
    address = get_visible_or_404(request.auth_user, Address, address_id)
    return address_update(by=request.auth_user, address=address,
                          data=payload.model_dump(exclude_unset=True))


@router.delete("/addresses/{address_id}", response={204: None})
def address_remove(request, address_id: int):
    address = get_visible_or_404(request.auth_user, Address, address_id)
    address_delete(by=request.auth_user, address=address)
    return Status(204, None)


@router.post("/contacts/{contact_id}/links", response=ContactOut,
             summary="Link the contact to another company they also work with")
def contact_link_add(request, contact_id: int, payload: LinkIn):
    contact = get_visible_or_404(request.auth_user, Contact, contact_id)
    company = get_visible_or_404(request.auth_user, Company, payload.company)
    contact_link(by=request.auth_user, contact=contact, company=company)
    return _contact_out(request, contact_id)


@router.delete("/contacts/{contact_id}/links/{company_id}", response=ContactOut)
def contact_link_remove(request, contact_id: int, company_id: int):
    contact = get_visible_or_404(request.auth_user, Contact, contact_id)
    company = get_visible_or_404(request.auth_user, Company, company_id)
    contact_link(by=request.auth_user, contact=contact, company=company, linked=False)
    return _contact_out(request, contact_id)
