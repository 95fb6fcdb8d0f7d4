"""The import engine: column mapping, preview, per-row validation, duplicates, chunked writes.

An app makes its records importable by subclassing `Importer` and calling `register()`
(companies and contacts in clients, products in catalog). The engine reads the file
(`core.tables`), maps columns to fields, asks the importer to clean each row and to find
duplicates a chunk at a time, and writes each chunk in one transaction: a row is written
whole or rejected with its reason, never half. Re-running the same file finds every row as a
duplicate of what the first run wrote, so it creates nothing twice.
"""

import logging
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from khata.core.choices import DuplicateAction, ImportStatus
from khata.core.chunk_writer import ChunkWriter
from khata.core.maintenance import refresh_statistics, tables_grown
from khata.core.models import ImportJob
from khata.core.tables import Table, TableError, read_table, write_csv

logger = logging.getLogger(__name__)

CHUNK = 2000
PARALLEL_ROWS = 5_000  # from this many rows a parallel-write importer writes on a second thread
BIG_IMPORT = 10_000  # rows created; past this the planner is told about them (ANALYZE)
PREVIEW_ROWS = 50


@dataclass
class Row:
    """One data row on its way in."""

    number: int  # 1-based, as the user sees it in a spreadsheet (header is row 1)
    raw: list[str]
    values: dict = field(default_factory=dict)  # field → text from the file
    cleaned: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)  # field → messages
    duplicate_of: object = None  # an existing record's pk, or "row N" for an earlier row
    duplicate_reason: str = ""
    action: str = "create"  # create, update, skip or reject
    update_values: dict = field(default_factory=dict)  # what an "update" sends to the service
    match_key: str = ""  # the importer's normalised name, for comparing rows (keys, fuzzy)
    record_id: int | None = None  # the id its new record will have, when reserved before

    @property
    def reason(self) -> str:
        return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in self.errors.items())


class Importer:
    """What an app provides to import one kind of record."""

    kind = ""
    label = ""
    fields: dict[str, str] = {}  # field → label shown in the mapping
    required: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()  # database tables a big import fills (for ANALYZE)
    synonyms: dict[str, tuple[str, ...]] = {}  # field → header names from other CRMs
    # May a big file's chunks be written on a second thread (core.chunk_writer)? Only when the
    # checks never need the database to hold the earlier chunks' rows: `keys`, and memory
    # kept since `begin`, find duplicates within the file.
    parallel_write = False

    def read(self, data: bytes, filename: str) -> Table:
        return read_table(data, filename)

    def check_rights(self, *, job: ImportJob) -> None:
        """Raise if the job's user may not import this kind into the job's portfolio."""

    def begin(self, *, job: ImportJob) -> None:
        """Called before each pass over the file (a preview, the run): reset what the importer
        remembers across chunks."""

    def clean(self, row: Row, *, job: ImportJob) -> None:
        """Fill `row.cleaned` and `row.errors` from `row.values`."""
        raise NotImplementedError

    def keys(self, row: Row, *, job: ImportJob) -> list[tuple]:
        """Keys that make two rows of the file the same record (exact match)."""
        return []

    def find_duplicates(self, rows: list[Row], *, job: ImportJob) -> None:
        """Set `duplicate_of` and `duplicate_reason` on rows matching existing records."""

    def prepare_write(self, rows: list[Row], *, job: ImportJob) -> object:
        """Before `write`, in the thread that checks the rows (and in the chunk's transaction
        when there is no writer thread): settle what the next chunks' checks must know about
        these rows, such as the ids their records will have, and make ready what `write`
        will send (it gets the answer as `prepared`), so the writer thread only writes."""
        return None

    def write(self, rows: list[Row], *, job: ImportJob, prepared: object = None) -> None:
        """Write the rows whose action is create or update (inside the engine's transaction;
        with `parallel_write`, on the writer thread while the next chunk is checked)."""
        raise NotImplementedError


IMPORTERS: dict[str, Importer] = {}


def register(importer: Importer) -> Importer:
    IMPORTERS[importer.kind] = importer
    return importer


def importer_for(kind: str) -> Importer:
    try:
        return IMPORTERS[kind]
    except KeyError as exc:
        raise TableError(_("Unknown import kind “%(kind)s”; use one of: %(kinds)s.")
                         % {"kind": kind, "kinds": ", ".join(sorted(IMPORTERS))}) from exc


def normal_header(text: str) -> str:
    """"Company Name " and "company_name" and "Company-name" become "company name"."""
    text = unicodedata.normalize("NFKC", str(text or "")).lower()  # labels may be lazy
    return " ".join(re.sub(r"[_\-./:()*]+", " ", text).split())


