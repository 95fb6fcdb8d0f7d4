"""Read-side questions about the client database, always through the access layer."""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import CharField, Exists, F, Func, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from khata.clients.choices import ConsentStatus, Lifecycle
from khata.clients.models import (
    DEFAULT_FRESHNESS_DAYS,
    Company,
    Consent,
    Contact,
    FreshnessRule,
    Industry,
    Need,
)
from khata.clients.search import (
    domain_ids,
    email_company_ids,
    ids_matching_any,
    name_ids,
    phone_company_ids,
    registration_ids,
    rows_matching_any,
    sqlite_name_matches,
    tax_number_ids,
)
from khata.clients.validation import name_key
from khata.core.lists import (
    Page,
    estimated_rows,
    keyset_bound,
    keyset_page,
    keyset_until,
    walking_index_order,
)
from khata.team.access import is_head, visible_to

PHONE_LIKE = re.compile(r"^\+?[\d\s().-]{6,}$")

# Sort choices offered in the UI and API: name → keyset keys.
COMPANY_SORTS = {
    "name": ["sort_name", "id"],
    "-name": ["-sort_name", "-id"],
    "updated": ["updated_at", "id"],
    "-updated": ["-updated_at", "-id"],
    "verified": ["verified_or_created", "id"],
    "-verified": ["-verified_or_created", "-id"],
    "city": ["city", "sort_name", "id"],
}


@dataclass
class CompanyFilters:
    """What a company list is narrowed to; the same for the list page, export and the API."""

    q: str = ""
    industry: str = ""  # ISIC code: a section letter includes its divisions
    size_tier: list[str] = field(default_factory=list)
    lifecycle: list[str] = field(default_factory=list)
    country: str = ""
    region: str = ""
    owner: int | None = None
    needs: list[int] = field(default_factory=list)
    freshness: str = ""  # "stale", "fresh" or "never" (never verified)
    quality: str = ""  # a data-health problem: see QUALITY_CHECKS
    sort: str = "name"


def _no_contacts(queryset, user):
    return queryset.exclude(Exists(Contact.objects.filter(company=OuterRef("pk"))))


def _duplicates(queryset, user):
    return queryset.filter(pk__in=duplicates_suspected(user=user).values("pk"))


# Company-level data-health checks: name → narrowing of a company queryset.
QUALITY_CHECKS = {
    "no_contacts": _no_contacts,
    "no_industry": lambda queryset, user: queryset.filter(industry__isnull=True),
    "no_tax_number": lambda queryset, user: queryset.filter(tax_number="",
                                                            lifecycle=Lifecycle.CLIENT),
    "duplicates": _duplicates,
}
CONTACT_CHECKS = {
    "no_reach": lambda queryset: queryset.filter(email="", phone="", mobile=""),
    "no_consent": lambda queryset: queryset.exclude(email="").exclude(
        Exists(Consent.objects.filter(contact=OuterRef("pk"), channel="email"))),
}


def freshness_days() -> dict[str, int | None]:
    """Days before data goes stale, per lifecycle (the head's rules over the defaults)."""
    days = dict(DEFAULT_FRESHNESS_DAYS)
    days.update(dict(FreshnessRule.objects.values_list("lifecycle", "max_age_days")))
    return days


def stale_condition(now: datetime | None = None) -> Q:
    """Companies whose last verification (or creation) is older than their lifecycle allows."""
    now = now or timezone.now()
    condition = Q(pk__in=[])
    for lifecycle, days in freshness_days().items():
        if days is not None:
            condition |= Q(lifecycle=lifecycle,
                           verified_or_created__lt=now - timedelta(days=days))
    return condition


def _with_freshness(queryset: QuerySet[Company]) -> QuerySet[Company]:
    return queryset.annotate(verified_or_created=Coalesce("last_verified_at", "created_at"))


