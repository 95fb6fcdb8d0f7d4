"""Importing companies and contacts (CSV, XLSX, vCard) with duplicate detection.

Registered with the engine in `core.importing` when the app is ready. Duplicates are looked up
a chunk at a time: exact tax number, exact e-mail, same web domain, and a fuzzy name match
(rapidfuzz) among companies in the same city whose name starts alike (blocking keeps it fast).
"""

import re

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process

from khata.clients.choices import Lifecycle
from khata.clients.models import Company, Consent, Contact, Industry
from khata.clients.search import ids_matching_any, name_prefix_ids
from khata.clients.services import (
    COMPANY_FIELDS,
    CONTACT_FIELDS,
    company_update,
    company_validate,
    contact_update,
    contact_validate,
    need_create,
)
from khata.clients.validation import name_key
from khata.core.bulk import insert_values
from khata.core.choices import ChangeAction
from khata.core.importing import Importer, Row, register
from khata.core.models import Change
from khata.core.tables import Table, TableError
from khata.team.access import acting_for, ensure, may_act_for, visible_to

LIFECYCLE_WORDS = {
    "prospect": Lifecycle.PROSPECT, "lead": Lifecycle.PROSPECT, "opportunity": Lifecycle.PROSPECT,
    "client": Lifecycle.CLIENT, "customer": Lifecycle.CLIENT, "active": Lifecycle.CLIENT,
    "former": Lifecycle.FORMER, "former client": Lifecycle.FORMER, "churned": Lifecycle.FORMER,
    "former customer": Lifecycle.FORMER, "blocked": Lifecycle.BLOCKED,
}
FUZZY_THRESHOLD = 90


def _first_word(name: str) -> str:
    key = name_key(name)
    return key.split()[0] if key else ""


def _owner(job):
    return job.owner or job.created_by


