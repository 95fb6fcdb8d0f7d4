"""Importing companies and contacts (CSV, XLSX, vCard) with duplicate detection.

Registered with the engine in `core.importing` when the app is ready. Duplicates are looked up
a chunk at a time: exact tax number, exact e-mail, same web domain, and a fuzzy name match
(rapidfuzz) among companies in the same city whose name starts with the same four letters
(the block; `clients.search.name_block_matches` reads the blocks a chunk needs by their
index, each block once per run).
Values that repeat down a file (a city, a lifecycle word) are checked once per import, and
new companies are written as plain rows with their ids reserved first (`core.bulk`), so a
100,000-row file does not spend its time building model objects.
"""

import operator
import re

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process

from khata.clients.choices import Lifecycle
from khata.clients.models import Company, Consent, Contact, Industry, Need
from khata.clients.search import BLOCK_LETTERS, companies_with_values, name_block_matches
from khata.clients.services import (
    COMPANY_FIELDS,
    CONTACT_FIELDS,
    company_update,
    company_validator,
    contact_update,
    contact_validate,
    need_create,
)
from khata.clients.validation import name_key
from khata.core.bulk import PreparedInsert, insert_values, prepare_insert, reserve_ids
from khata.core.changelog import prepare_creations, record_creations
from khata.core.importing import Importer, Row, register
from khata.core.tables import Table, TableError
from khata.team.access import acting_for, ensure, may_act_for, visible_to

LIFECYCLE_WORDS = {
    "prospect": Lifecycle.PROSPECT, "lead": Lifecycle.PROSPECT, "opportunity": Lifecycle.PROSPECT,
    "client": Lifecycle.CLIENT, "customer": Lifecycle.CLIENT, "active": Lifecycle.CLIENT,
    "former": Lifecycle.FORMER, "former client": Lifecycle.FORMER, "churned": Lifecycle.FORMER,
    "former customer": Lifecycle.FORMER, "blocked": Lifecycle.BLOCKED,
}
FUZZY_THRESHOLD = 90
NEEDS_SEPARATORS = re.compile(r"[;,|]")
NEED_LENGTH = Need._meta.get_field("name").max_length


# Fields with few distinct values in a file (a city, a lifecycle word): each distinct value is
# checked once per import, not once per row.
REPEATING_FIELDS = ("industry", "employees", "country", "region", "city", "lifecycle", "source")
# The columns a new company is written with (`core.bulk.insert_values`): every field the
# company services check, by its column attribute (`owner_id`), after the reserved id.
CREATE_FIELDS = [Company._meta.get_field(name) for name in COMPANY_FIELDS]
CREATE_COLUMNS = ("id", *(field.attname for field in CREATE_FIELDS))
_CREATE_VALUES = operator.itemgetter(*COMPANY_FIELDS)  # a row's values in that order
_RELATED = frozenset(field.name for field in CREATE_FIELDS if field.is_relation)


def _owner(job):
    return job.owner or job.created_by