def _with_sort_name(queryset: QuerySet[Company], q: str) -> QuerySet[Company]:
    """`sort_name`, the name the list sorts by: the column itself, so the name indexes serve
    a list's order, except for a search on PostgreSQL.

    There the planner may walk the name index in order and test every row until it has a
    page, which is quick when matches come early in the alphabet and took 1-2 s at 1,000,000
    companies when they come late ('zimm', 'kumar', 'singh': most names with them start with
    them). `display_name || ''` sorts the same but no index can serve it, so PostgreSQL
    collects the matches through the trigram indexes and sorts only those: its cost follows
    the number of matches, never the position of the first one (docs/benchmarks.md)."""
    if q.strip() and connection.vendor == "postgresql":
        return queryset.annotate(sort_name=Func(
            F("display_name"), Value(""), template="(%(expressions)s)", arg_joiner=" || ",
            output_field=CharField()))
    return queryset.annotate(sort_name=F("display_name"))


def _search_text(q: str) -> str:
    """What the search box asks: its words, single-spaced."""
    return " ".join(q.split())


def _search(queryset: QuerySet[Company], q: str, *, by_rows: bool = False
            ) -> QuerySet[Company]:
    """One box finds a company by name, e-mail, phone, tax number or web domain; `by_rows`
    asks it of each row (`search.rows_matching_any`), for a walk along the name index."""
    q = _search_text(q)
    if not q:
        return queryset
    # An e-mail address is looked up as one (and its domain), not as a name fragment: the
    # trigrams of "…@….example.in" are in half the table (24 ms on PostgreSQL for nothing).
    email_like = "@" in q and " " not in q
    pieces = [] if email_like else [name_ids(q)]
    compact = re.sub(r"[\s./-]", "", q).upper()
    if len(compact) >= 5:
        pieces += [tax_number_ids(compact), registration_ids(q)]
    if "." in q and " " not in q and "@" not in q:
        pieces.append(domain_ids(q.lower().removeprefix("www.")))
    if "@" in q:
        pieces += email_company_ids(q)
        domain = q.rsplit("@", 1)[1].lower()
        if "." in domain:
            pieces.append(domain_ids(domain, exact=True))
    elif PHONE_LIKE.match(q):
        digits = re.sub(r"\D", "", q)
        # Numbers are stored in E.164, so the trailing digits of a local number match too.
        pieces += phone_company_ids(digits[-10:] if len(digits) >= 10 else digits)
    return queryset.filter(rows_matching_any(pieces) if by_rows else ids_matching_any(pieces))


def companies_visible(*, user, filters: CompanyFilters | None = None) -> QuerySet[Company]:
    """Companies in the user's reach, narrowed by `filters`, with what a list row shows."""
    filters = filters or CompanyFilters()
    return _with_sort_name(_companies_filtered(user=user, filters=filters), filters.q)


# A name search expected to match this many companies or more looks for its page in the next
# PROBE_ROWS names of the name index first (see `companies_page`).
DENSE_MATCHES = 20_000
PROBE_ROWS = 20_000


def companies_page(*, user, filters: CompanyFilters | None = None, cursor: str | None = None,
                   size: int = 50) -> Page:
    """One page of `companies_visible` in the filters' order, after `cursor`."""
    filters = filters or CompanyFilters()
    keys = COMPANY_SORTS[filters.sort]
    if filters.q.strip() and filters.sort in {"name", "-name"}:
        page = _dense_search_page(user=user, filters=filters, keys=keys, cursor=cursor,
                                  size=size)
        if page is not None:
            return page
    return keyset_page(companies_visible(user=user, filters=filters), keys=keys, cursor=cursor,
                       size=size)


