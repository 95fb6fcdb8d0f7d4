"""Read-side questions of prospecting, always through the access layer."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet

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
        compile_rules(segment.rules)).distinct()


def rules_members(*, user, rules: dict):
    """The companies in reach meeting `rules` (validated), for a live count while editing."""
    return companies_visible(user=user).filter(compile_rules(rules)).distinct()