class CompanyImporter(Importer):
    kind = "companies"
    label = _("Companies")
    fields = {
        "display_name": _("Name"), "legal_name": _("Legal name"),
        "tax_number": _("Tax number"), "registration_number": _("Registration number"),
        "industry": _("Industry"), "employees": _("Employees"), "country": _("Country"),
        "region": _("Region / state"), "city": _("City"), "website": _("Website"),
        "lifecycle": _("Lifecycle"), "source": _("Source"), "needs": _("Needs"),
        "notes": _("Notes"),
    }
    required = ("display_name",)
    tables = ("clients_company", "clients_company_needs", "core_change")
    synonyms = {
        "display_name": ("name", "company", "company name", "account name", "account",
                         "organization", "organisation", "organization name", "firm"),
        "legal_name": ("registered name", "company legal name", "legal entity"),
        "tax_number": ("vat", "tax id", "gstin", "gst", "gst number", "gstin/uin", "vat number",
                       "tax number", "pan", "ein", "tax identification number", "vat id"),
        "registration_number": ("company registry", "cin", "registration no",
                                "company registration number", "crn"),
        "industry": ("industry id", "sector", "isic", "nace", "industry code"),
        "employees": ("number of employees", "no of employees", "employee count", "headcount",
                      "employees count"),
        "country": ("country id", "country/region", "billing country", "country code"),
        "region": ("state", "state id", "state/region", "billing state",
                   "billing state/province", "province"),
        "city": ("billing city", "town"),
        "website": ("company domain name", "domain", "web", "url", "website url", "web site"),
        "lifecycle": ("lifecycle stage", "type", "account type", "status", "customer status"),
        "source": ("lead source", "original source", "source id", "account source"),
        "needs": ("tags", "interests", "needs"),
        "notes": ("description", "comment", "comments", "internal notes", "about"),
    }

    def check_rights(self, *, job) -> None:
        # A manager imports into their own portfolio (or one they cover); the head anywhere.
        if not may_act_for(job.created_by, _owner(job)):
            ensure(job.created_by, "manage_team")

    def clean(self, row: Row, *, job) -> None:
        values = {name: value for name, value in row.values.items() if value != ""}
        notes = [values.get("notes", "")]
        if "industry" in values:
            industry = _industry_from(values["industry"], job)
            if industry is None:
                notes.append(_("Industry in the file: %(v)s") % {"v": values["industry"]})
                values.pop("industry")
            else:
                values["industry"] = industry
        if "lifecycle" in values:
            word = values["lifecycle"].strip().casefold()
            values["lifecycle"] = LIFECYCLE_WORDS.get(word, word)
        if "needs" in values:
            values["needs"] = [part.strip() for part in re.split(r"[;,|]", values["needs"])
                               if part.strip()]
        notes = "\n".join(note for note in notes if note)
        if notes:
            values["notes"] = notes
        values["owner"] = _owner(job)
        needs = values.pop("needs", [])
        row.cleaned, row.errors = company_validate(by=job.created_by, data=values)
        if "display_name" not in row.values or not row.values["display_name"].strip():
            row.errors["display_name"] = [_("The name is empty.")]
        row.cleaned["needs"] = needs
        row.update_values = {name: value for name, value in row.values.items()
                             if value != "" and name not in {"needs", "industry", "lifecycle"}}
        for name in ("industry", "lifecycle"):  # as cleaned above (codes, known words)
            if name in values and name in row.values:
                value = values[name]
                row.update_values[name] = getattr(value, "code", value)

    def keys(self, row: Row) -> list[tuple]:
        keys = []
        if row.cleaned.get("tax_number"):
            keys.append((_("tax number"), row.cleaned["tax_number"]))
        if row.cleaned.get("domain"):
            keys.append((_("web domain"), row.cleaned["domain"]))
        keys.append((_("name and city"), name_key(row.cleaned.get("display_name", "")),
                     (row.cleaned.get("city") or "").casefold()))
        return keys

    def find_duplicates(self, rows: list[Row], *, job) -> None:
        # Only records the importer may update count as duplicates to update.
        scope = visible_to(job.created_by, Company.objects.all(), "change")
        taxes = {row.cleaned["tax_number"] for row in rows if row.cleaned.get("tax_number")}
        domains = {row.cleaned["domain"] for row in rows if row.cleaned.get("domain")}
        by_tax = dict(scope.filter(tax_number__in=taxes).values_list("tax_number", "pk"))
        by_domain = dict(scope.filter(domain__in=domains).values_list("domain", "pk"))
        fuzzy = []
        for row in rows:
            tax, domain = row.cleaned.get("tax_number"), row.cleaned.get("domain")
            if tax and tax in by_tax:
                row.duplicate_of, row.duplicate_reason = by_tax[tax], _("same tax number")
            elif domain and domain in by_domain:
                row.duplicate_of, row.duplicate_reason = by_domain[domain], _("same web domain")
            else:
                fuzzy.append(row)
        candidates = _fuzzy_candidates(scope, fuzzy)
        for row in fuzzy:
            key = name_key(row.cleaned.get("display_name", ""))
            pool = candidates.get((row.cleaned.get("city") or "").casefold(), [])
            if not key or not pool:
                continue
            # rapidfuzz compares in C; ties go to the newest company, as before.
            matches = process.extract(key, [other for _pk, other in pool],
                                      scorer=fuzz.token_sort_ratio,
                                      score_cutoff=FUZZY_THRESHOLD, limit=None)
            if matches:
                score, pk = max((score, pool[index][0]) for _other, score, index in matches)
                row.duplicate_of = pk
                row.duplicate_reason = _("similar name in the same city (%(score)d%%)") % {
                    "score": score}

    def write(self, rows: list[Row], *, job) -> None:
        creates = [row for row in rows if row.action == "create"]
        for row in rows:
            if row.action == "update":
                company = Company.objects.get(pk=row.duplicate_of)
                company_update(by=job.created_by, company=company,
                               data={**row.update_values,
                                     **({"needs": row.cleaned["needs"]}
                                        if row.cleaned["needs"] else {})})
        if not creates:
            return
        companies = [Company(**{name: value for name, value in row.cleaned.items()
                                if name != "needs"}) for row in creates]
        Company.objects.bulk_create(companies)
        need_cache = {}
        links = set()
        for row, company in zip(creates, companies, strict=True):
            for name in row.cleaned["needs"]:
                key = name.casefold()
                if key not in need_cache:
                    need_cache[key] = need_create(by=job.created_by, name=name)
                links.add((company.pk, need_cache[key].pk))
        # The companies are new, so the only repeats are within a row ("ERP; erp"): a set.
        insert_values(Company.needs.through, ["company_id", "need_id"], sorted(links))
        _log_creations(job, companies, [[f for f in COMPANY_FIELDS if f in row.cleaned]
                                        for row in creates])


def _fuzzy_candidates(scope, rows: list[Row]) -> dict[str, list[tuple]]:
    """Companies in the same city whose name starts with the same word as a row's, by city:
    {city: [(pk, name key)]}. One indexed query per chunk (clients/search.py), not a scan."""
    firsts: dict[str, set[str]] = {}  # city → first words of the rows there
    for row in rows:
        first = _first_word(row.cleaned.get("display_name", ""))
        if first:
            firsts.setdefault((row.cleaned.get("city") or "").casefold(), set()).add(first)
    if not firsts:
        return {}
    lengths = {city: {len(first) for first in words} for city, words in firsts.items()}
    words = set().union(*firsts.values())
    candidates: dict[str, list[tuple]] = {}
    found = scope.filter(ids_matching_any(name_prefix_ids(words)))
    for pk, name, city in found.values_list("pk", "display_name", "city"):
        city, folded = city.casefold(), name.casefold()
        if any(folded[:length] in firsts[city] for length in lengths.get(city, ())):
            candidates.setdefault(city, []).append((pk, name_key(name)))
    return candidates


