"""The access sweep (issue 4): every route, as a manager without rights on the record.

The routes come from Django's URL resolver and the API's OpenAPI document, so a new route is
swept the day it lands, or the meta-test fails until it is registered in `sweep.py` (which says
at its top how). For every route that takes a record id, a colleague gets 404 (never 403,
which would confirm the record exists), for every method, and nothing in the database changes;
every list stays free of the colleague's records; a record named in form data or a JSON body
answers exactly as a record that does not exist.
"""

from __future__ import annotations

import fnmatch
import io
import json
import re
import uuid
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.db.models import Q
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from khata.config.api import api
from khata.team.services import token_create
from tests.security.sweep import (
    API_BODIES,
    API_COLLECTIONS,
    API_EXEMPT,
    API_PARAM_KINDS,
    API_PARAM_OVERRIDES,
    API_PREFIX,
    HEAD_ONLY,
    KINDS,
    KNOWN_LEAKS,
    MARKER,
    UI_COLLECTIONS,
    UI_DATA,
    UI_EXEMPT,
    UI_RECORD_ROUTES,
    Listing,
    Ref,
)

MISSING_ID = 987_654_321
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Columns a request may touch without anyone changing a record: the attacker's own token's
# last use (bearer auth), the time of the last sign-in.
IGNORED_COLUMNS = {("team.ApiToken", "last_used_at"), ("team.User", "last_login")}


# --- what there is to sweep ---------------------------------------------------------------------


@dataclass(frozen=True)
class UiRoute:
    key: str  # "namespace:name", or the pattern of an unnamed route
    pattern: str
    kwargs: tuple[str, ...]


@dataclass(frozen=True)
class ApiOperation:
    method: str
    path: str
    params: tuple[str, ...]
    has_body: bool

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def _kwargs_of(pattern) -> list[str]:
    if hasattr(pattern, "converters"):
        return list(pattern.converters)
    return list(pattern.regex.groupindex)


def ui_routes() -> list[UiRoute]:
    """Every URL pattern the resolver knows, with its full pattern and its kwargs."""
    found = []

    def walk(patterns, prefix: str, namespaces: tuple[str, ...], kwargs: tuple[str, ...]):
        for entry in patterns:
            here = kwargs + tuple(_kwargs_of(entry.pattern))
            if isinstance(entry, URLResolver):
                spaces = namespaces + ((entry.namespace,) if entry.namespace else ())
                walk(entry.url_patterns, prefix + str(entry.pattern), spaces, here)
            else:
                full = prefix + str(entry.pattern)
                key = ":".join((*namespaces, entry.name)) if entry.name else full
                found.append(UiRoute(key=key, pattern=full, kwargs=here))

    walk(get_resolver().url_patterns, "", (), ())
    return found


def api_operations() -> list[ApiOperation]:
    """Every operation of the OpenAPI document: method, path, path parameters, body."""
    schema = api.get_openapi_schema()
    operations = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            params = tuple(param["name"] for param in operation.get("parameters", [])
                           if param["in"] == "path")
            operations.append(ApiOperation(method.upper(), path, params,
                                           "requestBody" in operation))
    return operations


UI_ROUTES = ui_routes()
API_OPERATIONS = api_operations()


def _ui_exempt(key: str) -> bool:
    return any(fnmatch.fnmatchcase(key, pattern) for pattern in UI_EXEMPT)


def api_kinds(operation: ApiOperation) -> dict[str, str | None]:
    overrides = API_PARAM_OVERRIDES.get(operation.key, {})
    return {param: overrides.get(param, API_PARAM_KINDS.get(param))
            for param in operation.params}


def _refs(data: dict) -> list[str]:
    return [name for name, value in data.items() if isinstance(value, Ref)]


# --- the cases ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordCase:
    """One request at a record id that belongs to someone else."""

    surface: str  # "ui" or "api"
    route: str  # UI route name, or the OpenAPI path
    method: str
    kinds: tuple[tuple[str, str], ...]  # (param, kind) for every id in the path
    param: str  # the id that names the colleague's record; the others are the caller's own
    auth: str = "session"

    def __str__(self) -> str:
        via = f" via {self.auth}" if self.surface == "api" else ""
        return f"{self.method} {self.route} {self.param}={dict(self.kinds)[self.param]}{via}"


