"""Importing lead lists (a purchased list, a fair's badge scans) under a search method.

The method is chosen at upload (`job.options["search_method"]`); every row becomes a lead of
that method in the job's portfolio. A row that repeats a lead already recorded under the same
method (same e-mail, same web domain, or same name in the same city) is a duplicate: skipped or
updated as the person chooses, so importing the same list twice creates nothing twice. A row
that looks like a company already in the database is flagged on the lead, not refused.
"""

from contextlib import suppress

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from khata.clients.selectors import company_lookalike
from khata.clients.services import need_create
from khata.clients.validation import name_key
from khata.core.changelog import record_changes
from khata.core.choices import ChangeAction
from khata.core.importing import Importer, Row, register
from khata.prospecting.models import Lead, SearchMethod
from khata.prospecting.services import LEAD_FIELDS, lead_update, lead_validate
from khata.team.access import ensure, may_act_for, visible_to


def _method(job) -> SearchMethod:
    cached = getattr(job, "_search_method", None)
    if cached is None:
        cached = visible_to(job.created_by, SearchMethod.objects.filter(
            pk=(job.options or {}).get("search_method"))).first()
        job._search_method = cached
    return cached


class LeadImporter(Importer):
    kind = "leads"
    label = gettext_lazy("Leads (under a search method)")
    fields = {
        "company_name": gettext_lazy("Company"), "contact_name": gettext_lazy("Contact person"),
        "first_name": gettext_lazy("First name"), "last_name": gettext_lazy("Last name"),
        "job_title": gettext_lazy("Job title"), "email": gettext_lazy("E-mail"),
        "phone": gettext_lazy("Phone"), "website": gettext_lazy("Website"),
        "country": gettext_lazy("Country"), "region": gettext_lazy("Region / state"),
        "city": gettext_lazy("City"), "industry": gettext_lazy("Industry (ISIC code)"),
        "size_tier": gettext_lazy("Size"), "needs": gettext_lazy("Needs"),
        "notes": gettext_lazy("Notes"),
    }
    required = ("company_name",)
    tables = ("prospecting_lead",)
    synonyms = {
        "company_name": ("company", "company name", "account name", "organisation",
                         "organization", "firm"),
        "contact_name": ("contact", "full name", "name", "contact name", "person"),
        "first_name": ("first name", "firstname", "given name"),
        "last_name": ("last name", "lastname", "surname", "family name"),
        "job_title": ("title", "job title", "designation", "position"),
        "email": ("e-mail", "email", "email address", "work email"),
        "phone": ("phone", "telephone", "mobile", "phone number", "work phone"),
        "website": ("website", "web", "url", "company website"),
        "region": ("state", "region", "province", "state/region"),
        "city": ("city", "town"),
        "country": ("country", "country code"),
        "industry": ("industry", "isic", "sector"),
        "needs": ("needs", "interests", "tags"),
        "notes": ("notes", "description", "comments"),
    }

    def check_rights(self, *, job) -> None:
        if not may_act_for(job.created_by, job.owner or job.created_by):
            ensure(job.created_by, "manage_team")
        if _method(job) is None:
            raise ValidationError({"search_method": [
                _("Choose the search method the list came from.")]})

    def clean(self, row: Row, *, job) -> None:
        values = {name: value for name, value in row.values.items() if value != ""}
        first, last = values.pop("first_name", ""), values.pop("last_name", "")
        if not values.get("contact_name") and (first or last):
            values["contact_name"] = f"{first} {last}".strip()
        needs = [part.strip() for part in values.pop("needs", "").replace(";", ",").split(",")
                 if part.strip()]
        values["search_method"] = _method(job)
        values["owner"] = job.owner or job.created_by
        row.cleaned, row.errors = lead_validate(by=job.created_by, data=values)
        if not (row.values.get("company_name") or "").strip():
            row.errors["company_name"] = [_("The company is empty.")]
        row.cleaned["needs"] = needs
        row.update_values = {name: value for name, value in values.items()
                             if name in LEAD_FIELDS and name not in {"search_method", "owner"}}

    def keys(self, row: Row, *, job) -> list[tuple]:
        keys = []
        if row.cleaned.get("email"):
            keys.append((_("e-mail"), row.cleaned["email"].casefold()))
        if row.cleaned.get("domain"):
            keys.append((_("web domain"), row.cleaned["domain"]))
        keys.append((_("name and city"), name_key(row.cleaned.get("company_name", "")),
                     (row.cleaned.get("city") or "").casefold()))
        return keys

    def find_duplicates(self, rows: list[Row], *, job) -> None:
        scope = visible_to(job.created_by, Lead.objects.filter(search_method=_method(job)),
                           "change")
        emails = {row.cleaned["email"] for row in rows if row.cleaned.get("email")}
        domains = {row.cleaned["domain"] for row in rows if row.cleaned.get("domain")}
        names = {name_key(row.cleaned.get("company_name", "")) for row in rows}
        by_email = {email.casefold(): pk for email, pk in
                    scope.filter(email__in=emails).values_list("email", "pk")}
        by_domain = dict(scope.filter(domain__in=domains).values_list("domain", "pk"))
        by_name = {}
        firsts = {key.split()[0] for key in names if key}
        for first in firsts:
            for pk, name, city in scope.filter(company_name__icontains=first).values_list(
                    "pk", "company_name", "city")[:500]:
                by_name.setdefault((name_key(name), city.casefold()), pk)
        for row in rows:
            email, domain = (row.cleaned.get("email") or "").casefold(), row.cleaned.get("domain")
            key = (name_key(row.cleaned.get("company_name", "")),
                   (row.cleaned.get("city") or "").casefold())
            if email and email in by_email:
                row.duplicate_of, row.duplicate_reason = by_email[email], _("same e-mail")
            elif domain and domain in by_domain:
                row.duplicate_of, row.duplicate_reason = by_domain[domain], _("same web domain")
            elif key[0] and key in by_name:
                row.duplicate_of, row.duplicate_reason = by_name[key], _("same name and city")

    def write(self, rows: list[Row], *, job, prepared=None) -> None:
        for row in rows:
            if row.action == "update":
                lead = Lead.objects.get(pk=row.duplicate_of)
                # A closed lead keeps what it had; the row counts as seen.
                with suppress(ValidationError):
                    lead_update(by=job.created_by, lead=lead, data=row.update_values)
        creates = [row for row in rows if row.action == "create"]
        if not creates:
            return
        leads = []
        for row in creates:
            values = {name: value for name, value in row.cleaned.items() if name != "needs"}
            lead = Lead(**values)
            lead.matches_company = company_lookalike(
                user=job.created_by, name=lead.company_name, city=lead.city,
                domain=lead.domain, email=lead.email)
            leads.append(lead)
        Lead.objects.bulk_create(leads)
        need_cache, links = {}, set()
        for row, lead in zip(creates, leads, strict=True):
            for name in row.cleaned["needs"]:
                if name.casefold() not in need_cache:
                    need_cache[name.casefold()] = need_create(by=job.created_by, name=name)
                links.add((lead.pk, need_cache[name.casefold()].pk))
        Lead.needs.through.objects.bulk_create(
            [Lead.needs.through(lead_id=lead_id, need_id=need_id)
             for lead_id, need_id in sorted(links)])
        _log(job, leads)


def _log(job, leads: list[Lead]) -> None:
    """One "created" entry per lead, written in batches (a list has thousands of rows)."""
    record_changes(actor=job.created_by, message=_("imported from %(file)s") % {
        "file": job.filename[:200]}, entries=(
        (lead, ChangeAction.CREATE, {"company_name": [None, lead.company_name],
                                     "search_method": [None, lead.search_method_id]})
        for lead in leads))


register(LeadImporter())