def _industry_from(text: str, job):
    """An industry by ISIC code or exact name, from a per-job cache (no query per row)."""
    cache = getattr(job, "_industries", None)
    if cache is None:
        cache = {}
        for industry in Industry.objects.all():
            cache[industry.code.casefold()] = industry
            cache[industry.name.casefold()] = industry
        job._industries = cache
    return cache.get((text or "").strip().casefold())


def _log_creations(job, objects, field_lists) -> None:
    content_type = ContentType.objects.get_for_model(objects[0])
    message = _("imported from %(file)s") % {"file": job.filename[:200]}
    # A substitute importing into the portfolio they cover does it on the owner's behalf; a
    # job has one owner, so the first record answers for all.
    on_behalf_id = acting_for(job.created_by, objects[0])
    insert_values(Change, ["actor_id", "on_behalf_of_id", "action", "content_type_id",
                           "object_id", "object_repr", "message", "changes"], (
        (job.created_by_id, on_behalf_id, ChangeAction.CREATE, content_type.pk, str(obj.pk),
         str(obj)[:200], message,
         {name: [None, _json(getattr(obj, name + "_id", getattr(obj, name)))]
          for name in fields})
        for obj, fields in zip(objects, field_lists, strict=True)
    ))


def _json(value):
    from khata.core.changelog import json_value

    return json_value(value)


class ContactImporter(Importer):
    kind = "contacts"
    label = _("Contacts")
    fields = {
        "name": _("Name"), "first_name": _("First name"), "last_name": _("Last name"),
        "company": _("Company"), "job_title": _("Job title"), "buying_role": _("Role in buying"),
        "email": _("E-mail"), "phone": _("Phone"), "mobile": _("Mobile"), "fax": _("Fax"),
        "email_consent": _("E-mail consent"), "notes": _("Notes"),
    }
    required = ("company",)
    tables = ("clients_contact", "clients_consent", "clients_company", "core_change")
    synonyms = {
        "name": ("full name", "contact name", "contact", "display name", "formatted name"),
        "first_name": ("firstname", "given name"),
        "last_name": ("lastname", "surname", "family name"),
        "company": ("company name", "account name", "account", "organization", "organisation",
                    "related company", "associated company", "company id", "parent id"),
        "job_title": ("title", "function", "position", "job position", "designation"),
        "email": ("e-mail", "email address", "primary email", "work email", "e mail"),
        "phone": ("business phone", "work phone", "phone number", "telephone", "office phone"),
        "mobile": ("mobile phone", "cell", "cell phone", "mobile number"),
        "fax": ("fax number", "business fax"),
        "email_consent": ("email opt in", "marketing consent", "email consent", "opted in"),
        "notes": ("description", "comment", "comments"),
    }
    YES = {"yes", "y", "true", "1", "opt in", "opted in", "granted", "हाँ"}

    def read(self, data: bytes, filename: str) -> Table:
        if filename.lower().endswith(".vcf") or data.lstrip()[:11].upper() == b"BEGIN:VCARD":
            return read_vcards(data)
        return super().read(data, filename)

    def check_rights(self, *, job) -> None:
        # A manager imports into their own portfolio (or one they cover); the head anywhere.
        if not may_act_for(job.created_by, _owner(job)):
            ensure(job.created_by, "manage_team")

    def clean(self, row: Row, *, job) -> None:
        values = {name: value for name, value in row.values.items() if value != ""}
        name = values.pop("name", "") or " ".join(
            part for part in [values.pop("first_name", ""), values.pop("last_name", "")] if part)
        values.pop("first_name", None)
        values.pop("last_name", None)
        company_name = values.pop("company", "").strip()
        consent = values.pop("email_consent", "").strip().casefold()
        values["name"] = name
        row.cleaned, row.errors = contact_validate(by=job.created_by, data=values)
        if not name.strip():
            row.errors["name"] = [_("The name is empty.")]
        if not company_name:
            row.errors["company"] = [_("Name the company this person works at.")]
        row.cleaned["company_name"] = company_name
        row.cleaned["email_consent"] = consent in self.YES
        row.update_values = {key: value for key, value in values.items() if value != ""}

    def keys(self, row: Row) -> list[tuple]:
        keys = [(_("name at the same company"), row.cleaned.get("name", "").casefold(),
                 name_key(row.cleaned.get("company_name", "")))]
        if row.cleaned.get("email"):
            keys.append((_("e-mail"), row.cleaned["email"].casefold()))
        return keys

    def find_duplicates(self, rows: list[Row], *, job) -> None:
        scope = visible_to(job.created_by, Contact.objects.all(), "change")
        emails = {row.cleaned["email"].casefold() for row in rows if row.cleaned.get("email")}
        by_email = {}
        for pk, email in scope.filter(email__in=emails).values_list("pk", "email"):
            by_email[email.casefold()] = pk
        names = {row.cleaned.get("name", "") for row in rows}
        by_name = {}
        for pk, name, company in scope.filter(name__in=names).values_list(
                "pk", "name", "company__display_name"):
            by_name[(name.casefold(), name_key(company))] = pk
        for row in rows:
            email = (row.cleaned.get("email") or "").casefold()
            same_person = (row.cleaned.get("name", "").casefold(),
                           name_key(row.cleaned.get("company_name", "")))
            if email and email in by_email:
                row.duplicate_of, row.duplicate_reason = by_email[email], _("same e-mail")
            elif same_person in by_name:
                row.duplicate_of = by_name[same_person]
                row.duplicate_reason = _("same name at the same company")

    def write(self, rows: list[Row], *, job) -> None:
        owner = _owner(job)
        companies = _companies_by_name(job, {row.cleaned["company_name"] for row in rows})
        created = []
        for row in rows:
            if row.action == "update":
                contact = Contact.objects.get(pk=row.duplicate_of)
                contact_update(by=job.created_by, contact=contact, data=row.update_values)
                continue
            key = name_key(row.cleaned["company_name"])
            company = companies.get(key)
            if company is None:
                company = Company.objects.create(display_name=row.cleaned["company_name"][:200],
                                                 owner=owner)
                _log_creations(job, [company], [["display_name", "owner"]])
                companies[key] = company
            data = {name: value for name, value in row.cleaned.items()
                    if name in CONTACT_FIELDS}
            created.append((Contact(company=company, **data), row.cleaned["email_consent"]))
        if not created:
            return
        Contact.objects.bulk_create([contact for contact, _consent in created])
        Consent.objects.bulk_create([
            Consent(contact=contact, channel="email", status="granted", method="import",
                    at=job.created_at, recorded_by=job.created_by,
                    note=_("imported from %(file)s") % {"file": job.filename[:200]})
            for contact, consent in created if consent])
        _log_creations(job, [contact for contact, _consent in created],
                       [["name", "company", "email", "phone"]] * len(created))