def _dense_search_page(*, user, filters: CompanyFilters, keys: list[str], cursor: str | None,
                       size: int) -> Page | None:
    """The page of a search matching a large share of the table, or None to ask as usual.

    A fragment such as 'ltd' or 'pvt' (a quarter of a million names at 1,000,000 companies)
    made PostgreSQL collect and sort every match (about 500 ms), and SQLite look up every
    match the FTS table gave (200 ms). When that many are expected (PostgreSQL's planner;
    SQLite's FTS table, counted up to DENSE_MATCHES) the page is first looked for in a window
    of the next PROBE_ROWS names of the name index: matches that dense fill a page there in a
    few milliseconds, and what the window holds is exactly the first matches in order. A
    window that comes up short (matches clustered further on, as Z→A, where about 200,000
    Devanagari names come first) gives None, and the usual query answers: the same page."""
    if connection.vendor == "postgresql":
        walk = _companies_filtered(user=user, filters=filters)
        expected = estimated_rows(walk)
        if expected is None or expected < DENSE_MATCHES:
            return None
        # Deleted companies too: the window is only a stretch of names, and without the
        # deleted_at test the index alone answers.
        names = Company.all_objects.all()
    else:
        q = _search_text(filters.q)
        # The walk asks `LIKE`, which agrees with the FTS table for ASCII fragments only.
        if not q.isascii() or (sqlite_name_matches(q, up_to=DENSE_MATCHES) or 0) < DENSE_MATCHES:
            return None
        walk = _companies_filtered(user=user, filters=filters, by_rows=True)
        # The user's own names: a manager's window is their whole portfolio, read through
        # the owner's name index.
        names = visible_to(user, Company.all_objects.all())
    walk = walk.annotate(sort_name=F("display_name"))
    bound = keyset_bound(names.annotate(sort_name=F("display_name")), keys=keys,
                         cursor=cursor, offset=PROBE_ROWS)
    window = walk if bound is None else walk.filter(keyset_until(keys, bound))
    with walking_index_order():
        page = keyset_page(window, keys=keys, cursor=cursor, size=size)
    return page if bound is None or page.next_cursor is not None else None


def _companies_filtered(*, user, filters: CompanyFilters, by_rows: bool = False
                        ) -> QuerySet[Company]:
    queryset = _search(_with_freshness(visible_to(user, Company.objects.all())), filters.q,
                       by_rows=by_rows)
    if filters.industry:
        code = filters.industry.strip().upper()
        queryset = queryset.filter(Q(industry__code=code) | Q(industry__section__code=code))
    if filters.size_tier:
        queryset = queryset.filter(size_tier__in=filters.size_tier)
    if filters.lifecycle:
        queryset = queryset.filter(lifecycle__in=filters.lifecycle)
    if filters.country:
        queryset = queryset.filter(country=filters.country.upper())
    if filters.region:
        queryset = queryset.filter(region__iexact=filters.region)
    if filters.owner:
        queryset = queryset.filter(owner_id=filters.owner)
    for need in filters.needs:
        queryset = queryset.filter(needs=need)
    if filters.freshness == "stale":
        queryset = queryset.filter(stale_condition())
    elif filters.freshness == "fresh":
        queryset = queryset.exclude(stale_condition())
    elif filters.freshness == "never":
        queryset = queryset.filter(last_verified_at__isnull=True)
    if filters.quality in QUALITY_CHECKS:
        queryset = QUALITY_CHECKS[filters.quality](queryset, user)
    return queryset.select_related("industry", "owner").prefetch_related("needs")


def companies_stale(*, user, now: datetime | None = None) -> QuerySet[Company]:
    """Companies in the user's reach whose data is older than their lifecycle allows, oldest
    first (company_freshness_idx serves the order, so the first rows come without a sort)."""
    # Work lists (stale records, portfolio counts, data health) cover the portfolio the user
    # holds ("change"), not colleagues' they may only read when the head allows it.
    queryset = _with_freshness(visible_to(user, Company.objects.all(), "change"))
    # prefetch, not select_related: with the join SQLite started from the users and sorted
    # every stale company (0.7 s at 1,000,000 companies) instead of reading the index in order.
    return (queryset.filter(stale_condition(now)).prefetch_related("owner")
            .order_by("verified_or_created", "id"))


