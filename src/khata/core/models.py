"""Base models and the two cross-cutting records: the change log and background task runs."""

import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from khata.core.choices import ChangeAction, DuplicateAction, ImportStatus, TaskStatus


class TimeStampedModel(models.Model):
    """A record that knows when it was created and last changed."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class Change(models.Model):
    """One entry of the change log: who did what to which record, when, and on whose behalf.

    `changes` maps each changed field to `[old, new]` (JSON-safe values). For login events
    the object is the user who signed in (or nothing, for a failed attempt on an unknown name).
    """

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    # The foreign keys' own indexes are left out (db_index=False): every entry written would
    # update them, and the indexes in Meta serve their lookups (see there). Nor does the
    # database check them (db_constraint=False): the entries are written by the services that
    # just used the very user and model they name, Django still applies on_delete, and the
    # three checks per entry were a third of what a big import's commit cost PostgreSQL
    # (SQLite databases made before core 0007 keep theirs: dropping them copies the table).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="changes_made", db_index=False,
        db_constraint=False,
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("on behalf of"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="changes_made_for", db_index=False,
        db_constraint=False,
    )
    action = models.CharField(_("action"), max_length=20, choices=ChangeAction.choices)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_index=False, db_constraint=False,
    )
    object_id = models.CharField(max_length=64, blank=True, default="")
    object_repr = models.CharField(_("record"), max_length=200, blank=True, default="")
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    message = models.CharField(_("note"), max_length=300, blank=True, default="")
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    # The change log belongs to whoever made the change and to whoever it was made for
    # (a substitute's edits are the absent manager's to read); the head sees all of it.
    access_owner_path = ("actor", "on_behalf_of")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-at"], name="change_object_idx"),
            models.Index(fields=["actor", "-at"], name="change_actor_idx"),
            # Most entries are made for no one else: only the others are in this index.
            models.Index(fields=["on_behalf_of", "-at"], name="change_on_behalf_idx",
                         condition=models.Q(on_behalf_of__isnull=False)),
        ]
        verbose_name = _("change")
        verbose_name_plural = _("change log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.action} {self.object_repr}"

    @property
    def changed_fields(self) -> set[str]:
        return set(self.changes)


class TaskRun(models.Model):
    """One background task enqueued through django.tasks: what to run, its state and outcome.

    The database row is the source of truth; Huey only carries the run's id to a worker. That
    lets a sweeper find runs stuck in RUNNING (a worker died) and re-queue or fail them.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    backend = models.CharField(max_length=50, default="default")
    task_path = models.CharField(max_length=200, db_index=True)
    queue_name = models.CharField(max_length=50, default="default")
    priority = models.IntegerField(default=0)
    takes_context = models.BooleanField(default=False)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    run_after = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=TaskStatus.choices,
                              default=TaskStatus.READY)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    last_attempted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    worker_ids = models.JSONField(default=list, blank=True)
    errors = models.JSONField(default=list, blank=True)
    return_value = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "last_attempted_at"], name="taskrun_status_idx")]
        verbose_name = _("background task")

    def __str__(self) -> str:
        return f"{self.task_path} [{self.status}]"


class WorkerHeartbeat(models.Model):
    """The last sign of life of one worker process (written by its periodic sweeper)."""

    worker_id = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField()

    class Meta:
        verbose_name = _("worker heartbeat")

    def __str__(self) -> str:
        return self.worker_id


def _import_path(job, filename: str) -> str:
    from django.utils import timezone

    return f"imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}-{filename[-80:]}"


class ImportJob(models.Model):
    """One file being imported: its column mapping, choices for duplicates, progress, result.

    The importer for `kind` (companies, contacts, products…) lives in the app that owns the
    records and registers itself in `core.importing`.
    """

    kind = models.CharField(_("what"), max_length=30)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                   related_name="imports")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+",
                              help_text=_("Whose portfolio new records join."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)  # progress writes it too: a heartbeat
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=ImportStatus.choices,
                              default=ImportStatus.UPLOADED)
    filename = models.CharField(max_length=255)
    file = models.FileField(upload_to=_import_path)
    mapping = models.JSONField(default=dict, blank=True)  # column index (str) → field
    on_duplicate = models.CharField(max_length=10, choices=DuplicateAction.choices,
                                    default=DuplicateAction.SKIP)
    decisions = models.JSONField(default=dict, blank=True)  # row number (str) → action
    options = models.JSONField(default=dict, blank=True)  # what the kind needs, e.g. leads' method
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    rejected_file = models.FileField(upload_to=_import_path, blank=True)
    error = models.TextField(blank=True)

    access_owner_path = "created_by"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")

    def __str__(self) -> str:
        return f"{self.kind}: {self.filename}"

    @property
    def progress(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0
