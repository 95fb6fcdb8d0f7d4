"""Keyset pagination for list pages and API lists: stable, and as fast on page 1,000 as on 1.

`keyset_page(queryset, keys=["display_name", "id"], cursor=…, size=50)` orders by `keys`
(a leading "-" for descending; the last key must be unique, usually "id"), returns the page
and an opaque cursor for the next one. Keys must be non-null: annotate a Coalesce first.

`keyset_bound` and `keyset_until` cut a window of the next N rows in that order, and
`estimated_rows` asks PostgreSQL's planner how many rows a query will find: with them a
selector can look for a page among the next few thousand rows of an index before it asks the
database to collect and sort every match (clients' name search, docs/benchmarks.md).
"""

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connection, connections, transaction
from django.db.models import Q, QuerySet


@dataclass
class Page:
    items: list
    next_cursor: str | None
    size: int


def encode_cursor(values: list) -> str:
    raw = json.dumps([value if isinstance(value, int | float | str) or value is None
                      else str(value) for value in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> list | None:
    """The key values inside a cursor, or None for a missing or damaged one."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        return None
    return values if isinstance(values, list) else None


def _to_python(model, name: str, value):
    """A cursor value checked against the field it orders by (raises when it does not fit)."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        if not isinstance(value, str | int | float):  # an annotation: plain values only
            raise ValueError(name) from None
        return value
    if value is None:
        raise ValueError(name)
    return field.to_python(value)


def _leading_bound(keys: list[str], values: list, *, after: bool) -> Q:
    """The first key's half of the range, said on its own: PostgreSQL turns the OR of the
    exact conditions into a filter on every row, but this into where its index scan starts
    (or stops)."""
    first = keys[0]
    ahead = after != first.startswith("-")
    return Q(**{f"{first.lstrip('-')}__{'gte' if ahead else 'lte'}": values[0]})


def keyset_after(keys: list[str], values: list) -> Q:
    """Rows that come after `values` in the order `keys`."""
    condition = Q()
    for index, key in enumerate(keys):
        name = key.lstrip("-")
        step = Q(**{f"{name}__{'lt' if key.startswith('-') else 'gt'}": values[index]})
        for earlier_key, earlier_value in zip(keys[:index], values[:index], strict=True):
            step &= Q(**{earlier_key.lstrip("-"): earlier_value})
        condition |= step
    return _leading_bound(keys, values, after=True) & condition


def keyset_until(keys: list[str], values: list) -> Q:
    """The rows up to and including the one whose `keys` are `values`, in the order `keys`
    (the window `keyset_bound` found)."""
    condition = Q()
    for index, key in enumerate(keys):
        name = key.lstrip("-")
        last = index == len(keys) - 1
        lookup = ("gt" if key.startswith("-") else "lt") + ("e" if last else "")
        step = Q(**{f"{name}__{lookup}": values[index]})
        for earlier_key, earlier_value in zip(keys[:index], values[:index], strict=True):
            step &= Q(**{earlier_key.lstrip("-"): earlier_value})
        condition |= step
    return _leading_bound(keys, values, after=False) & condition


def _cursor_values(queryset: QuerySet, keys: list[str], cursor: str | None) -> list | None:
    values = decode_cursor(cursor)
    if values is None or len(values) != len(keys):
        return None
    try:
        return [_to_python(queryset.model, key.lstrip("-"), value)
                for key, value in zip(keys, values, strict=True)]
    except (ValidationError, ValueError, TypeError):
        return None  # a damaged or forged cursor: start from the first page


def _after_cursor(queryset: QuerySet, keys: list[str], cursor: str | None) -> QuerySet:
    values = _cursor_values(queryset, keys, cursor)
    return queryset if values is None else queryset.filter(keyset_after(keys, values))


def keyset_bound(queryset: QuerySet, *, keys: list[str], cursor: str | None = None,
                 offset: int) -> list | None:
    """The `keys` values of the row `offset` places after `cursor` in `queryset`, or None when
    fewer rows follow. With an index on `keys` the database reads `offset` index entries."""
    names = [key.lstrip("-") for key in keys]
    row = (_after_cursor(queryset, keys, cursor).order_by(*keys)
           .values_list(*names)[offset:offset + 1])
    found = list(row)
    return list(found[0]) if found else None


def estimated_rows(queryset: QuerySet) -> int | None:
    """How many rows the PostgreSQL planner expects `queryset` to find (no rows are read), or
    None on a database that does not say."""
    database = connections[queryset.db]
    if database.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with database.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


@contextmanager
def walking_index_order() -> Iterator[None]:
    """Queries inside read a btree index in order and stop at their LIMIT, instead of
    collecting every match through bitmap scans (a GIN trigram index offers only those) or a
    table scan and sorting them. Only for a query bounded to a short window of an index;
    PostgreSQL only."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        # The planner cannot know how soon the matches come, so it would rather scan the
        # table than read a window of thousands of rows through the index.
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        yield
        # SET LOCAL would last to the end of an enclosing transaction (a savepoint's release
        # keeps it); an error rolls the savepoint back and undoes it by itself.
        cursor.execute("RESET enable_bitmapscan")
        cursor.execute("RESET enable_seqscan")


def keyset_page(queryset: QuerySet, *, keys: list[str], cursor: str | None = None,
                size: int = 50) -> Page:
    """One page of `queryset` in `keys` order, starting after `cursor`."""
    size = max(1, min(size, 500))
    queryset = _after_cursor(queryset, keys, cursor)
    rows = list(queryset.order_by(*keys)[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    next_cursor = None
    if has_more and rows:
        last = rows[-1]
        next_cursor = encode_cursor([getattr(last, key.lstrip("-")) for key in keys])
    return Page(items=rows, next_cursor=next_cursor, size=size)