def company_detail(*, user, pk) -> Company:
    """One company with its contacts, addresses and needs (404 when out of reach)."""
    from khata.team.access import get_visible_or_404

    queryset = _with_freshness(Company.objects.all()).select_related(
        "industry", "industry__section", "owner", "last_verified_by"
    ).prefetch_related(
        "needs", "addresses",
        Prefetch("contacts", queryset=Contact.objects.prefetch_related("consents")),
    )
    return get_visible_or_404(user, queryset, pk)


def is_stale(company: Company, now: datetime | None = None) -> bool:
    """Is this one company's data older than its lifecycle allows?"""
    days = freshness_days().get(company.lifecycle)
    if days is None:
        return False
    reference = company.last_verified_at or company.created_at
    return reference < (now or timezone.now()) - timedelta(days=days)


def contacts_visible(*, user, q: str = "", company: int | None = None,
                     quality: str = "") -> QuerySet[Contact]:
    """Contacts in the user's reach, optionally of one company, matching a search or a
    data-health problem."""
    queryset = visible_to(user, Contact.objects.all()).select_related("company")
    if quality in CONTACT_CHECKS:
        queryset = CONTACT_CHECKS[quality](queryset)
    if company:
        queryset = queryset.filter(company_id=company)
    q = q.strip()
    if q:
        condition = Q(name__icontains=q) | Q(email__iexact=q) | Q(job_title__icontains=q)
        if PHONE_LIKE.match(q):
            digits = re.sub(r"\D", "", q)
            condition |= Q(phone__endswith=digits[-10:]) | Q(mobile__endswith=digits[-10:])
        queryset = queryset.filter(condition)
    return queryset


def current_consent(contact: Contact) -> dict[str, Consent]:
    """The latest consent event per channel (uses prefetched `consents` when present)."""
    latest: dict[str, Consent] = {}
    for consent in sorted(contact.consents.all(), key=lambda item: (item.at, item.id)):
        latest[consent.channel] = consent
    return latest


def channels_withdrawn_many(*, company_ids: Iterable[int] = (), contact_ids: Iterable[int] = ()
                            ) -> tuple[dict[int, set[str]], dict[int, set[str]]]:
    """Consent channels ("email", "phone", "fax") closed to us, for many records at once (the
    plan job asks for a thousand in one go), in three queries at most whatever the count
    (none for an empty list of ids). Per contact (asked for, or of a company asked
    for): the channels whose latest consent event is a withdrawal. Per company: the channels
    every contact of it withdrew. Records with nothing closed are left out of the answer."""
    company_ids, contact_ids = list(company_ids), list(contact_ids)
    members: dict[int, list[int]] = {}
    for pk, company_id in (Contact.objects.filter(company_id__in=company_ids).order_by()
                           .values_list("pk", "company_id")):
        members.setdefault(company_id, []).append(pk)
    latest: dict[int, dict[str, str]] = {}
    for asked in (Q(contact__company_id__in=company_ids, contact__deleted_at__isnull=True),
                  Q(contact_id__in=contact_ids)):
        for contact_id, channel, status in (Consent.objects.filter(asked).order_by("at", "id")
                                            .values_list("contact_id", "channel", "status")):
            latest.setdefault(contact_id, {})[channel] = status
    by_contact = {}
    for contact_id, statuses in latest.items():
        closed = {channel for channel, status in statuses.items()
                  if status == ConsentStatus.WITHDRAWN}
        if closed:
            by_contact[contact_id] = closed
    by_company = {}
    for company_id, contacts in members.items():
        closed = set.intersection(*(by_contact.get(contact_id, set())
                                    for contact_id in contacts))
        if closed:
            by_company[company_id] = closed
    return by_company, by_contact


def industries() -> QuerySet[Industry]:
    """Every ISIC section and division, sections first within their letter."""
    return Industry.objects.select_related("section").order_by("code")


def needs_all() -> QuerySet[Need]:
    return Need.objects.order_by("name")


COUNT_CAP = 10_000


