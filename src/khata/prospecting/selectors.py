"""Read-side questions of prospecting, always through the access layer."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import Coalesce

from khata.clients.choices import Lifecycle
from khata.clients.selectors import CompanyFilters, companies_visible
from khata.prospecting.choices import LeadStatus
from khata.prospecting.models import DisqualifyReason, Lead, SearchMethod, Segment
from khata.prospecting.segments import compile_rules
from khata.team.access import visible_to


@dataclass
class LeadFilters:
    """What the lead list is narrowed to (UI, API and export alike)."""

    q: str = ""
    status: str = ""
    search_method: int | None = None
    owner: int | None = None
    flagged: bool = False  # only leads that look like an existing company
    held: bool = False  # only open web-form leads held for review (sent during a burst)


def leads_visible(*, user, filters: LeadFilters | None = None) -> QuerySet[Lead]:
    """Leads in the user's reach, newest first, with what the list shows fetched alongside."""
    filters = filters or LeadFilters()
    leads = visible_to(user, Lead.objects.all())
    if filters.q:
        text = filters.q.strip()
        leads = leads.filter(Q(company_name__icontains=text) | Q(contact_name__icontains=text)
                             | Q(email__icontains=text))
    if filters.status:
        leads = leads.filter(status=filters.status)
    if filters.search_method:
        leads = leads.filter(search_method_id=filters.search_method)
    if filters.owner:
        leads = leads.filter(owner_id=filters.owner)
    if filters.held:
        leads = leads.filter(held=True, status__in=[LeadStatus.NEW, LeadStatus.WORKING])
    if filters.flagged:
        leads = leads.filter(matches_company__isnull=False, status__in=[
            LeadStatus.NEW, LeadStatus.WORKING])
    return leads.select_related("search_method", "owner", "matches_company", "company",
                                "disqualify_reason").order_by("-created_at", "-id")


def search_methods_visible(*, user) -> QuerySet[SearchMethod]:
    """Every search method (the team shares them), by name."""
    return visible_to(user, SearchMethod.objects.all()).select_related("owner").order_by("name")


def disqualify_reasons() -> QuerySet[DisqualifyReason]:
    return DisqualifyReason.objects.filter(is_active=True).order_by("name")


@dataclass
class MethodFigures:
    """What one search method brought, over the leads the user may see."""

    method: SearchMethod
    leads: int
    qualified: int
    disqualified: int
    clients: int
    days_to_qualify: float | None

    @property
    def qualified_rate(self) -> float | None:
        return self.qualified / self.leads if self.leads else None

    @property
    def client_rate(self) -> float | None:
        return self.clients / self.leads if self.leads else None

    @property
    def cost_per_lead(self) -> Decimal | None:
        return (self.method.cost / self.leads).quantize(Decimal("0.01")) if self.leads else None

    @property
    def cost_per_client(self) -> Decimal | None:
        return (self.method.cost / self.clients).quantize(Decimal("0.01")) \
            if self.clients else None


def search_method_figures(*, user) -> list[MethodFigures]:
    """Every method with leads found, qualified, converted to clients, time to qualify and
    cost per lead and per client, best converters first. Two queries, whatever the count."""
    open_days = ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())
    rows = (visible_to(user, Lead.objects.all()).order_by().values("search_method")
            .annotate(leads=Count("pk"),
                      qualified=Count("pk", filter=Q(status=LeadStatus.QUALIFIED)),
                      disqualified=Count("pk", filter=Q(status=LeadStatus.DISQUALIFIED)),
                      clients=Count("pk", filter=Q(status=LeadStatus.QUALIFIED,
                                                   company__lifecycle=Lifecycle.CLIENT)),
                      time=Avg(open_days, filter=Q(status=LeadStatus.QUALIFIED))))
    by_method = {row["search_method"]: row for row in rows}
    figures = []
    for method in search_methods_visible(user=user):
        row = by_method.get(method.pk, {})
        time = row.get("time")
        figures.append(MethodFigures(
            method=method, leads=row.get("leads", 0), qualified=row.get("qualified", 0),
            disqualified=row.get("disqualified", 0), clients=row.get("clients", 0),
            days_to_qualify=round(time.total_seconds() / 86400, 1) if time else None))
    return sorted(figures, key=lambda f: (-(f.client_rate or 0), -(f.qualified_rate or 0),
                                          f.method.name))


def segments_visible(*, user) -> QuerySet[Segment]:
    """Every segment (the team shares them), by name."""
    return visible_to(user, Segment.objects.all()).select_related("owner").order_by("name")


def segment_members(*, user, segment: Segment, filters: CompanyFilters | None = None):
    """The companies in the user's reach that meet the segment's rules."""
    return companies_visible(user=user, filters=filters).filter(
        compile_rules(segment.rules))