def guess_mapping(headers: list[str], importer: Importer) -> dict[str, str]:
    """Column index (as text) → field, recognising other CRMs' export headers."""
    lookup = {}
    for name in importer.fields:
        lookup[normal_header(name)] = name
        lookup[normal_header(importer.fields[name])] = name
        for synonym in importer.synonyms.get(name, ()):
            lookup[normal_header(synonym)] = name
    mapping, used = {}, set()
    for index, header in enumerate(headers):
        name = lookup.get(normal_header(header))
        if name and name not in used:
            mapping[str(index)] = name
            used.add(name)
    return mapping


def mapping_problems(mapping: dict[str, str], importer: Importer,
                     columns: int | None = None) -> list[str]:
    """What is wrong with a mapping: required fields missing, a field mapped twice, a column
    that is not in the file."""
    problems = []
    for index in mapping:
        if not str(index).isdigit() or (columns is not None and int(index) >= columns):
            problems.append(_("There is no column %(index)s in the file.") % {"index": index})
    chosen = [name for name in mapping.values() if name]
    for name in importer.required:
        if name not in chosen:
            problems.append(_("Choose the column for “%(field)s”.")
                            % {"field": importer.fields[name]})
    for name in sorted({name for name in chosen if chosen.count(name) > 1}):
        problems.append(_("Two columns are mapped to “%(field)s”.")
                        % {"field": importer.fields.get(name, name)})
    unknown = sorted({name for name in chosen if name not in importer.fields})
    if unknown:
        problems.append(_("Unknown fields: %(f)s.") % {"f": ", ".join(unknown)})
    return problems


def _rows(table: Table, mapping: dict[str, str], start: int = 0,
          stop: int | None = None) -> Iterable[Row]:
    columns = [(int(index), name) for index, name in mapping.items() if name]
    for offset, raw in enumerate(table.rows[start:stop], start=start):
        values = {name: raw[index] if index < len(raw) else "" for index, name in columns}
        yield Row(number=offset + 2, raw=raw, values=values)


class _Seen:
    """Exact keys of earlier rows, to catch duplicates within the file."""

    def __init__(self, job: ImportJob):
        self.job = job
        self.keys: dict[tuple, int] = {}

    def check_and_add(self, row: Row, importer: Importer) -> None:
        keys = importer.keys(row, job=self.job)
        if row.duplicate_of is None:
            for key in keys:
                if key in self.keys:
                    row.duplicate_of = f"row {self.keys[key]}"
                    row.duplicate_reason = _("same %(what)s as row %(row)s") % {
                        "what": key[0], "row": self.keys[key]}
                    break
        for key in keys:
            self.keys.setdefault(key, row.number)


@dataclass
class _Chunk:
    """One chunk on its way to the database: the rows to write, the rows read so far, the
    counts to show, and what the importer made ready for writing them."""

    rows: list[Row]
    done: int
    counts: dict
    prepared: object = None


def _decide(row: Row, job: ImportJob) -> None:
    if row.errors:
        row.action = "reject"
    elif row.duplicate_of is None:
        row.action = "create"
    else:
        action = job.decisions.get(str(row.number), job.on_duplicate)
        if isinstance(row.duplicate_of, str) and action == DuplicateAction.UPDATE:
            action = DuplicateAction.SKIP  # an earlier row of this file is not in the DB yet
        row.action = action


def _check_chunk(rows: list[Row], importer: Importer, job: ImportJob, seen: _Seen) -> None:
    for row in rows:
        importer.clean(row, job=job)
    importer.find_duplicates([row for row in rows if not row.errors], job=job)
    for row in rows:
        if not row.errors:
            seen.check_and_add(row, importer)
        _decide(row, job)


def load_table(job: ImportJob) -> Table:
    # An uploaded file never changes, so the same job object reads it once (checking the
    # mapping and running the import read it again: a third of a big import's time).
    table = getattr(job, "_table", None)
    if table is not None:
        return table
    importer = importer_for(job.kind)
    job.file.open("rb")
    try:
        table = importer.read(job.file.read(), job.filename)
    finally:
        job.file.close()
    job._table = table
    return table


def preview(job: ImportJob, table: Table | None = None) -> list[Row]:
    """The first rows as they would be imported: cleaned, with errors and duplicates."""
    importer = importer_for(job.kind)
    table = table or load_table(job)
    rows = list(_rows(table, job.mapping, 0, PREVIEW_ROWS))
    importer.begin(job=job)
    _check_chunk(rows, importer, job, _Seen(job))
    return rows


