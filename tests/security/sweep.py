"""The access sweep's registry: which record each route's id names, and which routes are exempt.

The sweep (test_access_sweep.py) walks Django's URL resolver and the API's OpenAPI document;
every route it finds must be covered here or exempted with a reason, or the sweep fails.

How to add a route
------------------
* A page that takes a record id (`companies/<int:pk>/notes/`): one line in `UI_RECORD_ROUTES`,
  `"clients:company_notes": {"pk": "company"},` naming the kind of record the id is (a key of
  `KINDS`). Optional: form data in `UI_DATA` that would change the record, so the sweep proves
  it did not; a `Ref("company")` there is swapped for a colleague's record too.
* A page without a record id (a list, a form, an action on the caller's own things): one line in
  `UI_COLLECTIONS`, naming the kinds of record the owner must see there, e.g.
  `"clients:contacts": Listing("contact")`, or `Listing()` for a page that lists none of them.
* An API operation: path parameters named after a kind (`company_id`, `contact_id`…, see
  `API_PARAM_KINDS`) are covered by themselves; a new id name needs a line there, and an
  operation with a request body needs one in `API_BODIES` (the validation of the body runs
  before the handler, so without a valid body the access check would never be reached).
  A list (`GET` without ids) goes in `API_COLLECTIONS`.
* A new kind of record: a builder in `KINDS` that creates one owned by `owner`, through the
  app's services where that is cheap (so the change log has its entry too).
* A route with nothing to check: `UI_EXEMPT` / `API_EXEMPT`, with the reason. An exemption
  that no longer matches any route fails the sweep, so the lists stay true.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

_serial = itertools.count(1)


# --- kinds of record ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """How to build one record of a kind, owned by `owner`, carrying `marker` in a shown field.

    `shared` marks reference data the whole team reads (the product range): a colleague may
    read it (200) and is refused writes (403); it still must not change.
    """

    build: Callable
    shared: bool = False


def _company(owner, marker):
    from khata.clients.services import company_create

    return company_create(by=owner, data={"display_name": marker, "city": "Pune"})


def _deleted_company(owner, marker):
    from khata.clients.services import company_delete

    company = _company(owner, marker)
    company_delete(by=owner, company=company)
    return company


def _contact(owner, marker):
    from khata.clients.services import contact_create

    company = _company(owner, f"{marker}-company")
    return contact_create(by=owner, data={"company": company, "name": marker,
                                          "email": f"{marker}@example.com"})


def _address(owner, marker):
    from khata.clients.services import address_add

    company = _company(owner, f"{marker}-company")
    return address_add(by=owner, company=company, data={"line1": marker, "city": "Pune"})


def _merge(owner, marker):
    from khata.clients.services import company_merge

    survivor = _company(owner, marker)
    other = _company(owner, f"{marker}-duplicate")
    return company_merge(by=owner, survivor=survivor, other=other, take_from_other=set())


def _saved_view(owner, marker):
    from khata.clients.services import saved_view_save

    return saved_view_save(by=owner, name=marker, query="lifecycle=client")


def _import_job(owner, marker):
    from khata.audit.services import import_start

    job = import_start(by=owner, kind="companies", filename=f"{marker}.csv",
                       data=b"Name,City\nAcme Tools,Pune\n")
    job.rejected_file.save("rejected.csv", ContentFile(b"row,reason\n2,bad\n"), save=True)
    return job


def _api_token(owner, marker):
    from khata.team.services import token_create

    token, _raw = token_create(by=owner, user=owner, name=marker)
    return token


def _product(owner, marker):
    from khata.catalog.models import Product

    return Product.objects.create(sku=f"SKU-{next(_serial)}", name=marker,
                                  list_price=Decimal("100.00"))


def _price_list(owner, marker):
    from khata.catalog.models import PriceList

    return PriceList.objects.create(name=marker, currency="INR", valid_from=date(2020, 1, 1))


def _user(owner, marker):
    return owner


def _absence(owner, marker):
    from datetime import timedelta

    from django.utils import timezone

    from khata.team.services import absence_record
    from khata.team.tests.factories import UserFactory

    # Covered by a third person, so the colleague in the sweep is neither side of it. Everyone
    # may pick anyone as a substitute, so the marker goes in the note, not in their name.
    substitute = UserFactory(email=f"cover-{next(_serial)}@example.com", name="Cover Person")
    start = timezone.now() + timedelta(days=2)
    return absence_record(by=owner, user=owner, data={
        "substitute": substitute, "starts_at": start, "ends_at": start + timedelta(days=3),
        "reason": "vacation", "note": marker})


def _search_method(owner, marker):
    from khata.prospecting.services import search_method_create

    return search_method_create(by=owner, data={"name": marker, "kind": "exhibition"})


def _lead(owner, marker):
    from khata.prospecting.services import lead_create

    # The method is shared, so its name must not carry the lead's marker.
    method = _search_method(owner, f"Method {next(_serial)}")
    return lead_create(by=owner, data={"search_method": method,
                                       "company_name": marker, "city": "Pune"})


def _segment(owner, marker):
    from khata.prospecting.services import segment_save

    return segment_save(by=owner, data={"name": marker, "rules": {"match": "all", "rules": [
        {"field": "city", "op": "in", "value": ["Pune"]}]}})


def _activity(owner, marker):
    from datetime import timedelta

    from django.utils import timezone

    from khata.planning.services import activity_log

    company = _company(owner, f"{marker}-company")
    return activity_log(by=owner, data={"kind": "meeting", "subject": marker,
                                        "company": company, "status": "scheduled",
                                        "starts_at": timezone.now() + timedelta(hours=1)})


def _task(owner, marker):
    from datetime import timedelta

    from django.utils import timezone

    from khata.planning.services import task_create

    company = _company(owner, f"{marker}-company")
    return task_create(by=owner, data={"title": marker, "company": company,
                                       "due_at": timezone.now() + timedelta(hours=1)}).obj


def _contact_plan(owner, marker):
    from khata.planning.services import plan_create

    return plan_create(by=owner, data={"name": marker, "steps": [
        {"channel": "email"}, {"channel": "call", "delay_days": 2}]})


def _enrolment(owner, marker):
    from khata.planning.services import enrolment_create

    plan = _contact_plan(owner, f"Plan {next(_serial)}")
    return enrolment_create(by=owner, plan=plan, company=_company(owner, marker))


_IN_A_MONTH = (date.today() + timedelta(days=30)).isoformat()  # noqa: DTZ011 (a date only)


def _statement(owner, marker):
    from khata.reliability.services import statement_create

    return statement_create(by=owner, company=_company(owner, marker), data={
        "fiscal_year": 2025, "currency": "INR", "revenue": "1000", "total_assets": "800"})


def _invoice(owner, marker):
    from khata.reliability.services import invoice_create

    return invoice_create(by=owner, company=_company(owner, marker), data={
        "number": f"S-{next(_serial)}", "currency": "INR", "amount": "500",
        "issued_on": "2026-01-05", "due_on": "2026-02-04"})


def _band_override(owner, marker):
    from khata.reliability.services import band_override
    from khata.team.models import User

    head = User.objects.filter(role="head", is_active=True).order_by("pk").first()
    return band_override(by=head, company=_company(owner, marker), band="C", reason=marker,
                         expires_at=_IN_A_MONTH)


KINDS: dict[str, Kind] = {
    "company": Kind(_company),
    "deleted_company": Kind(_deleted_company),
    "contact": Kind(_contact),
    "address": Kind(_address),
    "merge": Kind(_merge),
    "saved_view": Kind(_saved_view),
    "import_job": Kind(_import_job),
    "api_token": Kind(_api_token),
    "user": Kind(_user),
    "absence": Kind(_absence),
    "product": Kind(_product, shared=True),
    "price_list": Kind(_price_list, shared=True),
    "lead": Kind(_lead),
    # The team shares search methods and segments: a colleague reads them, only the owner
    # (and the head) changes them.
    "search_method": Kind(_search_method, shared=True),
    "segment": Kind(_segment, shared=True),
    "activity": Kind(_activity),
    "task": Kind(_task),
    "contact_plan": Kind(_contact_plan),
    "enrolment": Kind(_enrolment),
    "statement": Kind(_statement),
    "invoice": Kind(_invoice),
    "band_override": Kind(_band_override),
}


@dataclass(frozen=True)
class Ref:
    """A field of form data or of a JSON body that names a record of `kind` (by `attr`)."""

    kind: str
    attr: str = "pk"


class Listing:
    """A route without a record id: the kinds whose records its owner must see there, and
    extra query strings to try (a `Ref` in them names the colleague's record; `MARKER` is
    replaced by the name of the colleague's record of the first kind, to search for it)."""

    def __init__(self, *kinds: str, queries: tuple[dict, ...] = ({},)):
        self.kinds = kinds
        self.queries = queries


MARKER = object()


def upload(name: str, content: bytes) -> Callable[[], SimpleUploadedFile]:
    """A file field value (a fresh file object for every request)."""
    return lambda: SimpleUploadedFile(name, content, content_type="text/csv")


# --- the web UI ---------------------------------------------------------------------------------

# Route name → {URL kwarg: kind of record it names}.
UI_RECORD_ROUTES: dict[str, dict[str, str]] = {
    "clients:company": {"pk": "company"},
    "clients:company_edit": {"pk": "company"},
    "clients:company_verify": {"pk": "company"},
    "clients:company_delete": {"pk": "company"},
    "clients:company_restore": {"pk": "deleted_company"},
    "clients:company_merge": {"pk": "company"},
    "clients:contact_create": {"pk": "company"},
    "clients:address_create": {"pk": "company"},
    "clients:merge_undo": {"pk": "merge"},
    "clients:address_delete": {"pk": "address"},
    "clients:contact_link": {"pk": "contact"},
    "clients:contact_edit": {"pk": "contact"},
    "clients:consent": {"pk": "contact"},
    "clients:saved_view_delete": {"pk": "saved_view"},
    "catalog:product": {"pk": "product"},
    "catalog:product_edit": {"pk": "product"},
    "audit:import": {"pk": "import_job"},
    "audit:import_configure": {"pk": "import_job"},
    "audit:import_rejected": {"pk": "import_job"},
    "team:token_revoke": {"pk": "api_token"},
    "team:absence_edit": {"pk": "absence"},
    "team:absence_end": {"pk": "absence"},
    "team:dismiss": {"pk": "user"},
    "prospecting:lead": {"pk": "lead"},
    "prospecting:lead_qualify": {"pk": "lead"},
    "prospecting:lead_disqualify": {"pk": "lead"},
    "prospecting:lead_reopen": {"pk": "lead"},
    "prospecting:lead_release": {"pk": "lead"},
    "prospecting:method_edit": {"pk": "search_method"},
    "prospecting:segment": {"pk": "segment"},
    "prospecting:segment_edit": {"pk": "segment"},
    "prospecting:segment_export": {"pk": "segment"},
    "prospecting:segment_delete": {"pk": "segment"},
    "fit:company_fit": {"pk": "company"},
    "webform:embed": {"pk": "search_method"},
    "planning:activity": {"pk": "activity"},
    "planning:activity_edit": {"pk": "activity"},
    "planning:activity_ics": {"pk": "activity"},
    "planning:company_panel": {"pk": "company"},
    "planning:activity_log": {"pk": "company"},
    "planning:contact_panel": {"pk": "contact"},
    "planning:contact_activity_log": {"pk": "contact"},
    "planning:company_task_create": {"pk": "company"},
    "planning:company_enrol": {"pk": "company"},
    "planning:task": {"pk": "task"},
    "planning:task_done": {"pk": "task"},
    "planning:task_skip": {"pk": "task"},
    "planning:task_snooze": {"pk": "task"},
    "planning:plan": {"pk": "contact_plan"},
    "planning:plan_edit": {"pk": "contact_plan"},
    "planning:plan_enrol": {"pk": "contact_plan"},
    "planning:enrolment_pause": {"pk": "enrolment"},
    "planning:enrolment_resume": {"pk": "enrolment"},
    "planning:enrolment_exit": {"pk": "enrolment"},
    "reliability:card": {"pk": "company"},
    "reliability:reassess": {"pk": "company"},
    "reliability:override": {"pk": "company"},
    "reliability:statements": {"pk": "company"},
    "reliability:invoices": {"pk": "company"},
    "reliability:checklist": {"pk": "company"},
    "reliability:statement_edit": {"pk": "statement"},
    "reliability:statement_delete": {"pk": "statement"},
    "reliability:invoice_edit": {"pk": "invoice"},
    "reliability:invoice_paid": {"pk": "invoice"},
    "reliability:override_revoke": {"pk": "band_override"},
}

# Routes refused to every manager whatever the id (the head's work): a colleague gets 403 for
# any id, the same answer as for an id that does not exist, so it confirms nothing.
HEAD_ONLY: set[str] = {
    "team:dismiss",
    "GET /api/v1/team/members/{user_id}/holdings",
    "POST /api/v1/team/members/{user_id}/dismiss",
}

# Route name → form data sent with POST (and as the query string of GET). Each variant is tried
# as given; each `Ref` in it is also swapped alone for the colleague's record, and the answer
# must be the same as for a record that does not exist.
UI_DATA: dict[str, list[dict]] = {
    "clients:company_edit": [{"display_name": "Changed by the sweep", "lifecycle": "client",
                              "country": "IN"}],
    "clients:company_merge": [{"with": Ref("company"), "take-display_name": "other"}],
    "clients:contact_create": [{"name": "Added by the sweep"}],
    "clients:address_create": [{"kind": "office", "line1": "1 Sweep Road"}],
    "clients:contact_link": [{"company": Ref("company", "display_name")},
                             {"unlink": Ref("company")}],
    "clients:contact_edit": [{"name": "Changed by the sweep"}],
    "team:absence_edit": [{"reason": "illness", "note": "Changed by the sweep"}],
    "prospecting:lead_qualify": [{"create_new": "1"}, {"company": Ref("company")}],
    "prospecting:lead_disqualify": [{"reason": "1"}],
    "prospecting:method_edit": [{"name": "Changed by the sweep", "kind": "other",
                                 "currency": "INR", "cost": "1"}],
    "prospecting:segment_edit": [{"name": "Changed by the sweep", "action": "save",
                                  "g0-match": "all", "g0-0-field": "city", "g0-0-op": "in",
                                  "g0-0-value": "Goa"}],
    "prospecting:lead_create": [{"search_method": Ref("search_method"),
                                 "company_name": "Added by the sweep"}],
    "clients:consent": [{"channel": "email", "status": "granted", "method": "email"}],
    "audit:import_configure": [{"on_duplicate": "update", "run": "1"}],
    "clients:company_bulk": [{"ids": Ref("company"), "action": "verify"},
                             {"ids": Ref("company"), "action": "tag", "need": "Swept"},
                             {"ids": Ref("company"), "action": "export"}],
    "audit:imports": [{"kind": "contacts", "owner": Ref("user"),
                       "file": upload("sweep.csv", b"Name,Company\nRavi,Acme\n")}],
    "planning:activity_edit": [{"kind": "call", "status": "done", "direction": "outbound",
                                "subject": "Changed by the sweep"}],
    "planning:activity_log": [{"kind": "call", "status": "done", "direction": "outbound",
                               "subject": "Added by the sweep"}],
    "planning:contact_activity_log": [{"kind": "call", "status": "done",
                                       "direction": "outbound", "subject": "Added by the sweep"}],
    "planning:company_task_create": [{"title": "Added by the sweep", "priority": "normal",
                                      "due_at": "2030-01-01T10:00"}],
    "planning:company_enrol": [{"plan": Ref("contact_plan")}],
    "planning:task": [{"title": "Changed by the sweep", "priority": "normal",
                       "due_at": "2030-01-01T10:00"}],
    "planning:task_snooze": [{"preset": "1w"}],
    "planning:task_create": [{"title": "Added by the sweep", "priority": "normal",
                              "due_at": "2030-01-01T10:00", "company": Ref("company")}],
    "planning:plan_edit": [{"name": "Changed by the sweep", "step-1-channel": "call",
                            "step-1-delay_days": "1"}],
    "planning:plan_enrol": [{"company": Ref("company")}, {"segment": Ref("segment")}],
    "reliability:statements": [{"fiscal_year": "2024", "currency": "INR", "revenue": "10"}],
    "reliability:statement_edit": [{"fiscal_year": "2025", "currency": "INR", "revenue": "12"}],
    "reliability:invoices": [{"number": "SW-1", "currency": "INR", "amount": "10",
                              "issued_on": "2026-01-01", "due_on": "2026-01-31"}],
    "reliability:invoice_edit": [{"number": "Changed by the sweep", "currency": "INR",
                                  "amount": "10", "issued_on": "2026-01-01",
                                  "due_on": "2026-01-31"}],
    "reliability:invoice_paid": [{"paid_on": "2026-02-01"}],
    "reliability:checklist": [{"years_in_business": "3", "registry_status": "active",
                               "legal_disputes": "yes", "references": "poor"}],
    "reliability:override": [{"band": "E", "reason": "sweep", "expires_at": _IN_A_MONTH}],
}

# Route name → what it lists. Every GET is checked: no colleague's record shows up.
UI_COLLECTIONS: dict[str, Listing] = {
    "home:today": Listing(),
    "team:account": Listing("api_token"),
    "team:password": Listing(),
    "team:token_create": Listing(),
    "clients:companies": Listing("company", "saved_view",
                                 queries=({}, {"q": MARKER}, {"owner": Ref("user")})),
    "clients:company_create": Listing(),
    "clients:company_export": Listing("company", queries=({}, {"format": "xlsx"})),
    "clients:company_bulk": Listing(),
    "clients:saved_view_create": Listing(),
    "clients:contacts": Listing("contact", queries=({}, {"q": MARKER})),
    "catalog:products": Listing(),
    "catalog:product_create": Listing(),
    "audit:changes": Listing("company", "contact", "address"),
    "audit:health": Listing(),
    "audit:freshness_rules": Listing(),
    "audit:imports": Listing("import_job"),
    "home:team": Listing(),
    "home:appoint": Listing(),
    "team:absences": Listing("absence"),
    "team:settings": Listing(),
    "prospecting:leads": Listing("lead", queries=({}, {"q": MARKER},
                                                  {"search_method": Ref("lead",
                                                                        "search_method_id")})),
    "prospecting:lead_create": Listing(),
    "prospecting:methods": Listing(),
    "prospecting:method_create": Listing(),
    "prospecting:segments": Listing(),
    "prospecting:segment_create": Listing(),
    "prospecting:analysis": Listing(),
    # POST only ("refresh now" queues a recount of the team's figures; each reader still
    # sees the sums of the portfolios in their reach): a GET is 405 and names nothing.
    "prospecting:figures_refresh": Listing(),
    "prospecting:fit_list": Listing(),
    "planning:activities": Listing("activity"),
    "planning:tasks": Listing("task"),
    "planning:task_create": Listing(),
    "planning:plans": Listing("contact_plan"),
    "planning:plan_create": Listing(),
    "planning:calendar": Listing(),
    "planning:calendar_month": Listing(),
    "planning:calendar_feed": Listing(),
    "reliability:companies": Listing("company", queries=({}, {"owner": Ref("user")},
                                                          {"lifecycle": "prospect"})),
}

# Route name (or a pattern with `*`) → why the sweep does not try it.
UI_EXEMPT: dict[str, str] = {
    "team:login": "the sign-in form: no record, open to everyone (tests/security/test_sessions)",
    "team:logout": "ends the caller's own session; names no record",
    "team:set_password": "the one-time set-password link: no record id, the uid is useless "
                         "without the token signed for that account (team tests)",
    "healthz": "database and worker state for monitoring: no record, no user data",
    "admin:*": "the head's admin: closed to managers as a whole "
               "(test_admin_is_closed_to_managers)",
    "admin/*": "the admin's unnamed redirects (old change-page URLs): closed as admin:*",
    "api:*": "the JSON API: swept operation by operation from its OpenAPI document",
    "webform:form": "the public web-to-lead form: open to anyone by design; no record id in "
                    "the URL, only a signed form key (prospecting/tests/test_webform.py)",
    "webform:thanks": "the public form's thank-you page: shows no record, only the signed "
                      "form key (prospecting/tests/test_webform.py)",
    "planning:feed_ics": "the calendar feed: no record id, the secret in the address is the "
                         "credential; unknown and revoked secrets are 404 "
                         "(planning/tests/test_views.py)",
}


# --- the JSON API -------------------------------------------------------------------------------

API_PREFIX = "/api/v1"

# Path parameter name → kind of record it names (the API names its ids after the record).
API_PARAM_KINDS: dict[str, str] = {
    "company_id": "company",
    "contact_id": "contact",
    "address_id": "address",
    "merge_id": "merge",
    "import_id": "import_job",
    "token_id": "api_token",
    "product_id": "product",
    "price_list_id": "price_list",
    "user_id": "user",
    "absence_id": "absence",
    "lead_id": "lead",
    "method_id": "search_method",
    "segment_id": "segment",
    "activity_id": "activity",
    "task_id": "task",
    "plan_id": "contact_plan",
    "enrolment_id": "enrolment",
    "statement_id": "statement",
    "invoice_id": "invoice",
    "override_id": "band_override",
}

# "METHOD /path" → {parameter: kind} where the name alone says the wrong thing.
API_PARAM_OVERRIDES: dict[str, dict[str, str]] = {
    "POST /api/v1/companies/{company_id}/restore": {"company_id": "deleted_company"},
}

# "METHOD /path" → a valid body that would change something; `Ref`s are swapped as in UI_DATA.
# A body with `multipart` in it is sent as a form with files.
API_BODIES: dict[str, dict] = {
    "PATCH /api/v1/companies/{company_id}": {"city": "Sweepville", "lifecycle": "client"},
    "POST /api/v1/companies/{company_id}/merge": {"other": Ref("company"),
                                                  "take_from_other": ["display_name"]},
    "POST /api/v1/companies/{company_id}/addresses": {"line1": "1 Sweep Road"},
    "PATCH /api/v1/contacts/{contact_id}": {"job_title": "Sweeper"},
    "POST /api/v1/contacts/{contact_id}/consents": {"channel": "email", "status": "granted",
                                                    "method": "email"},
    "POST /api/v1/contacts/{contact_id}/links": {"company": Ref("company")},
    "PATCH /api/v1/addresses/{address_id}": {"city": "Sweepville"},
    "PATCH /api/v1/products/{product_id}": {"name": "Changed by the sweep"},
    "PUT /api/v1/price-lists/{price_list_id}/prices": {"product": Ref("product"),
                                                       "price": "1.00"},
    "PATCH /api/v1/imports/{import_id}": {"on_duplicate": "update"},
    "POST /api/v1/companies": {"display_name": "Added by the sweep", "owner": Ref("user")},
    "POST /api/v1/contacts": {"company": Ref("company"), "name": "Added by the sweep"},
    "PATCH /api/v1/team/members/{user_id}": {"role": "head"},
    "POST /api/v1/team/members/{user_id}/dismiss": {"to": Ref("user", "email")},
    "PATCH /api/v1/absences/{absence_id}": {"note": "Changed by the sweep"},
    "POST /api/v1/absences": {"user": Ref("user", "email"), "substitute": "head@example.com",
                              "starts_at": "2099-01-01T00:00:00Z",
                              "ends_at": "2099-01-08T00:00:00Z", "reason": "vacation"},
    "PATCH /api/v1/search-methods/{method_id}": {"cost": "1.00"},
    "PATCH /api/v1/leads/{lead_id}": {"city": "Sweepville"},
    "POST /api/v1/leads/{lead_id}/qualify": {"create_new": True},
    "POST /api/v1/leads/{lead_id}/disqualify": {"reason": 1},
    "PATCH /api/v1/segments/{segment_id}": {"name": "Changed by the sweep"},
    "POST /api/v1/leads": {"search_method": Ref("search_method"), "owner": Ref("user"),
                           "company_name": "Added by the sweep"},
    "PATCH /api/v1/activities/{activity_id}": {"subject": "Changed by the sweep"},
    "POST /api/v1/activities": {"kind": "call", "subject": "Added by the sweep",
                                "company": Ref("company")},
    "PATCH /api/v1/tasks/{task_id}": {"title": "Changed by the sweep"},
    "POST /api/v1/tasks": {"title": "Added by the sweep", "due_at": "2030-01-01T09:00:00Z",
                           "company": Ref("company")},
    "POST /api/v1/tasks/{task_id}/snooze": {"preset": "1w"},
    "PATCH /api/v1/plans/{plan_id}": {"name": "Changed by the sweep"},
    "POST /api/v1/plans/{plan_id}/enrolments": {"company": Ref("company")},
    "POST /api/v1/enrolments/{enrolment_id}/exit": {"reason": "manual"},
    "POST /api/v1/companies/{company_id}/statements": {"fiscal_year": 2024, "currency": "INR",
                                                       "revenue": "10"},
    "PATCH /api/v1/statements/{statement_id}": {"revenue": "12"},
    "POST /api/v1/companies/{company_id}/invoices": {"number": "SW-1", "currency": "INR",
                                                     "amount": "10", "issued_on": "2026-01-01",
                                                     "due_on": "2026-01-31"},
    "PATCH /api/v1/invoices/{invoice_id}": {"number": "Changed by the sweep"},
    "POST /api/v1/invoices/{invoice_id}/paid": {"paid_on": "2026-02-01"},
    "POST /api/v1/companies/{company_id}/checklist": {"legal_disputes": True},
    "POST /api/v1/companies/{company_id}/override": {"band": "E", "reason": "sweep",
                                                     "expires_at": _IN_A_MONTH},
    "POST /api/v1/imports": {"multipart": True, "kind": "contacts", "owner": Ref("user"),
                             "file": upload("sweep.csv", b"Name,Company\nRavi,Acme\n")},
}

def _window() -> tuple[str, str]:
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    return ((now - timedelta(days=1)).isoformat(), (now + timedelta(days=30)).isoformat())


_WINDOW = _window()

# "GET /path" without ids → what it lists (as UI_COLLECTIONS). A write without ids is covered
# by a body in API_BODIES that names another record (a `Ref`), or exempted.
API_COLLECTIONS: dict[str, Listing] = {
    "GET /api/v1/me": Listing(),
    "GET /api/v1/tokens": Listing("api_token"),
    "GET /api/v1/companies": Listing("company", queries=({}, {"q": MARKER},
                                                         {"owner": Ref("user")})),
    "GET /api/v1/companies/export": Listing("company", queries=({}, {"format": "xlsx"},
                                                                {"q": MARKER})),
    "GET /api/v1/contacts": Listing("contact", queries=({}, {"q": MARKER},
                                                        {"company": Ref("contact", "company_id")})),
    "GET /api/v1/industries": Listing(),
    "GET /api/v1/needs": Listing(),
    "GET /api/v1/products": Listing(),
    "GET /api/v1/categories": Listing(),
    "GET /api/v1/price-lists": Listing(),
    "GET /api/v1/team/members": Listing(),
    "GET /api/v1/team/settings": Listing(),
    "GET /api/v1/absences": Listing("absence", queries=({}, {"current": "true"})),
    "GET /api/v1/leads": Listing("lead", queries=({}, {"q": MARKER}, {"owner": Ref("user")},
                                                  {"search_method": Ref("lead",
                                                                        "search_method_id")})),
    "GET /api/v1/search-methods": Listing(),
    "GET /api/v1/search-methods/figures": Listing(),
    "GET /api/v1/disqualify-reasons": Listing(),
    "GET /api/v1/segment-fields": Listing(),
    "GET /api/v1/segments": Listing(),
    # Only companies the nightly run scored are listed (none in the sweep): the fit tests
    # prove a colleague's scored prospect stays out (prospecting/tests/test_fit_services.py).
    "GET /api/v1/fit/prospects": Listing(),
    "GET /api/v1/activities": Listing("activity", queries=({}, {"company": Ref(
        "activity", "company_id")})),
    "GET /api/v1/tasks": Listing("task", queries=({}, {"mine": "true"},
                                                  {"company": Ref("task", "company_id")})),
    "GET /api/v1/plans": Listing("contact_plan"),
    # Enrolments carry ids, not names: the ids in the queries name the owner's records.
    "GET /api/v1/enrolments": Listing(queries=({}, {"plan": Ref("enrolment", "plan_id")},
                                               {"company": Ref("enrolment", "company_id")})),
    "GET /api/v1/calendar": Listing("task", queries=({"start": _WINDOW[0],
                                                      "end": _WINDOW[1]},)),
    "GET /api/v1/calendar/feed": Listing(),
    "GET /api/v1/reliability/companies": Listing("company", queries=({}, {"owner": Ref("user")},
                                                                      {"expiring": "false"})),
}

API_EXEMPT: dict[str, str] = {
    "POST /api/v1/plans": "adds a contact plan owned by the caller; its steps name no record",
    "POST /api/v1/calendar/feed": "makes the caller's own feed address; names no record",
    "DELETE /api/v1/calendar/feed": "revokes the caller's own feed address; names no record",
    # Not operations: the document, its docs page and the root.
    "api:openapi-json": "the OpenAPI document: public description, no record",
    "api:openapi-view": "the API docs page: no record",
    "api:api-root": "the API's root: no record",
    "POST /api/v1/tokens": "creates a token for the caller; names no other record",
    "POST /api/v1/needs": "adds to the shared vocabulary of needs; names no record",
    "POST /api/v1/products": "head-only creation of shared reference data (catalog tests)",
    "POST /api/v1/categories": "head-only creation of shared reference data (catalog tests)",
    "POST /api/v1/price-lists": "head-only creation of shared reference data (catalog tests)",
    "POST /api/v1/team/members": "head-only appointment of a new person; names no record",
    "PUT /api/v1/team/settings": "head-only team rule (managers_read_all); names no record",
    "POST /api/v1/search-methods": "adds a shared search method owned by the caller; names no "
                                   "record",
    "POST /api/v1/segments": "adds a shared segment owned by the caller; its rules name field "
                             "values, not records",
    "POST /api/v1/reliability/what-if": "scores figures in the body and stores nothing; names "
                                        "no record (reliability/tests/test_api.py)",
    "POST /api/v1/fit/retrain": "head-only: queues the fit run over the whole database; names "
                                "no record (test_fit_services)",
}

# Routes the sweep found leaking: the case id → why (strict xfail, so a fix turns it green
# and the line must go). Empty means no known leak.
KNOWN_LEAKS: dict[str, str] = {}