@dataclass(frozen=True)
class RefCase:
    """A request at the caller's own record (or none) whose data names someone else's."""

    surface: str
    route: str
    method: str
    kinds: tuple[tuple[str, str], ...]
    variant: int  # index into UI_DATA[route] (UI) or 0 (API_BODIES)
    field: str

    def __str__(self) -> str:
        return f"{self.method} {self.route} data[{self.variant}].{self.field}"


@dataclass(frozen=True)
class ListCase:
    surface: str
    route: str
    query: int  # index into the Listing's queries
    auth: str = "session"

    def __str__(self) -> str:
        via = f" via {self.auth}" if self.surface == "api" else ""
        return f"GET {self.route} query[{self.query}]{via}"


def _param(case):
    mark = KNOWN_LEAKS.get(str(case))
    marks = [pytest.mark.xfail(strict=True, reason=mark)] if mark else []
    return pytest.param(case, id=str(case), marks=marks)


def _ui_data(route: str) -> list[dict]:
    return UI_DATA.get(route, [{}])


def record_cases() -> list:
    cases = []
    for route in UI_ROUTES:
        kinds = UI_RECORD_ROUTES.get(route.key)
        if _ui_exempt(route.key) or not route.kwargs or kinds is None:
            continue
        for method in ("GET", "POST"):
            for param in kinds:
                cases.append(RecordCase("ui", route.key, method, tuple(kinds.items()), param))
    for operation in API_OPERATIONS:
        kinds = api_kinds(operation)
        if operation.key in API_EXEMPT or not kinds or None in kinds.values():
            continue
        for auth in ("session", "token"):
            for param in kinds:
                cases.append(RecordCase("api", operation.path, operation.method,
                                        tuple(kinds.items()), param, auth))
    return [_param(case) for case in cases]


def ref_cases() -> list:
    cases = []
    for route in UI_ROUTES:
        if _ui_exempt(route.key) or route.key not in UI_DATA:
            continue
        kinds = tuple(UI_RECORD_ROUTES.get(route.key, {}).items())
        for index, data in enumerate(UI_DATA[route.key]):
            for field in _refs(data):
                if not KINDS[data[field].kind].shared:
                    cases.append(RefCase("ui", route.key, "POST", kinds, index, field))
    for operation in API_OPERATIONS:
        body = API_BODIES.get(operation.key)
        if body is None or operation.key in API_EXEMPT:
            continue
        for field in _refs(body):
            if not KINDS[body[field].kind].shared:
                cases.append(RefCase("api", operation.path, operation.method,
                                     tuple(api_kinds(operation).items()), 0, field))
    return [_param(case) for case in cases]


def list_cases() -> list:
    cases = []
    for route in UI_ROUTES:
        listing = UI_COLLECTIONS.get(route.key)
        if listing is None or _ui_exempt(route.key) or route.kwargs:
            continue
        cases += [ListCase("ui", route.key, index) for index in range(len(listing.queries))]
    for operation in API_OPERATIONS:
        listing = API_COLLECTIONS.get(operation.key)
        if listing is None or operation.method != "GET" or operation.params:
            continue
        cases += [ListCase("api", operation.path, index, auth)
                  for index in range(len(listing.queries)) for auth in ("session", "token")]
    return [_param(case) for case in cases]


# --- the state of the database, to prove that nothing happened ---------------------------------


def _khata_models():
    return [model for model in apps.get_models(include_auto_created=True)
            if model._meta.app_config.name.startswith("khata.")]


def _rows(model, queryset=None) -> dict:
    queryset = model._base_manager.all() if queryset is None else queryset
    label = model._meta.label
    pk = model._meta.pk.attname
    m2m = [field.name for field in model._meta.many_to_many]
    rows = {}
    for row in queryset.order_by(pk).values():
        key = row.pop(pk)
        rows[key] = {name: value for name, value in row.items()
                     if (label, name) not in IGNORED_COLUMNS}
    if m2m and rows:
        for instance in model._base_manager.filter(pk__in=rows).prefetch_related(*m2m):
            for name in m2m:
                rows[instance.pk][name] = sorted(item.pk for item in getattr(instance,
                                                                             name).all())
    return rows


def world() -> dict:
    """Every row of every Khata table (the test database holds a few dozen)."""
    return {model._meta.label: _rows(model) for model in _khata_models()}


def portfolio(user) -> dict:
    """Every row `user` owns (by each model's `access_owner_path`), with its many-to-many."""
    state = {}
    for model in _khata_models():
        paths = getattr(model, "access_owner_path", None) or ()
        owned = Q()
        for path in (paths,) if isinstance(paths, str) else paths:  # one owner, or several
            owned |= Q(**{path: user.pk})
        if owned:
            state[model._meta.label] = _rows(model, model._base_manager.filter(owned).distinct())
    return state


