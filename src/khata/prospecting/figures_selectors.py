"""Read side of the stored figures: the analysis pages add up the per-owner rows of the
owners the user may see (team.access.owners_in_reach), a handful of small queries whatever
the size of the database, and say how old the figures are. Until the first refresh they fall
back to the live selectors. Drill-downs still open the live lists."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from django.db import OperationalError, connections, transaction
from django.db.models import Max, Q, QuerySet, Sum
from django.utils import timezone

from khata.core.lists import estimated_rows
from khata.prospecting.choices import FigureDimension
from khata.prospecting.models import AudienceFigure, FigureRun, Segment
from khata.prospecting.selectors import (
    AudienceRow,
    MethodFigures,
    SegmentFigures,
    audience_breakdown,
    leads_by_month,
    search_method_figures,
    search_methods_visible,
    segment_figures,
    segment_members,
    segments_visible,
)
from khata.team.access import owners_in_reach

AUDIENCE = (FigureDimension.INDUSTRY, FigureDimension.SIZE_TIER, FigureDimension.NEEDS,
            FigureDimension.REGION)
SUMS = ("total", "prospects", "clients", "former", "leads", "qualified", "disqualified",
        "converted", "qualify_seconds", "timed")


def figure_run_latest() -> FigureRun | None:
    """The last refresh of the stored figures, or None before the first."""
    return FigureRun.objects.order_by("-finished_at", "-id").first()


def minutes_since(moment: datetime | None) -> int | None:
    """Whole minutes from `moment` to now (what "figures as of … (N minutes ago)" shows)."""
    if moment is None:
        return None
    return max(0, int((timezone.now() - moment).total_seconds() // 60))


@dataclass
class Figures:
    """What the analysis pages show, from the stored figures (or live before the first
    refresh: `as_of` is None then)."""

    audience: dict[str, list[AudienceRow]]
    methods: list[MethodFigures]
    segments: list[SegmentFigures]
    trend: list[dict]
    as_of: datetime | None

    @property
    def minutes_old(self) -> int | None:
        return minutes_since(self.as_of)


def _owned(user, queryset: QuerySet) -> QuerySet:
    return queryset.filter(_reach_q(user))


def _sums(user, dimensions) -> dict[str, dict[str, dict]]:
    """dimension → key → summed figures over the owners in the user's reach (one query)."""
    rows = (_owned(user, AudienceFigure.objects.filter(dimension__in=list(dimensions)))
            .order_by().values("dimension", "key")
            .annotate(**{name: Sum(name) for name in SUMS}))
    found: dict[str, dict[str, dict]] = defaultdict(dict)
    for row in rows:
        found[row["dimension"]][row["key"]] = row
    return found


def _audience_rows(dimension: str, rows: dict[str, dict], limit: int) -> list[AudienceRow]:
    from khata.clients.choices import SizeTier
    from khata.clients.selectors import industries, needs_all

    if dimension == FigureDimension.INDUSTRY:
        names = {industry.code: industry.name for industry in industries()
                 if industry.is_section}
        label, query = (lambda key: names.get(key, key)), "industry"
    elif dimension == FigureDimension.SIZE_TIER:
        labels = dict(SizeTier.choices)
        label, query = (lambda key: str(labels.get(key, key))), "size_tier"
    elif dimension == FigureDimension.NEEDS:
        names = {str(need.pk): need.name for need in needs_all()}
        label, query = (lambda key: names.get(key, "?")), "needs"
    else:
        label, query = (lambda key: key), "region"
    result = [AudienceRow(key, label(key), row["prospects"], row["clients"], row["former"],
                          row["total"], f"{query}={key}")
              for key, row in rows.items() if row["total"]]
    return sorted(result, key=lambda row: (-row.total, row.label))[:limit]


def _method_figures(user, rows: dict[str, dict]) -> list[MethodFigures]:
    figures = []
    for method in search_methods_visible(user=user):
        row = rows.get(str(method.pk), {})
        timed, seconds = row.get("timed") or 0, row.get("qualify_seconds") or 0
        figures.append(MethodFigures(
            method=method, leads=row.get("leads") or 0, qualified=row.get("qualified") or 0,
            disqualified=row.get("disqualified") or 0, clients=row.get("converted") or 0,
            days_to_qualify=round(seconds / timed / 86400, 1) if timed and seconds else None))
    return sorted(figures, key=lambda f: (-(f.client_rate or 0), -(f.qualified_rate or 0),
                                          f.method.name))


def _segment_figures(user, rows: dict[str, dict], limit: int) -> list[SegmentFigures]:
    figures = []
    for segment in segments_visible(user=user)[:limit]:
        row = rows.get(str(segment.pk), {})
        figures.append(SegmentFigures(segment, row.get("total") or 0,
                                      row.get("prospects") or 0,
                                      (row.get("clients") or 0) + (row.get("former") or 0)))
    return sorted(figures, key=lambda f: (-(f.win_rate or 0), -f.total))