def _companies_by_name(job, names: set[str]) -> dict:
    """Companies in reach by their normalised name (the new contacts' employers)."""
    keys = {name_key(name) for name in names if name}
    # The contacts join the job's portfolio, so their employers must be in it too.
    scope = visible_to(job.created_by, Company.objects.filter(owner=_owner(job)))
    found = {}
    firsts = sorted({key.split()[0] for key in keys if key})
    for start in range(0, len(firsts), 100):  # SQLite limits an expression's depth
        condition = Q(pk__in=[])
        for first in firsts[start:start + 100]:
            condition |= Q(display_name__icontains=first)
        for company in scope.filter(condition).order_by("id"):
            key = name_key(company.display_name)
            if key in keys:
                found.setdefault(key, company)
    return found


def read_vcards(data: bytes) -> Table:
    """vCard 3/4 files (phones' and mail programs' exports) as a table of contacts."""
    import vobject

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    headers = ["Name", "E-mail", "Phone", "Mobile", "Fax", "Job title", "Company"]
    rows = []
    try:
        for card in vobject.readComponents(text, ignoreUnreadable=True):
            phones = {"phone": "", "mobile": "", "fax": ""}
            for tel in card.contents.get("tel", []):
                kinds = {kind.lower() for kind in tel.params.get("TYPE", [])}
                slot = "fax" if "fax" in kinds else "mobile" if kinds & {"cell", "mobile"} \
                    else "phone"
                phones[slot] = phones[slot] or str(tel.value)
            org = card.contents.get("org", [])
            company = org[0].value[0] if org and org[0].value else ""
            rows.append([
                str(card.fn.value) if "fn" in card.contents else "",
                str(card.email.value) if "email" in card.contents else "",
                phones["phone"], phones["mobile"], phones["fax"],
                str(card.title.value) if "title" in card.contents else "", str(company),
            ])
    except Exception as exc:  # vobject raises ParseError and friends for broken cards
        raise TableError(_("This vCard file cannot be read: %(e)s") % {"e": exc}) from exc
    if not rows:
        raise TableError(_("The file has no contacts in it."))
    return Table(headers=headers, rows=rows, encoding="utf-8")


register(CompanyImporter())
register(ContactImporter())
