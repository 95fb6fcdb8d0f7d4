"""Read-side questions about the change log and background work (no access rules here:
callers pass querysets already narrowed by team.access)."""

from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from khata.core.choices import TaskStatus
from khata.core.models import Change, TaskRun, WorkerHeartbeat


def changes_for_object(obj: models.Model, *, limit: int = 50) -> QuerySet[Change]:
    """The timeline of one record, newest first, with the people involved fetched alongside."""
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    return (
        Change.objects.filter(content_type=content_type, object_id=str(obj.pk))
        .select_related("actor", "on_behalf_of", "content_type")
        .order_by("-at", "-id")[:limit]
    )


def last_change(obj: models.Model) -> Change | None:
    """The newest change-log entry of a record."""
    return changes_for_object(obj, limit=1).first()


def worker_state() -> dict:
    """Is a worker alive, and how much work waits or is stuck? For /healthz and the team."""
    now = timezone.now()
    stale_after = timedelta(seconds=settings.KHATA_WORKER_STALE_AFTER)
    last_seen = WorkerHeartbeat.objects.aggregate(last=models.Max("seen_at"))["last"]
    alive = last_seen is not None and now - last_seen <= stale_after
    counts = dict(
        TaskRun.objects.filter(status__in=[TaskStatus.READY, TaskStatus.RUNNING])
        .values_list("status")
        .annotate(n=models.Count("id"))
        .values_list("status", "n")
    )
    return {
        "status": "ok" if alive else "down",
        "last_seen": last_seen.isoformat() if last_seen else None,
        "queued": counts.get(TaskStatus.READY, 0),
        "running": counts.get(TaskStatus.RUNNING, 0),
    }


def task_waiting(task_path: str) -> bool:
    """Whether a run of this background task is queued or running (any process, any
    machine: runs are rows), so a request for it can be dropped instead of piling up."""
    from khata.core.choices import TaskStatus
    from khata.core.models import TaskRun

    return TaskRun.objects.filter(task_path=task_path,
                                  status__in=[TaskStatus.READY, TaskStatus.RUNNING]).exists()