class AtLeast(int):
    """A count that stopped at its cap: the real number is this or more ("10,000+")."""


def count_capped(queryset: QuerySet, cap: int = COUNT_CAP) -> int:
    """How many rows, or AtLeast(cap) when there are more. Counting a whole table on every
    page view grows with the table (290–400 ms at 100,000 companies, docs/benchmarks.md);
    this reads at most cap + 1 rows."""
    n = queryset.order_by()[:cap + 1].count()
    return AtLeast(cap) if n > cap else n


def lifecycle_counts(*, user, cap: int = COUNT_CAP) -> dict[str, int]:
    """How many companies of each lifecycle the user holds; a count above `cap` is
    AtLeast(cap)."""
    from django.db.models import Count

    scope = visible_to(user, Company.objects.all(), "change")
    if isinstance(count_capped(scope, cap), AtLeast):
        return {lifecycle: count_capped(scope.filter(lifecycle=lifecycle), cap)
                for lifecycle in Lifecycle.values}
    counts = dict.fromkeys(Lifecycle.values, 0)
    counts.update(dict(scope.order_by().values("lifecycle").annotate(n=Count("id"))
                       .values_list("lifecycle", "n")))
    return counts


def duplicate_candidates(*, user, company: Company, q: str = "", limit: int = 10) -> list:
    """Companies in reach that may be the same as `company`, best first: [(company, why)]."""
    from rapidfuzz import fuzz


    scope = visible_to(user, Company.objects.exclude(pk=company.pk)).select_related("owner")
    found: dict[int, tuple] = {}
    if company.tax_number:
        for other in scope.filter(tax_number=company.tax_number)[:limit]:
            found[other.pk] = (other, 100, _("same tax number"))
    if company.domain:
        for other in scope.filter(domain=company.domain)[:limit]:
            found.setdefault(other.pk, (other, 100, _("same web domain")))
    key = name_key(company.display_name)
    first = key.split()[0] if key else ""
    pool = scope.filter(display_name__icontains=q.strip()) if q.strip() else (
        scope.filter(display_name__icontains=first) if first else scope.none())
    for other in pool[:200]:
        score = fuzz.token_sort_ratio(key, name_key(other.display_name))
        same_city = other.city.casefold() == company.city.casefold()
        if q.strip() or (score >= 80 and same_city):
            found.setdefault(other.pk, (other, score, _("similar name (%(s)d%%)") % {"s": score}
                                        + (_(", same city") if same_city else "")))
    ranked = sorted(found.values(), key=lambda item: -item[1])
    return [(other, why) for other, _score, why in ranked[:limit]]


def duplicates_suspected(*, user) -> QuerySet[Company]:
    """Companies sharing a tax number or a web domain with another company in reach."""
    from django.db.models import Count

    scope = visible_to(user, Company.objects.all(), "change")
    taxes = (scope.exclude(tax_number="").values("tax_number").annotate(n=Count("id"))
             .filter(n__gt=1).values("tax_number"))
    domains = (scope.exclude(domain="").values("domain").annotate(n=Count("id"))
               .filter(n__gt=1).values("domain"))
    return scope.filter(Q(tax_number__in=taxes) | Q(domain__in=domains)).order_by(
        "domain", "tax_number", "id")


def data_health(*, user) -> dict:
    """Counts of each data problem in the user's reach, and per owner for the head."""
    from django.db.models import Count

    companies = _with_freshness(visible_to(user, Company.objects.all(), "change"))
    contacts = visible_to(user, Contact.objects.all(), "change")
    checks = {
        "companies": companies,
        "stale": companies.filter(stale_condition()),
        "never": companies.filter(last_verified_at__isnull=True),
        **{name: check(companies, user) for name, check in QUALITY_CHECKS.items()},
    }
    contact_checks = {name: check(contacts) for name, check in CONTACT_CHECKS.items()}
    totals = {name: queryset.count() for name, queryset in checks.items()}
    totals.update({name: queryset.count() for name, queryset in contact_checks.items()})
    totals["contacts"] = contacts.count()
    by_owner = {}
    if is_head(user):
        for name, queryset in checks.items():
            for owner_id, n in queryset.order_by().values_list("owner").annotate(n=Count("id")):
                by_owner.setdefault(owner_id, {})[name] = n
        for name, queryset in contact_checks.items():
            rows = queryset.order_by().values_list("company__owner").annotate(n=Count("id"))
            for owner_id, n in rows:
                by_owner.setdefault(owner_id, {})[name] = n
    return {"totals": totals, "by_owner": by_owner}