class _CompanyMatching:
    """One import's memory: checked values, candidate companies by block, and the file's own
    new companies (for a later row with a similar name). Lives on the job for the run."""

    def __init__(self, job):
        self.job = job
        self.checked: dict[tuple, tuple[dict, dict, str]] = {}  # (field, text) → its cleaning
        self.owner_check: tuple[dict, dict] | None = None
        self.industries: dict[str, Industry] | None = None  # code or name (casefolded) → it
        self.scope = visible_to(job.created_by, Company.objects.all(), "change")
        self.blocks: dict[tuple[str, str], _Pool] = {}  # block → the companies in it
        self.in_file: dict[tuple[str, str], _Pool] = {}  # block → earlier new rows of the file
        self.in_file_names: set[tuple[str, str]] = set()  # (city, name key) of those rows
        self.needs: dict[str, int] = {}  # need name (casefolded) → id
        self.validate = company_validator(by=job.created_by)  # the row's own fields
        self.key_labels = (_("tax number"), _("web domain"), _("name and city"))  # once a run
        # Companies this run creates. The database may hold them before the next chunk is
        # checked (or not yet, while the writer thread works): a row like one of them is a
        # duplicate of that row of the file, either way.
        self.created: set[int] = set()
        self.spare_ids: list[int] = []
        self.create_defaults = {field.name: field.get_default() for field in CREATE_FIELDS}
        # A substitute importing into the portfolio they cover does it on the owner's behalf.
        self.on_behalf_of = acting_for(job.created_by, Company(owner=_owner(job)))

    def check(self, name: str, text: str) -> tuple[dict, dict, str]:
        """One repeating field's clean values, errors and a note for the company's notes."""
        memo_key = (name, text)
        if memo_key not in self.checked:
            value, note = text, ""
            if name == "industry":
                value = self.industry(text)
                if value is None:
                    note = _("Industry in the file: %(v)s") % {"v": text}
            elif name == "lifecycle":
                word = text.strip().casefold()
                value = LIFECYCLE_WORDS.get(word, word)
            if value is None:
                self.checked[memo_key] = ({}, {}, note)
            else:
                cleaned, errors = self.validate({name: value})
                self.checked[memo_key] = (cleaned, errors, note)
        return self.checked[memo_key]

    def industry(self, text: str) -> Industry | None:
        """An industry by ISIC code or exact name (every industry read once a run)."""
        if self.industries is None:
            self.industries = {}
            for industry in Industry.objects.all():
                self.industries[industry.code.casefold()] = industry
                self.industries[industry.name.casefold()] = industry
        return self.industries.get((text or "").strip().casefold())

    def owner_checked(self) -> tuple[dict, dict]:
        if self.owner_check is None:
            self.owner_check = self.validate({"owner": _owner(self.job)})
        return self.owner_check

    def new_ids(self, count: int) -> list[int]:
        """Ids for the next `count` new companies. PostgreSQL's sequence hands them out
        10,000 at a time (one round trip, not one a chunk; unused ones are only a gap);
        SQLite's are valid inside the chunk's transaction only, so exactly as many."""
        if connection.vendor == "postgresql":
            if len(self.spare_ids) < count:
                self.spare_ids += reserve_ids(Company, max(count, 10_000))
            ids, self.spare_ids = self.spare_ids[:count], self.spare_ids[count:]
        else:
            ids = reserve_ids(Company, count)
        self.created.update(ids)
        return ids

    def allowed(self, ids: set[int]) -> set[int]:
        """The ids among `ids` of companies the importer may change, other than the ones this
        run created."""
        ids = sorted(ids - self.created)
        if not ids:
            return set()
        if connection.vendor == "postgresql":  # one array, not a placeholder per id
            return set(self.scope.filter(pk__in=RawSQL("SELECT unnest(%s::bigint[])", [ids]))
                       .order_by().values_list("pk", flat=True))
        allowed = set()
        for start in range(0, len(ids), 900):  # SQLite's limit on query parameters
            allowed.update(self.scope.filter(pk__in=ids[start:start + 900]).order_by()
                           .values_list("pk", flat=True))
        return allowed

    def fetch(self, wanted: dict[tuple[str, str], tuple[str, str]]) -> None:
        """Candidates for the blocks not asked about yet (block → a row's (city, name) in it),
        limited to what the importer may change (a colleague's company is created again in
        the importer's portfolio)."""
        asked = {pair: block for block, pair in wanted.items() if block not in self.blocks}
        if not asked:
            return
        for block in asked.values():
            self.blocks[block] = _Pool()
        found = name_block_matches(sorted(asked))
        allowed = self.allowed({pk for _city, _name, pk, _other in found})
        for city, name, pk, other in found:
            if pk in allowed:
                self.blocks[asked[(city, name)]].add(pk, _sorted_words(name_key(other)))


class _Pool:
    """Companies (or rows) of one block: ids and names with their words sorted, so
    `fuzz.ratio` on them is rapidfuzz's token_sort_ratio without sorting every candidate's
    words again for every row."""

    def __init__(self):
        self.ids: list = []
        self.names: list[str] = []

    def add(self, pk, sorted_name: str) -> None:
        self.ids.append(pk)
        self.names.append(sorted_name)

    def best(self, sorted_name: str) -> tuple[int, object] | None:
        """(score, id) of the most similar name at or above the threshold; ties go to the
        newest (the highest id)."""
        if not sorted_name or not self.ids:
            return None
        matches = process.extract(sorted_name, self.names, scorer=fuzz.ratio,
                                  score_cutoff=FUZZY_THRESHOLD, limit=None)
        if not matches:
            return None
        return max((score, self.ids[index]) for _name, score, index in matches)


def _sorted_words(key: str) -> str:
    return " ".join(sorted(key.split()))


