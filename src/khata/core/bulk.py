"""Plain bulk inserts for bulk work (demo data, imports, their change log).

`Model.objects.bulk_create` builds a model instance per row and prepares every value of every
field through the ORM; for a million demo companies, or the change-log rows of a 100,000-row
import, that was most of the time (cProfile, docs/benchmarks.md). `insert_values` takes tuples
and prepares only the values that need it (times, JSON). On PostgreSQL it sends them with
COPY, which PostgreSQL takes several times faster than multi-row INSERTs; SQLite gets
`executemany`. `prepare_insert` does the preparing alone, so one thread can make a batch
ready (on PostgreSQL: the COPY text itself) and another send it (`PreparedInsert.run`).
`reserve_ids` hands out primary keys first, for rows whose ids other rows (links, change-log
entries) need before they are written.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import orjson
from django.db import connection, models
from django.utils import timezone

try:  # psycopg's own COPY row formatter, not public: should a release move it, the rows are
    from psycopg._copy_base import TextFormatter  # formatted while they are sent instead
except ImportError:  # pragma: no cover
    TextFormatter = None


@dataclass
class PreparedInsert:
    """Rows ready to insert into one table: COPY text on PostgreSQL, tuples on SQLite."""

    table: str
    columns: list[str]  # database column names
    payload: bytes | list[tuple]
    count: int

    def run(self) -> int:
        """Insert the rows on this thread's connection; returns how many."""
        if not self.count:
            return 0
        quote = connection.ops.quote_name
        names = ", ".join(map(quote, self.columns))
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {quote(self.table)} ({names}) FROM STDIN") as copy:
                    if isinstance(self.payload, bytes):
                        copy.write(self.payload)
                    else:  # not formatted beforehand (see _copy_text)
                        for row in self.payload:
                            copy.write_row(row)
            else:
                cursor.executemany(f"INSERT INTO {quote(self.table)} ({names}) "
                                   f"VALUES ({', '.join(['%s'] * len(self.columns))})",
                                   self.payload)
        return self.count


def prepare_insert(model, columns: list[str], rows: Iterable[tuple]) -> PreparedInsert:
    """`rows` (tuples of values for `columns`, attribute names such as `owner_id`) made ready
    to insert: the other fields get their default and `auto_now` fields the current time. No
    ids come back and no `save()` runs: for rows nothing else needs to see as objects."""
    meta = model._meta
    fields = {field.attname: field for field in meta.concrete_fields}
    now = timezone.now()
    extra_columns, extra_values = [], ()
    for attname, model_field in fields.items():
        if attname in columns or model_field.primary_key:
            continue
        auto = getattr(model_field, "auto_now", False) or getattr(
            model_field, "auto_now_add", False)
        value = now if auto else model_field.get_default()
        extra_columns.append(model_field.column)
        extra_values += (model_field.get_db_prep_save(value, connection),)
    prepared = [(index, fields[name]) for index, name in enumerate(columns)
                if isinstance(fields[name], models.DateTimeField)]
    # JSON goes as its text on both databases (what Django stores on SQLite, what COPY
    # reads on PostgreSQL), by orjson: a change-log entry in 0.5 µs, json.dumps took 10.
    as_json = [(index, _json_writer(fields[name].encoder)) for index, name in enumerate(columns)
               if isinstance(fields[name], models.JSONField)]
    if prepared or as_json:
        rows = _prepared_rows(rows, prepared, as_json)
    names = [fields[name].column for name in columns] + extra_columns
    if connection.vendor == "postgresql" and TextFormatter is not None:
        text, count = _copy_text(rows, extra_values)
        return PreparedInsert(meta.db_table, names, text, count)
    values = [(*row, *extra_values) for row in rows]
    return PreparedInsert(meta.db_table, names, values, len(values))


def _prepared_rows(rows, prepared, as_json):
    for row in rows:
        row = list(row)
        for index, model_field in prepared:
            row[index] = model_field.get_db_prep_save(row[index], connection)
        for index, to_json in as_json:
            row[index] = to_json(row[index])
        yield row


def _json_writer(encoder) -> Callable[[object], str]:
    """A value's JSON text as the field's encoder would write it: what orjson does not write
    itself (a Decimal, a lazy translation, a time: Django's format) goes to the encoder."""
    default = encoder().default if encoder else None  # json.dumps's own TypeError without
    options = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS

    def to_json(value) -> str:
        return orjson.dumps(value, default=default, option=options).decode()

    return to_json


def _copy_text(rows: Iterable, extra_values: tuple) -> tuple[bytes, int]:
    """COPY's text format for `rows`, by psycopg's own formatter (C code: a quarter of the
    time of escaping the values in Python)."""
    from psycopg import adapt

    connection.ensure_connection()
    formatter = TextFormatter(adapt.Transformer(connection.connection))
    parts, count = [], 0
    for row in rows:
        parts.append(formatter.write_row((*row, *extra_values)) if extra_values
                     else formatter.write_row(row))
        count += 1
    parts.append(formatter.end())
    return b"".join(parts), count


def insert_values(model, columns: list[str], rows: Iterable[tuple], *, batch_size: int = 2000,
                  on_batch: Callable[[int], None] | None = None) -> int:
    """Insert tuples of values for `columns` (see `prepare_insert`) in batches of
    `batch_size`; `on_batch(total)` after each. Returns the count."""
    total, batch = 0, []

    def flush() -> int:
        return prepare_insert(model, columns, batch).run()

    for row in rows:
        batch.append(row)
        if len(batch) >= batch_size:
            total += flush()
            batch.clear()
            if on_batch:
                on_batch(total)
    if batch:
        total += flush()
    return total
def reserve_ids(model, count: int) -> list[int]:
    """`count` new primary keys for `model`, for `insert_values` with an `id` column.

    PostgreSQL takes them from the table's sequence, so concurrent writers never collide.
    SQLite has one writer at a time (its transactions take the write lock first,
    settings.py), so inside `transaction.atomic` the keys after the highest one in use are
    free until the commit; an AUTOINCREMENT table's counter moves past them on insert.
    """
    if count <= 0:
        return []
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sequence's name first: asked inside the series, it was looked up once per
            # id (10,000 ids in 52 ms; by its name, 6 ms).
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
            sequence = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
                           [sequence, count])
            return [row[0] for row in cursor.fetchall()]
        if not connection.in_atomic_block:
            raise RuntimeError("reserve_ids needs a transaction on SQLite")
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT MAX({quote(column)}) FROM {quote(table)}")
        highest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        highest = max(highest, row[0] if row else 0)
    return list(range(highest + 1, highest + 1 + count))
