"""Exports of company and contact lists (the same filters as the list page and the API)."""

from collections.abc import Iterable

from django.utils.translation import gettext as _

from khata.clients.selectors import CompanyFilters, companies_visible, contacts_visible

COMPANY_COLUMNS = [
    (_("Name"), lambda c: c.display_name), (_("Legal name"), lambda c: c.legal_name),
    (_("Tax number"), lambda c: c.tax_number), (_("Tax number type"), lambda c: c.tax_scheme),
    (_("Registration number"), lambda c: c.registration_number),
    (_("Industry"), lambda c: c.industry.code if c.industry else ""),
    (_("Employees"), lambda c: c.employees), (_("Size"), lambda c: c.size_tier),
    (_("Revenue"), lambda c: c.revenue_band), (_("Country"), lambda c: c.country),
    (_("Region / state"), lambda c: c.region), (_("City"), lambda c: c.city),
    (_("Website"), lambda c: c.website), (_("Lifecycle"), lambda c: c.lifecycle),
    (_("Owner"), lambda c: c.owner.email), (_("Source"), lambda c: c.source),
    (_("Needs"), lambda c: ", ".join(need.name for need in c.needs.all())),
    (_("Last verified"), lambda c: c.last_verified_at.date().isoformat()
     if c.last_verified_at else ""),
    (_("Notes"), lambda c: c.notes),
]
CONTACT_COLUMNS = [
    (_("Name"), lambda c: c.name), (_("Company"), lambda c: c.company.display_name),
    (_("Job title"), lambda c: c.job_title), (_("Role in buying"), lambda c: c.buying_role),
    (_("E-mail"), lambda c: c.email), (_("Phone"), lambda c: c.phone),
    (_("Mobile"), lambda c: c.mobile), (_("Fax"), lambda c: c.fax),
]


def companies_export(*, user, filters: CompanyFilters) -> tuple[list[str], Iterable[list]]:
    """Headers and rows of every company the filters select (streamed in chunks)."""
    queryset = companies_visible(user=user, filters=filters).order_by("display_name", "id")
    rows = ([getter(company) for _header, getter in COMPANY_COLUMNS]
            for company in queryset.iterator(chunk_size=2000))
    return [header for header, _getter in COMPANY_COLUMNS], rows


def contacts_export(*, user, q: str = "", company: int | None = None
                    ) -> tuple[list[str], Iterable[list]]:
    """Headers and rows of the contacts in reach."""
    queryset = contacts_visible(user=user, q=q, company=company).order_by("name", "id")
    rows = ([getter(contact) for _header, getter in CONTACT_COLUMNS]
            for contact in queryset.iterator(chunk_size=2000))
    return [header for header, _getter in CONTACT_COLUMNS], rows


def companies_export_rows(*, companies) -> Iterable[list]:
    """Rows for companies already chosen (and checked) by the caller."""
    for company in companies:
        yield [getter(company) for _header, getter in COMPANY_COLUMNS]


def company_headers() -> list[str]:
    return [header for header, _getter in COMPANY_COLUMNS]