def _trend(rows: dict[str, dict]) -> list[dict]:
    from khata.prospecting.models import SearchMethod

    names = dict(SearchMethod.objects.values_list("pk", "name"))
    result = []
    for key, row in rows.items():
        month, _sep, method_id = key.partition("|")
        if not row["leads"]:
            continue
        moment = datetime.combine(date.fromisoformat(month), datetime.min.time(),
                                  tzinfo=timezone.get_current_timezone())
        result.append({"month": moment, "search_method__name": names.get(int(method_id), "?"),
                       "leads": row["leads"]})
    return sorted(result, key=lambda row: (row["month"], row["search_method__name"]))


def analysis_figures(*, user, limit: int = 20) -> Figures:
    """Everything the audience analysis page shows, for the owners in the user's reach, from
    the last refresh: a few small queries whatever the number of companies and leads."""
    run = figure_run_latest()
    if run is None:
        return Figures(
            audience={dimension: audience_breakdown(user=user, dimension=dimension,
                                                    limit=limit) for dimension in AUDIENCE},
            methods=search_method_figures(user=user), segments=segment_figures(user=user),
            trend=leads_by_month(user=user), as_of=None)
    sums = _sums(user, [*AUDIENCE, FigureDimension.METHOD, FigureDimension.SEGMENT,
                        FigureDimension.MONTH])
    return Figures(
        audience={dimension: _audience_rows(dimension, sums[dimension], limit)
                  for dimension in AUDIENCE},
        methods=_method_figures(user, sums[FigureDimension.METHOD]),
        segments=_segment_figures(user, sums[FigureDimension.SEGMENT], limit),
        trend=_trend(sums[FigureDimension.MONTH]), as_of=run.finished_at)


def method_figures_stored(*, user) -> tuple[list[MethodFigures], datetime | None]:
    """The search-method table from the last refresh (live before the first), and its time."""
    run = figure_run_latest()
    if run is None:
        return search_method_figures(user=user), None
    return _method_figures(user, _sums(user, [FigureDimension.METHOD])[
        FigureDimension.METHOD]), run.finished_at


# ---------------------------------------------------------------- member counts


@dataclass(frozen=True)
class MemberCount:
    """How many companies in the user's reach a segment (or rules being edited) has."""

    value: int
    approximate: bool = False  # the database's estimate: the exact count took too long
    as_of: datetime | None = None  # counted by the last refresh; None: counted just now

    @property
    def minutes_old(self) -> int | None:
        return minutes_since(self.as_of)


def segment_count(*, user, segment: Segment) -> MemberCount:
    """The segment's members in the user's reach: from the stored figures when they were
    counted after its rules last changed (one small query), otherwise counted now."""
    stored = (AudienceFigure.objects.filter(dimension=FigureDimension.SEGMENT,
                                            key=str(segment.pk))
              .aggregate(at=Max("counted_at"), members=Sum("total", filter=_reach_q(user))))
    if stored["at"] is not None and stored["at"] >= segment.updated_at:
        return MemberCount(stored["members"] or 0, as_of=stored["at"])
    return count_quickly(segment_members(user=user, segment=segment))


def _reach_q(user) -> Q:
    owners = owners_in_reach(user)
    return Q() if owners is None else Q(owner_id__in=sorted(owners))


# An exact count that takes longer than this on PostgreSQL gives way to the planner's
# estimate ("about 230,000"): counting a quarter of a million companies reads most of the
# table (2.7 s at 1,000,000), and the builder counts on every change of a rule.
COUNT_BUDGET_MS = 600


def count_quickly(queryset: QuerySet, *, budget_ms: int = COUNT_BUDGET_MS) -> MemberCount:
    """The exact number of rows, or on PostgreSQL, when counting takes longer than
    `budget_ms`, the planner's estimate (marked approximate). SQLite always counts."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return MemberCount(queryset.count())
    try:
        with transaction.atomic(using=queryset.db), connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('statement_timeout')")
            [previous] = cursor.fetchone()
            cursor.execute("SELECT set_config('statement_timeout', %s, true)",
                           [str(int(budget_ms))])
            value = queryset.count()
            # Back to what it was for the rest of an enclosing transaction.
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous])
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != "57014":  # query_canceled
            raise
        return MemberCount(planner_estimate(queryset), approximate=True)
    return MemberCount(value)


def planner_estimate(queryset: QuerySet) -> int:
    """PostgreSQL's estimate of how many rows `queryset` has (EXPLAIN, nothing is read),
    rounded to two significant figures."""
    rows = estimated_rows(queryset) or 0
    return int(float(f"{rows:.2g}")) if rows >= 100 else rows