def differences(before: dict, after: dict) -> list[str]:
    found = []
    for label in sorted(set(before) | set(after)):
        old, new = before.get(label, {}), after.get(label, {})
        for pk in sorted(set(old) | set(new), key=str):
            if pk not in new:
                found.append(f"{label} #{pk} deleted")
            elif pk not in old:
                found.append(f"{label} #{pk} created: {new[pk]}")
            elif old[pk] != new[pk]:
                changed = {name: (old[pk].get(name), new[pk].get(name))
                           for name in set(old[pk]) | set(new[pk])
                           if old[pk].get(name) != new[pk].get(name)}
                found.append(f"{label} #{pk} changed: {changed}")
    return found


# --- requests -----------------------------------------------------------------------------------


class Sweep:
    """The people, their records and their browsers for one case."""

    def __init__(self, manager, other_manager, head):
        self.owner, self.colleague, self.head = manager, other_manager, head
        self.built: dict[tuple[int, str, str], object] = {}
        self.markers: dict[tuple[int, str, str], str] = {}

    def record(self, kind: str, owner, slot: str = ""):
        """The record of `kind` owned by `owner` (built once per case and `slot`, with a
        unique name); data refs use the slot "ref", so they never name the path's record."""
        key = (owner.pk, kind, slot)
        if key not in self.built:
            marker = f"swp{uuid.uuid4().hex[:12]}"
            self.markers[key] = marker
            self.built[key] = KINDS[kind].build(owner, marker)
        return self.built[key]

    def marker(self, kind: str, owner) -> str:
        self.record(kind, owner)
        return self.markers[(owner.pk, kind, "")]

    def browser(self, user, auth: str = "session") -> Client:
        if auth == "token":
            _token, raw = token_create(by=user, user=user, name=f"sweep {uuid.uuid4().hex[:6]}")
            return Client(headers={"authorization": f"Bearer {raw}"})
        browser = Client()
        browser.force_login(user)
        return browser


@pytest.fixture
def sweep(manager, other_manager, head):
    return Sweep(manager, other_manager, head)


def resolve(value, sweep: Sweep, owner, *, victim_field: str | None = None, name: str = "",
            missing: bool = False):
    """A data value with its `Ref` resolved: the field `victim_field` names the owner's record
    (or, with `missing`, one that does not exist); other refs name the caller's own."""
    if callable(value) and not isinstance(value, Ref):
        return value()
    if not isinstance(value, Ref):
        return value
    if name == victim_field and missing:
        return MISSING_ID if value.attr == "pk" else f"no such record {MISSING_ID}"
    who = sweep.owner if name == victim_field else owner
    return getattr(sweep.record(value.kind, who, "ref"), value.attr)


ALL = object()


def ids(case, sweep: Sweep, victim) -> dict:
    """The route's ids: `victim`'s id names the owner's record, the others the colleague's
    (`ALL`: every id names the owner's records; None: every id the colleague's)."""
    found = {}
    for param, kind in case.kinds:
        owner = sweep.owner if victim is ALL or param == victim else sweep.colleague
        found[param] = sweep.record(kind, owner).pk
    return found


def url_for(case, values: dict) -> str:
    if case.surface == "ui":
        return reverse(case.route, kwargs=values)
    path = case.route
    for param, value in values.items():
        path = path.replace("{" + param + "}", str(value))
    return path


def send(browser: Client, surface: str, method: str, url: str, data: dict | None):
    """One request; UI data as a form (query string for GET); API data as JSON or multipart."""
    data = dict(data or {})
    if method == "GET":
        return browser.get(url, {k: v for k, v in data.items() if not hasattr(v, "read")})
    if surface == "ui" or data.pop("multipart", False):
        if method == "POST":
            return browser.post(url, data)
        return browser.generic(method, url)
    if not data and method in {"DELETE", "POST"}:
        return getattr(browser, method.lower())(url)
    return getattr(browser, method.lower())(url, json.dumps(data),
                                             content_type="application/json")