def saved_views_of(*, user) -> QuerySet:
    """The user's saved views of the company list."""
    from khata.clients.models import SavedView

    return visible_to(user, SavedView.objects.filter(user=user.pk)).order_by("name")


def with_visible_links(*, user, queryset: QuerySet[Contact]) -> QuerySet[Contact]:
    """Contacts with `visible_also_at`: the other companies they work with that the user may
    see (a link made by the head must not show a colleague's company to a manager)."""
    return queryset.prefetch_related(
        "consents",
        Prefetch("also_at", queryset=visible_to(user, Company.objects.all()),
                 to_attr="visible_also_at"))


def company_by_exact_name(*, user, name: str) -> Company | None:
    """The one company in reach with this name (any case), or None when none or several."""
    name = (name or "").strip()
    matches = list(visible_to(user, Company.objects.filter(display_name__iexact=name))[:2]) \
        if name else []
    return matches[0] if len(matches) == 1 else None


def industry_ids_with_codes(codes: list[str]) -> QuerySet:
    """Ids of the industries with these ISIC codes, and of the divisions under the sections
    among them (a subquery for segment rules: "industry is one of C, 62")."""
    sections = [code for code in codes if code.isalpha()]
    return Industry.objects.filter(Q(code__in=codes) | Q(section__code__in=sections)).values(
        "pk")


def company_ids_with_need(need_id: int) -> QuerySet:
    """Ids of companies tagged with one need (a subquery for segment rules: "has all of")."""
    return Company.needs.through.objects.filter(need_id=need_id).values("company_id")


def company_ids_with_any_need(need_ids: list[int]) -> QuerySet:
    """Ids of companies tagged with at least one of the needs (a subquery for segment rules:
    a join would repeat a company once per matching need)."""
    return Company.needs.through.objects.filter(need_id__in=need_ids).values("company_id")


# Mail providers whose domain says nothing about the sender's company.
PUBLIC_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.in", "hotmail.com", "outlook.com",
    "live.com", "rediffmail.com", "icloud.com", "aol.com", "proton.me", "protonmail.com",
    "zoho.com", "gmx.de", "gmx.net", "web.de", "mail.ru", "yandex.ru",
})


def company_lookalike(*, user, name: str, city: str = "", domain: str = "",
                      email: str = "") -> Company | None:
    """The company in the user's reach that a new prospect most likely is: same web domain,
    same e-mail domain (not a public mail provider), or same normalised name in the same city."""
    scope = visible_to(user, Company.objects.all())
    mail_domain = email.rsplit("@", 1)[-1].lower() if "@" in (email or "") else ""
    for candidate in (domain, mail_domain if mail_domain not in PUBLIC_MAIL_DOMAINS else ""):
        if candidate:
            found = scope.filter(domain=candidate.lower().removeprefix("www.")).first()
            if found is not None:
                return found
    key = name_key(name)
    if not key:
        return None
    first = key.split()[0]
    candidates = scope.filter(display_name__icontains=first)
    if city:
        candidates = candidates.filter(city__iexact=city.strip())
    for company in candidates.only("pk", "display_name", "owner_id")[:50]:
        if name_key(company.display_name) == key:
            return company
    return None


def industry_by_code(code: str) -> Industry | None:
    """An ISIC section or division by its code ("C", "62"), or None."""
    return Industry.objects.filter(code=(code or "").strip().upper()).first()
