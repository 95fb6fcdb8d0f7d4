"""Write side of the stored figures: count the audience, the segments and the search methods
per owner in a few set-based queries (one GROUP BY per dimension, the same SQL on SQLite and
PostgreSQL) and swap them in at once. The worker runs it hourly; "refresh now" on the pages
and `khata figures refresh` run it on demand. Running it twice changes nothing."""

import time
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from khata.clients.choices import Lifecycle
from khata.clients.models import Company
from khata.core.selectors import task_waiting
from khata.prospecting.choices import FigureDimension, LeadStatus
from khata.prospecting.models import AudienceFigure, FigureRun, Lead, Segment
from khata.prospecting.segments import compile_rules
from khata.prospecting.services import segment_count_record
from khata.team.access import ensure_active

BATCH = 2000
KEEP_RUNS = 48
TREND_MONTHS = 12  # the analysis page's trend: leads per month over the last year

COMPANY_COUNTS = {
    "total": Count("pk"),
    "prospects": Count("pk", filter=Q(lifecycle=Lifecycle.PROSPECT)),
    "clients": Count("pk", filter=Q(lifecycle=Lifecycle.CLIENT)),
    "former": Count("pk", filter=Q(lifecycle=Lifecycle.FORMER)),
}


def _company_figures(dimension: str, rows, key: str, at) -> list[AudienceFigure]:
    return [AudienceFigure(owner_id=row["owner_id"], dimension=dimension, key=str(row[key]),
                           total=row["total"], prospects=row["prospects"],
                           clients=row["clients"], former=row["former"], counted_at=at)
            for row in rows if row[key] not in (None, "")]


def audience_rows(at) -> list[AudienceFigure]:
    """Live companies per owner by industry section, size, need and region."""
    companies = Company.objects.order_by()  # live companies only (the default manager)
    by_section = (companies.annotate(section=Coalesce("industry__section__code",
                                                      "industry__code"))
                  .values("owner_id", "section").annotate(**COMPANY_COUNTS))
    by_tier = companies.values("owner_id", "size_tier").annotate(**COMPANY_COUNTS)
    # Through the join row: each company counts once per need it has.
    by_need = (companies.filter(needs__isnull=False).values("owner_id", "needs")
               .annotate(**COMPANY_COUNTS))
    by_region = companies.exclude(region="").values("owner_id", "region").annotate(
        **COMPANY_COUNTS)
    return [*_company_figures(FigureDimension.INDUSTRY, by_section, "section", at),
            *_company_figures(FigureDimension.SIZE_TIER, by_tier, "size_tier", at),
            *_company_figures(FigureDimension.NEEDS, by_need, "needs", at),
            *_company_figures(FigureDimension.REGION, by_region, "region", at)]


def segment_rows(segment: Segment, at) -> list[AudienceFigure]:
    """A segment's members per owner (one query); a row of zeros for its owner when it has
    none, so "counted, and empty" differs from "not counted yet"."""
    rows = (Company.objects.order_by().filter(compile_rules(segment.rules, at))
            .values("owner_id").annotate(key=F("owner_id"), **COMPANY_COUNTS))
    figures = _company_figures(FigureDimension.SEGMENT, rows, "key", at)
    for figure in figures:
        figure.key = str(segment.pk)
    return figures or [AudienceFigure(owner_id=segment.owner_id, key=str(segment.pk),
                                      dimension=FigureDimension.SEGMENT, counted_at=at)]


def method_rows(at) -> list[AudienceFigure]:
    """Leads per owner and search method: found, qualified, dropped, became clients, and the
    time to qualify summed (with how many it sums, for an average over any owners)."""
    open_time = ExpressionWrapper(F("closed_at") - F("created_at"),
                                  output_field=DurationField())
    qualified = Q(status=LeadStatus.QUALIFIED)
    rows = (Lead.objects.order_by().values("owner_id", "search_method_id")
            .annotate(leads=Count("pk"), qualified=Count("pk", filter=qualified),
                      disqualified=Count("pk", filter=Q(status=LeadStatus.DISQUALIFIED)),
                      converted=Count("pk", filter=qualified & Q(
                          company__lifecycle=Lifecycle.CLIENT)),
                      timed=Count("pk", filter=qualified & Q(closed_at__isnull=False)),
                      time=Avg(open_time, filter=qualified)))
    return [AudienceFigure(
        owner_id=row["owner_id"], dimension=FigureDimension.METHOD,
        key=str(row["search_method_id"]), leads=row["leads"], qualified=row["qualified"],
        disqualified=row["disqualified"], converted=row["converted"], timed=row["timed"],
        qualify_seconds=row["time"].total_seconds() * row["timed"] if row["time"] else 0,
        counted_at=at) for row in rows]