def body_text(response) -> str:
    """What a person or a script would read in the answer, whatever its format."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith(XLSX):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(str(cell) for sheet in book.worksheets
                         for row in sheet.iter_rows(values_only=True) for cell in row)
    return content.decode("utf-8", errors="replace")


def allowed(case: RecordCase) -> set[int]:
    """What a colleague may be answered: 404, or 405 for a method a page does not take.
    Shared reference data (the product range) is read by everyone and changed by the head."""
    if KINDS[dict(case.kinds)[case.param]].shared:
        # A page that only shows the record ignores the method; its edit page refuses (403).
        # Either way the database must not change, which the sweep checks next.
        if case.surface == "ui":
            return {200, 403, 405}
        return {200} if case.method == "GET" else {403}
    refused = {405} if case.surface == "ui" else set()
    if _route_key(case) in HEAD_ONLY:
        return {403} | refused
    return {404} | refused


def _route_key(case) -> str:
    return case.route if case.surface == "ui" else f"{case.method} {case.route}"


def case_data(case, sweep: Sweep, owner, **options) -> dict:
    if case.surface == "ui":
        variants = _ui_data(case.route)
        template = variants[getattr(case, "variant", 0)]
    else:
        template = API_BODIES.get(f"{case.method} {case.route}", {})
    return {name: resolve(value, sweep, owner, name=name, **options)
            for name, value in template.items()}


# --- the sweep ----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", record_cases())
def test_a_colleague_gets_404_and_changes_nothing(case: RecordCase, sweep: Sweep):
    url = url_for(case, ids(case, sweep, case.param))
    data = case_data(case, sweep, sweep.colleague)
    colleague = sweep.browser(sweep.colleague, case.auth)
    victim = sweep.record(dict(case.kinds)[case.param], sweep.owner)
    before = world()

    response = send(colleague, case.surface, case.method, url, data)

    assert response.status_code in allowed(case), (
        f"{case}: a manager without rights got {response.status_code}, expected "
        f"{sorted(allowed(case))} (403 confirms the record exists)")
    after = world()
    assert new_changes_about(before, after, [victim]) == []
    assert differences(before, after) == [], f"{case} changed the database"

    missing = url_for(case, {**ids(case, sweep, case.param), case.param: MISSING_ID})
    if case.surface == "api" and response.status_code == 404:
        unknown = send(colleague, case.surface, case.method, missing, data)
        assert (unknown.status_code, unknown.json()) == (404, response.json())
    if _route_key(case) in HEAD_ONLY:
        unknown = send(colleague, case.surface, case.method, missing, data)
        assert unknown.status_code == response.status_code

    # The control: the rightful user does reach the record through this very URL, so the
    # 404 above is the access layer speaking, not a wrong id or a broken route.
    rightful = (sweep.head if KINDS[dict(case.kinds)[case.param]].shared
                or _route_key(case) in HEAD_ONLY else sweep.owner)
    own = send(sweep.browser(rightful, case.auth), case.surface, case.method,
               url_for(case, ids(case, sweep, ALL)), case_data(case, sweep, sweep.owner))
    assert own.status_code != 404, f"{case}: the owner too gets 404 (is the kind right?)"


def new_changes_about(before: dict, after: dict, records) -> list[str]:
    """Change-log rows written since `before` that name one of `records`."""
    from django.contrib.contenttypes.models import ContentType

    named = {(ContentType.objects.get_for_model(record.__class__).pk, str(record.pk))
             for record in records}
    return [f"{row['action']} {row['object_repr']}" for pk, row in after["core.Change"].items()
            if pk not in before["core.Change"]
            and (row["content_type_id"], row["object_id"]) in named]


def _outcome(response, surface: str) -> tuple:
    """What the caller learns from an answer: status, where it leads, what it says."""
    if surface == "api":
        try:
            content = response.json()
        except ValueError:
            content = body_text(response)
        return response.status_code, content
    said = [str(message) for message in get_messages(response.wsgi_request)]
    # Ids in a redirect differ between two new records of the caller's own; the shape stays.
    where = re.sub(r"\d+", "N", response.get("Location", ""))
    return response.status_code, where, said


@pytest.mark.parametrize("case", ref_cases())
def test_naming_a_colleagues_record_in_the_data_is_as_if_it_did_not_exist(
        case: RefCase, sweep: Sweep):
    url = url_for(case, ids(case, sweep, None)) if case.kinds else (
        reverse(case.route) if case.surface == "ui" else case.route)
    theirs = case_data(case, sweep, sweep.colleague, victim_field=case.field)
    nothing = case_data(case, sweep, sweep.colleague, victim_field=case.field, missing=True)
    # One browser each, so the messages of the first answer do not show up in the second.
    colleague, again = sweep.browser(sweep.colleague), sweep.browser(sweep.colleague)
    victims = [record for (pk, _kind, _slot), record in sweep.built.items()
               if pk == sweep.owner.pk]
    before, before_portfolio = world(), portfolio(sweep.owner)

    response = send(colleague, case.surface, case.method, url, theirs)

    assert response.status_code < 500
    assert differences(before_portfolio, portfolio(sweep.owner)) == []
    assert new_changes_about(before, world(), victims) == []
    unknown = send(again, case.surface, case.method, url, nothing)
    assert _outcome(response, case.surface) == _outcome(unknown, case.surface), (
        f"{case}: naming a colleague's record answers differently from naming none")
    if case.surface == "api" and _route_key(case) not in HEAD_ONLY:
        # The control: with the caller's own record the body is valid, so the check was reached.
        own = send(colleague, case.surface, case.method, url,
                   case_data(case, sweep, sweep.colleague))
        assert own.status_code < 400, (own.status_code, _outcome(own, "api"))


@pytest.mark.parametrize("case", list_cases())
def test_lists_never_show_a_colleagues_records(case: ListCase, sweep: Sweep):
    listing = (UI_COLLECTIONS[case.route] if case.surface == "ui"
               else API_COLLECTIONS[f"GET {case.route}"])
    kinds = [kind for kind, spec in KINDS.items() if not spec.shared and kind != "user"]
    for kind in kinds:  # both have one of everything, so neither list is empty by accident
        sweep.record(kind, sweep.owner)
        sweep.record(kind, sweep.colleague)
    url = reverse(case.route) if case.surface == "ui" else case.route
    colleague = sweep.browser(sweep.colleague, case.auth)
    before = world()

    response = colleague.get(url, _query(listing, case.query, sweep, sweep.owner))

    # 403: a head-only page (no record named, so nothing is confirmed); 405: POST-only.
    assert response.status_code in {200, 403, 405}, response.status_code
    text = body_text(response)
    seen = [kind for kind in kinds if sweep.marker(kind, sweep.owner) in text]
    assert seen == [], f"{case}: a colleague sees the owner's {seen}"
    assert differences(before, world()) == []

    # The control: the owner sees their own records there, so the list is not empty by design.
    owner = sweep.browser(sweep.owner, case.auth)
    own_text = body_text(owner.get(url, _query(listing, case.query, sweep, sweep.owner)))
    missing = [kind for kind in listing.kinds if sweep.marker(kind, sweep.owner) not in own_text]
    assert missing == [], f"{case}: the owner does not see their own {missing} here"


def _query(listing: Listing, index: int, sweep: Sweep, target) -> dict:
    """The listing's query string, its refs and markers naming `target`'s records."""
    query = {}
    for name, value in listing.queries[index].items():
        if value is MARKER:  # a fragment: the search box echoes it, the record's name is longer
            value = sweep.marker(listing.kinds[0], target)[:-3]
        elif isinstance(value, Ref):
            value = getattr(sweep.record(value.kind, target), value.attr)
        query[name] = value
    return query


# --- the admin, exempted above as a whole -------------------------------------------------------


def test_admin_is_closed_to_managers(sweep: Sweep):
    from django.contrib import admin

    colleague = sweep.browser(sweep.colleague)
    login = reverse("admin:login")
    record = sweep.record("company", sweep.owner)
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        meta = model._meta
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_change",
                            args=[sweep.owner.pk if meta.label == "team.User" else record.pk]))
    before = world()

    answers = {url: colleague.get(url) for url in urls}

    assert {url: (answer.status_code, answer["Location"].split("?")[0])
            for url, answer in answers.items()} == dict.fromkeys(urls, (302, login))
    assert differences(before, world()) == []


# --- the meta-test: nothing escapes the sweep ---------------------------------------------------


def test_every_route_is_swept_or_exempted_with_a_reason():
    problems = []
    ui_keys = {route.key for route in UI_ROUTES}
    for route in UI_ROUTES:
        if _ui_exempt(route.key):
            continue
        if route.kwargs:
            kinds = UI_RECORD_ROUTES.get(route.key)
            if kinds is None:
                problems.append(f"UI route {route.key} ({route.pattern}) takes "
                                f"{list(route.kwargs)} but is not swept: add it to "
                                "UI_RECORD_ROUTES in tests/security/sweep.py, or to UI_EXEMPT "
                                "with the reason")
            elif set(kinds) != set(route.kwargs):
                problems.append(f"UI route {route.key} takes {sorted(route.kwargs)}; "
                                f"UI_RECORD_ROUTES names {sorted(kinds)}")
        elif route.key not in UI_COLLECTIONS:
            problems.append(f"UI route {route.key} ({route.pattern}) is not swept: add it to "
                            "UI_COLLECTIONS in tests/security/sweep.py (with what it lists), "
                            "or to UI_EXEMPT with the reason")
    for registry, name in [(UI_RECORD_ROUTES, "UI_RECORD_ROUTES"), (UI_DATA, "UI_DATA"),
                           (UI_COLLECTIONS, "UI_COLLECTIONS")]:
        problems += [f"{name} names {key}, which is no longer a route"
                     for key in registry if key not in ui_keys]
    problems += [f"UI_EXEMPT names {pattern}, which matches no route"
                 for pattern in UI_EXEMPT
                 if not any(fnmatch.fnmatchcase(key, pattern) for key in ui_keys)]

    api_keys = {operation.key for operation in API_OPERATIONS}
    for operation in API_OPERATIONS:
        if operation.key in API_EXEMPT:
            continue
        unknown = [param for param, kind in api_kinds(operation).items() if kind is None]
        if unknown:
            problems.append(f"API {operation.key}: path parameters {unknown} name no kind of "
                            "record: add them to API_PARAM_KINDS (or API_PARAM_OVERRIDES) in "
                            "tests/security/sweep.py, or the operation to API_EXEMPT")
        if operation.has_body and operation.key not in API_BODIES:
            problems.append(f"API {operation.key} takes a body: add a valid one to "
                            "API_BODIES so the sweep reaches the access check")
        if not operation.params:
            if operation.method == "GET" and operation.key not in API_COLLECTIONS:
                problems.append(f"API {operation.key} is not swept: add it to API_COLLECTIONS "
                                "(with what it lists), or to API_EXEMPT with the reason")
            if operation.method != "GET" and not _refs(API_BODIES.get(operation.key, {})):
                problems.append(f"API {operation.key} is not swept: give it a body in "
                                "API_BODIES that names another record with Ref(...), or add "
                                "it to API_EXEMPT with the reason")
    api_names = {route.key for route in UI_ROUTES if route.key.startswith("api:")}
    for registry, name in [(API_BODIES, "API_BODIES"), (API_COLLECTIONS, "API_COLLECTIONS"),
                           (API_PARAM_OVERRIDES, "API_PARAM_OVERRIDES"),
                           (API_EXEMPT, "API_EXEMPT")]:
        problems += [f"{name} names {key}, which is no longer an operation"
                     for key in registry if key not in api_keys | api_names]
    # Operations hidden from the document (include_in_schema=False) would escape the sweep.
    documented = {path for _method, path in (key.split(" ", 1) for key in api_keys)}
    for route in UI_ROUTES:
        if route.key.startswith("api:") and route.key not in API_EXEMPT:
            path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.pattern)
            if path not in documented:
                problems.append(f"API route {route.key} ({path}) is not in the OpenAPI "
                                "document, so the sweep cannot see it")
    kinds_named = [kind for kinds in UI_RECORD_ROUTES.values() for kind in kinds.values()]
    kinds_named += list(API_PARAM_KINDS.values())
    kinds_named += [kind for kinds in API_PARAM_OVERRIDES.values() for kind in kinds.values()]
    problems += [f"kind {kind!r} is not in KINDS" for kind in kinds_named if kind not in KINDS]
    problems += [f"every reason must say why: {key}" for key, reason in
                 {**UI_EXEMPT, **API_EXEMPT, **KNOWN_LEAKS}.items() if len(reason) < 15]

    assert problems == [], "\n".join(problems)
    assert API_PREFIX and all(op.path.startswith(API_PREFIX) for op in API_OPERATIONS)


def test_the_sweep_sees_every_route():
    """The enumeration itself: a sample of routes it must find, so it cannot go blind."""
    keys = {route.key for route in UI_ROUTES}
    assert {"clients:company", "clients:companies", "api:company_get", "admin:index"} <= keys
    assert {"GET /api/v1/companies/{company_id}", "DELETE /api/v1/contacts/{contact_id}"} <= {
        operation.key for operation in API_OPERATIONS}
    assert len(record_cases()) > 50 and len(list_cases()) > 15