def execute(job: ImportJob, *, progress: Callable[[int, int], None] | None = None) -> ImportJob:
    """Import the whole file; rejected rows go to a downloadable CSV with their reasons."""
    importer = importer_for(job.kind)
    # Claim the job: a double click, or the UI and the API at once, import it only once.
    claimed = ImportJob.objects.filter(
        pk=job.pk, status__in=[ImportStatus.UPLOADED, ImportStatus.QUEUED]).update(
        status=ImportStatus.RUNNING, processed_rows=0, updated_at=timezone.now())
    if not claimed:
        job.refresh_from_db()
        return job
    job.status = ImportStatus.RUNNING
    try:
        importer.check_rights(job=job)
        table = load_table(job)
    except (TableError, PermissionDenied) as exc:
        _fail(job, str(exc) or _("You may not import this."))
        raise
    job.total_rows = len(table.rows)
    try:
        return _execute(job, importer, table, progress)
    except Exception:
        logger.exception("Import %s stopped", job.pk)
        _fail(job, _("Stopped at an unexpected error; the rows before it were imported, the "
                     "chunk it was in was not. The administrator's log has the details."))
        raise


def _execute(job, importer, table, progress) -> ImportJob:
    seen, rejected = _Seen(job), []
    counts = {"create": 0, "update": 0, "skip": 0, "reject": 0}
    importer.begin(job=job)

    def prepare(chunk: _Chunk) -> None:  # in this thread
        chunk.prepared = importer.prepare_write(chunk.rows, job=job)

    def write(chunk: _Chunk) -> None:  # inside the chunk's transaction, maybe on the writer
        importer.write(chunk.rows, job=job, prepared=chunk.prepared)
        counted = chunk.counts
        ImportJob.objects.filter(pk=job.pk).update(
            updated_at=timezone.now(), processed_rows=chunk.done, total_rows=job.total_rows,
            created=counted["create"], updated=counted["update"],
            skipped=counted["skip"], rejected=counted["reject"])

    def written(chunk: _Chunk) -> None:  # after the chunk's commit
        if progress:
            progress(chunk.done, job.total_rows)

    threaded = (importer.parallel_write and len(table.rows) >= PARALLEL_ROWS
                and ChunkWriter.may_thread())
    with ChunkWriter(write, prepare=prepare, done=written, threaded=threaded,
                     relaxed_commits=True) as writer:
        for start in range(0, len(table.rows), CHUNK):
            rows = list(_rows(table, job.mapping, start, start + CHUNK))
            _check_chunk(rows, importer, job, seen)
            for row in rows:
                counts[row.action] = counts.get(row.action, 0) + 1
                if row.action == "reject":
                    rejected.append(row)
            writer.put(_Chunk(rows=[row for row in rows if row.action in {"create", "update"}],
                              done=min(start + CHUNK, job.total_rows), counts=dict(counts)))
    job.processed_rows = job.total_rows
    job.created, job.updated = counts["create"], counts["update"]
    job.skipped, job.rejected = counts["skip"], counts["reject"]
    if rejected:
        report = write_csv([*table.headers, _("reason")],
                           [[*row.raw, row.reason] for row in rejected])
        job.rejected_file.save(f"rejected-{job.filename.rsplit('.', 1)[0]}.csv",
                               ContentFile(report), save=False)
    job.status = ImportStatus.DONE
    job.finished_at = timezone.now()
    job.save()
    if job.created >= BIG_IMPORT:
        # A table the import grew by a tenth or more (a 100,000-row file into a million
        # companies is not: its ANALYZE took 1.4 s of a 20 s import, for no better plans).
        grown = tables_grown(list(importer.tables), job.created)
        if grown:
            refresh_statistics(*grown)
    return job


def _fail(job: ImportJob, message: str) -> ImportJob:
    job.status = ImportStatus.FAILED
    job.error = message
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    return job


def fail_stalled_imports(*, stalled_after) -> int:
    """Imports whose worker died mid-file: mark them failed so the user can run the file
    again (rows already imported are found as duplicates, so nothing is doubled)."""
    cutoff = timezone.now() - stalled_after
    return ImportJob.objects.filter(status=ImportStatus.RUNNING, updated_at__lt=cutoff).update(
        status=ImportStatus.FAILED, finished_at=timezone.now(),
        error=_("The import stopped (its worker went away). The rows imported so far are "
                "kept; upload the file again to finish it — nothing will be doubled."))
