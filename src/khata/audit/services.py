"""Imports as a user drives them: upload, check the mapping, run (in the background when big)."""

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from khata.core.choices import DuplicateAction, ImportStatus
from khata.core.importing import execute, guess_mapping, importer_for, mapping_problems
from khata.core.models import ImportJob
from khata.core.tables import MAX_BYTES, TableError
from khata.team.access import ensure, ensure_active, may_act_for
from khata.team.models import User

# Files up to this many rows import during the request; bigger ones go to the worker.
INLINE_ROWS = 2000


def import_start(*, by: User, kind: str, filename: str, data: bytes,
                 owner: User | None = None, options: dict | None = None) -> ImportJob:
    """Keep the uploaded file, read it once to check it is a table, and guess the mapping.

    The file is parsed before any write, so a big upload never holds SQLite's write lock.
    """
    ensure_active(by)
    if len(data) > MAX_BYTES:
        raise ValidationError({"file": [_("The file is larger than %(mb)s MB; split it.")
                                        % {"mb": MAX_BYTES // (1024 * 1024)}]})
    try:
        importer = importer_for(kind)
    except TableError as exc:
        raise ValidationError({"kind": [str(exc)]}) from exc
    owner = owner or by
    if not may_act_for(by, owner):
        raise ValidationError({"owner": [_("You can import only into your own portfolio (or one "
                                           "you cover during an absence).")]})
    try:
        table = importer.read(data, filename)
    except TableError as exc:
        raise ValidationError({"file": [str(exc)]}) from exc
    job = ImportJob(kind=kind, created_by=by, owner=owner, filename=filename[-255:],
                    total_rows=len(table.rows), mapping=guess_mapping(table.headers, importer),
                    options=options or {})
    # Refused at upload rather than after the preview: a manager importing products, a lead
    # list without its search method.
    importer.check_rights(job=job)
    job.file.save(filename[-80:] or "upload", ContentFile(data), save=False)
    with transaction.atomic():
        job.save()
    job._table = table  # read once: checking and running the import in this process reuse it
    return job


@transaction.atomic
def import_configure(*, by: User, job: ImportJob, mapping: dict | None = None,
                     on_duplicate: str | None = None,
                     decisions: dict | None = None) -> ImportJob:
    """Correct the column mapping and choose what happens to duplicates."""
    ensure(by, "change", job)
    if job.status != ImportStatus.UPLOADED:
        raise ValidationError({"status": [_("This import has already run.")]})
    importer = importer_for(job.kind)
    errors = {}
    if mapping is not None:
        mapping = {str(index): name for index, name in mapping.items() if name}
        problems = mapping_problems(mapping, importer, columns=_column_count(job))
        if problems:
            errors["mapping"] = problems
    if on_duplicate is not None and on_duplicate not in DuplicateAction.values:
        errors["on_duplicate"] = [_("Choose skip, update or create.")]
    bad = [action for action in (decisions or {}).values()
           if action not in DuplicateAction.values]
    if bad:
        errors["decisions"] = [_("Choose skip, update or create for each duplicate.")]
    if errors:
        raise ValidationError(errors)
    if mapping is not None:
        job.mapping = mapping
    if on_duplicate is not None:
        job.on_duplicate = on_duplicate
    if decisions is not None:
        job.decisions = {str(row): action for row, action in decisions.items()}
    job.save(update_fields=["mapping", "on_duplicate", "decisions"])
    return job


def _column_count(job: ImportJob) -> int:
    from khata.core.importing import load_table

    return len(load_table(job).headers)


def import_run(*, by: User, job: ImportJob, background: bool | None = None) -> ImportJob:
    """Run the import: now for small files, through the worker for big ones."""
    ensure(by, "change", job)
    problems = mapping_problems(job.mapping, importer_for(job.kind),
                                columns=_column_count(job))
    if problems:
        raise ValidationError({"mapping": problems})
    if job.status != ImportStatus.UPLOADED:
        raise ValidationError({"status": [_("This import has already run.")]})
    importer_for(job.kind).check_rights(job=job)
    if background is None:
        background = job.total_rows > INLINE_ROWS
    if not background:
        return execute(job)
    from khata.audit.tasks import run_import

    with transaction.atomic():
        claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.UPLOADED).update(
            status=ImportStatus.QUEUED)
        if claimed:
            transaction.on_commit(lambda: run_import.enqueue(job.pk))
    job.refresh_from_db()
    return job