def trend_since(now):
    """Where the leads-per-month trend starts: TREND_MONTHS back from `now`."""
    return now - timedelta(days=31 * TREND_MONTHS)


def month_rows(at) -> list[AudienceFigure]:
    """Leads per owner, month and search method over the trend's months."""
    rows = (Lead.objects.filter(created_at__gte=trend_since(at)).order_by()
            .annotate(month=TruncMonth("created_at"))
            .values("owner_id", "month", "search_method_id").annotate(leads=Count("pk")))
    return [AudienceFigure(owner_id=row["owner_id"], dimension=FigureDimension.MONTH,
                           key=f"{row['month'].date().isoformat()}|{row['search_method_id']}",
                           leads=row["leads"], counted_at=at) for row in rows]


def _lock_figures() -> None:
    """Inside the writing transaction: one writer of stored figures at a time. SQLite's
    writers already queue (IMMEDIATE transactions); on PostgreSQL two refreshes deleting and
    inserting at once would each keep the other's rows, so the second waits (readers don't)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {AudienceFigure._meta.db_table} "
                           "IN SHARE ROW EXCLUSIVE MODE")


def figures_refresh(*, now=None) -> FigureRun:
    """Count every stored figure again and replace the old ones in one short transaction
    (readers see the old figures until it commits); record the run and each segment's count
    in its history. Safe to run twice."""
    at = now or timezone.now()
    started = time.monotonic()
    segments = list(Segment.objects.order_by("pk"))
    figures = [*audience_rows(at), *method_rows(at), *month_rows(at)]
    for segment in segments:
        figures.extend(segment_rows(segment, at))
    with transaction.atomic():
        _lock_figures()
        # Counting takes a while at scale; what changed meanwhile wins over these counts.
        newer = FigureRun.objects.filter(started_at__gt=at).order_by("-started_at").first()
        if newer is not None:
            return newer  # a later run already replaced everything
        live = dict(Segment.objects.values_list("pk", "updated_at"))
        changed = {str(pk) for pk, updated in live.items() if updated > at}  # recounted apart
        counted = [segment for segment in segments
                   if segment.pk in live and str(segment.pk) not in changed]
        figures = [figure for figure in figures if figure.dimension != FigureDimension.SEGMENT
                   or (int(figure.key) in live and figure.key not in changed)]
        AudienceFigure.objects.exclude(dimension=FigureDimension.SEGMENT,
                                       key__in=changed).delete()
        AudienceFigure.objects.bulk_create(figures, batch_size=BATCH)
        for segment in counted:
            segment_count_record(segment=segment, count=sum(
                figure.total for figure in figures
                if figure.dimension == FigureDimension.SEGMENT and figure.key == str(segment.pk)))
        run = FigureRun.objects.create(started_at=at, finished_at=timezone.now(),
                                       seconds=round(time.monotonic() - started, 3),
                                       rows=len(figures))
        old = FigureRun.objects.order_by("-finished_at", "-id").values_list("pk", flat=True)
        FigureRun.objects.filter(pk__in=list(old[KEEP_RUNS:])).delete()
    return run


def segment_figures_refresh(*, segment_id: int, now=None) -> int:
    """Count one segment again (after its rules changed); returns its members in all. A
    segment deleted meanwhile counts nothing."""
    at = now or timezone.now()
    segment = Segment.objects.filter(pk=segment_id).first()
    if segment is None:
        AudienceFigure.objects.filter(dimension=FigureDimension.SEGMENT,
                                      key=str(segment_id)).delete()
        return 0
    figures = segment_rows(segment, at)
    total = sum(figure.total for figure in figures)
    with transaction.atomic():
        _lock_figures()
        AudienceFigure.objects.filter(dimension=FigureDimension.SEGMENT,
                                      key=str(segment.pk)).delete()
        AudienceFigure.objects.bulk_create(figures, batch_size=BATCH)
        segment_count_record(segment=segment, count=total)
    return total


# "Refresh now" within this many seconds of the last refresh queues nothing: one click per
# person on a team of fifty must not queue fifty recounts of a million companies.
REFRESH_AGAIN_AFTER = 60


def figures_refresh_request(*, by, now=None) -> bool:
    """Someone asked for fresh figures: queue a refresh once this transaction commits,
    unless the figures were counted within the last minute. True when one was queued."""
    from khata.prospecting.tasks import figures_refresh_task

    ensure_active(by)
    now = now or timezone.now()
    if FigureRun.objects.filter(
            finished_at__gt=now - timedelta(seconds=REFRESH_AGAIN_AFTER)).exists():
        return False
    if task_waiting(figures_refresh_task.module_path):
        return False  # one is queued or counting: its figures will be the fresh ones
    transaction.on_commit(figures_refresh_task.enqueue)
    return True