def rules_members(*, user, rules: dict):
    """The companies in reach meeting `rules` (validated), for a live count while editing."""
    return companies_visible(user=user).filter(compile_rules(rules))


# ---------------------------------------------------------------- audience analysis

WON = (Lifecycle.CLIENT, Lifecycle.FORMER)


@dataclass
class AudienceRow:
    """One bar of the audience analysis: a value of a dimension and its companies."""

    key: str
    label: str
    prospects: int
    clients: int
    former: int
    total: int
    query: str  # the company-list filter behind it (drill-down)

    @property
    def win_rate(self) -> float | None:
        """Share of the group that was ever won (clients and former clients)."""
        return (self.clients + self.former) / self.total if self.total else None


def _counts(queryset, key: str):
    # Grouped by one value per company (an industry, a size, a region; a need through its
    # join row), so each company counts once per group without COUNT(DISTINCT …).
    return (queryset.order_by().values(key)
            .annotate(total=Count("pk"),
                      prospects=Count("pk", filter=Q(lifecycle=Lifecycle.PROSPECT)),
                      clients=Count("pk", filter=Q(lifecycle=Lifecycle.CLIENT)),
                      former=Count("pk", filter=Q(lifecycle=Lifecycle.FORMER))))


def audience_breakdown(*, user, dimension: str, limit: int = 20) -> list[AudienceRow]:
    """Prospects and clients in the user's reach by `dimension` — "industry" (focus: ISIC
    section), "size_tier" (level), "needs", "region" — largest groups first, each with the
    company-list query that lists it. One query."""
    from khata.clients.choices import SizeTier
    from khata.clients.selectors import industries, needs_all

    companies = companies_visible(user=user)
    if dimension == "industry":
        rows = _counts(companies.annotate(section=Coalesce("industry__section__code",
                                                           "industry__code")), "section")
        names = {industry.code: industry.name for industry in industries()
                 if industry.is_section}
        make = [(row["section"], names.get(row["section"], row["section"]),
                 f"industry={row['section']}") for row in rows if row["section"]]
    elif dimension == "size_tier":
        rows = _counts(companies, "size_tier")
        labels = dict(SizeTier.choices)
        make = [(row["size_tier"], str(labels.get(row["size_tier"], row["size_tier"])),
                 f"size_tier={row['size_tier']}") for row in rows if row["size_tier"]]
    elif dimension == "needs":
        rows = _counts(companies.filter(needs__isnull=False), "needs")
        labels = {need.pk: need.name for need in needs_all()}
        make = [(str(row["needs"]), labels.get(row["needs"], "?"), f"needs={row['needs']}")
                for row in rows]
    elif dimension == "region":
        rows = _counts(companies.exclude(region=""), "region")
        make = [(row["region"], row["region"], f"region={row['region']}") for row in rows]
    else:
        raise ValueError(f"unknown dimension {dimension!r}")
    by_key = {str(row.get("section", row.get(dimension))): row for row in rows}
    result = []
    for key, label, query in make:
        row = by_key[str(key)]
        result.append(AudienceRow(str(key), label, row["prospects"], row["clients"],
                                  row["former"], row["total"], query))
    return sorted(result, key=lambda row: (-row.total, row.label))[:limit]


@dataclass
class SegmentFigures:
    """A segment's size and how much of it the company has won."""

    segment: Segment
    total: int
    prospects: int
    won: int

    @property
    def win_rate(self) -> float | None:
        return self.won / self.total if self.total else None


def segment_figures(*, user, limit: int = 20) -> list[SegmentFigures]:
    """Each segment (up to `limit`) with members in reach, prospects and won: one query each."""
    figures = []
    for segment in segments_visible(user=user)[:limit]:
        counts = segment_members(user=user, segment=segment).aggregate(
            total=Count("pk", distinct=True),
            prospects=Count("pk", filter=Q(lifecycle=Lifecycle.PROSPECT), distinct=True),
            won=Count("pk", filter=Q(lifecycle__in=WON), distinct=True))
        figures.append(SegmentFigures(segment, counts["total"], counts["prospects"],
                                      counts["won"]))
    return sorted(figures, key=lambda f: (-(f.win_rate or 0), -f.total))


def leads_by_month(*, user, months: int = 12) -> list[dict]:
    """Leads in reach per month and search method over the last `months` (for the trend)."""
    from datetime import timedelta

    from django.db.models.functions import TruncMonth
    from django.utils import timezone

    since = timezone.now() - timedelta(days=31 * months)
    return list(visible_to(user, Lead.objects.filter(created_at__gte=since)).order_by()
                .annotate(month=TruncMonth("created_at"))
                .values("month", "search_method__name").annotate(leads=Count("pk"))
                .order_by("month", "search_method__name"))