def _blocks(row: Row) -> dict[tuple[str, str], tuple[str, str]]:
    """The blocks holding a row's candidates, each with the (city, name) to ask the database
    with: its name as written and its normalised name ("M/s. Tata Steel" is looked for under
    "Tata" too). Blocks are compared case-folded here, and by the database's UPPER there."""
    city = row.cleaned.get("city") or ""
    blocks = {}
    for name in (row.cleaned.get("display_name", ""), row.match_key):
        prefix = name[:BLOCK_LETTERS]
        if prefix.strip():
            blocks.setdefault((city.casefold(), prefix.casefold()), (city, prefix))
    return blocks


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
    parallel_write = True  # duplicates within the file: `keys` and the in-file name blocks
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

    def begin(self, *, job) -> None:
        job._company_matching = _CompanyMatching(job)

    def clean(self, row: Row, *, job) -> None:
        matching = job._company_matching
        values = {name: value for name, value in row.values.items() if value != ""}
        # The row's own fields are checked here; values that repeat down the file come from
        # the run's memory (`_CompanyMatching.check`), once per distinct value.
        data, cleaned, errors, notes = {}, {}, {}, []
        for name, value in values.items():
            if name in REPEATING_FIELDS:
                part, part_errors, note = matching.check(name, value)
                cleaned.update(part)
                if part_errors:
                    errors.update(part_errors)
                if note:
                    notes.append(note)
            elif name != "needs":
                data[name] = value
        if notes:
            data["notes"] = "\n".join([data["notes"], *notes] if "notes" in data else notes)
        if "country" in cleaned:
            data["country"] = cleaned["country"]  # reads the tax number in that country
        row_cleaned, row_errors = matching.validate(data)
        owner, owner_errors = matching.owner_checked()
        cleaned.update(row_cleaned)
        cleaned.update(owner)
        row.cleaned = cleaned
        row.errors = {**errors, **row_errors, **owner_errors}
        if not values.get("display_name", "").strip():
            row.errors["display_name"] = [_("The name is empty.")]
        needs = values.get("needs")
        cleaned["needs"] = [" ".join(part.split()) for part in NEEDS_SEPARATORS.split(needs)
                            if part.strip()] if needs else []
        too_long = [name for name in cleaned["needs"] if len(name) > NEED_LENGTH]
        if too_long:
            row.errors["needs"] = [_("“%(need)s” is longer than %(max)d characters.")
                                   % {"need": name[:30] + "…", "max": NEED_LENGTH}
                                   for name in too_long]
        row.match_key = name_key(cleaned.get("display_name", ""))
        row.update_values = {name: value for name, value in values.items()
                             if name not in {"needs", "industry", "lifecycle"}}
        if "industry" in cleaned:
            row.update_values["industry"] = cleaned["industry"].code
        if "lifecycle" in cleaned:
            row.update_values["lifecycle"] = cleaned["lifecycle"]

    def keys(self, row: Row, *, job) -> list[tuple]:
        tax, domain, name = job._company_matching.key_labels
        keys = []
        if row.cleaned.get("tax_number"):
            keys.append((tax, row.cleaned["tax_number"]))
        if row.cleaned.get("domain"):
            keys.append((domain, row.cleaned["domain"]))
        keys.append((name, row.match_key, (row.cleaned.get("city") or "").casefold()))
        return keys

    def find_duplicates(self, rows: list[Row], *, job) -> None:
        matching = job._company_matching
        taxes = {row.cleaned["tax_number"] for row in rows if row.cleaned.get("tax_number")}
        domains = {row.cleaned["domain"] for row in rows if row.cleaned.get("domain")}
        # Each question by its own index, then one answer from the access layer for all the
        # ids found: asked together, PostgreSQL intersected the tax index with the importer's
        # whole portfolio (400,000 ids) every chunk.
        tax_pairs = companies_with_values("tax_number", taxes)
        domain_pairs = companies_with_values("domain", domains)
        allowed = matching.allowed({pk for _value, pk in tax_pairs + domain_pairs})
        # A value may be on several companies (mine and a colleague's): the newest of mine.
        by_tax = dict(sorted((tax, pk) for tax, pk in tax_pairs if pk in allowed))
        by_domain = dict(sorted((domain, pk) for domain, pk in domain_pairs if pk in allowed))
        fuzzy = []
        for row in rows:
            tax, domain = row.cleaned.get("tax_number"), row.cleaned.get("domain")
            if tax and tax in by_tax:
                row.duplicate_of, row.duplicate_reason = by_tax[tax], _("same tax number")
            elif domain and domain in by_domain:
                row.duplicate_of, row.duplicate_reason = by_domain[domain], _("same web domain")
            else:
                fuzzy.append(row)
        row_blocks = [_blocks(row) for row in fuzzy]
        matching.fetch({block: pair for blocks in row_blocks for block, pair in blocks.items()})
        for row, blocks in zip(fuzzy, row_blocks, strict=True):
            words = _sorted_words(row.match_key)
            best = max(filter(None, (matching.blocks[block].best(words) for block in blocks)),
                       default=None)
            if best:
                row.duplicate_of = best[1]
                row.duplicate_reason = _("similar name in the same city (%(score)d%%)") % {
                    "score": best[0]}
                continue
            # An earlier row of the file that will be created: compared here, as the database
            # does not hold it yet when the file is read in one pass. The very same name is
            # left to the engine's exact keys ("same name and city as row N").
            city = (row.cleaned.get("city") or "").casefold()
            if (city, row.match_key) in matching.in_file_names:
                continue
            matching.in_file_names.add((city, row.match_key))
            pool = matching.in_file.setdefault((city, row.match_key[:BLOCK_LETTERS]), _Pool())
            earlier = pool.best(words)
            if earlier:
                row.duplicate_of = f"row {earlier[1]}"
                row.duplicate_reason = _("similar name to row %(row)s in the same city "
                                         "(%(score)d%%)") % {"row": earlier[1],
                                                             "score": earlier[0]}
            else:
                pool.add(row.number, words)

    def prepare_write(self, rows: list[Row], *, job
                      ) -> tuple[list[PreparedInsert], list[tuple[int, str]]]:
        # In the checking thread: the new companies' ids (a later row may be a duplicate of
        # one of them) and the COPY text of the companies, their links to needs already known
        # and their change-log entries, so the writer thread only sends it.
        creates = [row for row in rows if row.action == "create"]
        if not creates:
            return [], []
        matching = job._company_matching
        for row, pk in zip(creates, matching.new_ids(len(creates)), strict=True):
            row.record_id = pk
        # Each row's values by name: the defaults, its cleaned values over them, the related
        # objects (industry, owner) by their ids; then the columns' values in one C call.
        records, entries = [], []
        for row in creates:
            cleaned = row.cleaned
            values = {**matching.create_defaults, **cleaned}
            for name in _RELATED.intersection(cleaned):
                values[name] = values[name].pk
            records.append((row.record_id, *_CREATE_VALUES(values)))
            # Its change-log entry: the values it was given.
            entries.append((row.record_id, values["display_name"],
                            {name: values[name] for name in COMPANY_FIELDS if name in cleaned}))
        companies = prepare_insert(Company, list(CREATE_COLUMNS), records)
        # Needs the run has met link now; a need new to the run is found or added to the
        # vocabulary by `write`, inside the chunk's transaction (a chunk that fails leaves
        # no need behind), and linked there.
        links, unknown = set(), []
        for row in creates:
            for name in row.cleaned["needs"]:
                need_id = matching.needs.get(name.casefold())
                if need_id is None:
                    unknown.append((row.record_id, name))
                else:
                    links.add((row.record_id, need_id))
        # The companies are new, so the only repeats are within a row ("ERP; erp"): a set.
        needs = prepare_insert(Company.needs.through, ["company_id", "need_id"], sorted(links))
        changes = prepare_creations(
            actor=job.created_by, model=Company, message=_import_message(job),
            on_behalf_of=matching.on_behalf_of,
            entries=entries)
        return [companies, needs, changes], unknown

    def write(self, rows: list[Row], *, job, prepared=None) -> None:
        for row in rows:
            if row.action == "update":
                company = Company.objects.get(pk=row.duplicate_of)
                company_update(by=job.created_by, company=company,
                               data={**row.update_values,
                                     **({"needs": row.cleaned["needs"]}
                                        if row.cleaned["needs"] else {})})
        inserts, unknown = prepared or ([], [])
        for insert in inserts:
            insert.run()
        if unknown:
            known, links = job._company_matching.needs, set()
            for company_id, name in unknown:
                key = name.casefold()
                if key not in known:  # a later chunk links it directly
                    known[key] = need_create(by=job.created_by, name=name).pk
                links.add((company_id, known[key]))
            insert_values(Company.needs.through, ["company_id", "need_id"], sorted(links))


def _import_message(job) -> str:
    return _("imported from %(file)s") % {"file": job.filename[:200]}


def _log_creations(job, objects, field_lists) -> None:
    # A substitute importing into the portfolio they cover does it on the owner's behalf; a
    # job has one owner, so the first record answers for all.
    record_creations(
        actor=job.created_by, model=type(objects[0]), message=_import_message(job),
        on_behalf_of=acting_for(job.created_by, objects[0]),
        entries=((obj.pk, str(obj), {name: getattr(obj, obj._meta.get_field(name).attname)
                                     for name in fields})
                 for obj, fields in zip(objects, field_lists, strict=True)))


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

    def keys(self, row: Row, *, job) -> list[tuple]:
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

    def write(self, rows: list[Row], *, job, prepared=None) -> None:
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
