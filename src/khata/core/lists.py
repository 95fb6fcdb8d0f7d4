"""Keyset pagination for list pages and API lists: stable, and as fast on page 1,000 as on 1.

`keyset_page(queryset, keys=["display_name", "id"], cursor=…, size=50)` orders by `keys`
(a leading "-" for descending; the last key must be unique, usually "id"), returns the page
and an opaque cursor for the next one. Keys must be non-null: annotate a Coalesce first.
"""

import base64
import json
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Q, QuerySet


@dataclass
class Page:
    items: list
    next_cursor: str | None
    size: int


def _encode(values: list) -> str:
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


def _after(keys: list[str], values: list) -> Q:
    """Rows that come after `values` in the order `keys`."""
    condition = Q()
    for index, key in enumerate(keys):
        name = key.lstrip("-")
        step = Q(**{f"{name}__{'lt' if key.startswith('-') else 'gt'}": values[index]})
        for earlier_key, earlier_value in zip(keys[:index], values[:index], strict=True):
            step &= Q(**{earlier_key.lstrip("-"): earlier_value})
        condition |= step
    return condition


def keyset_page(queryset: QuerySet, *, keys: list[str], cursor: str | None = None,
                size: int = 50) -> Page:
    """One page of `queryset` in `keys` order, starting after `cursor`."""
    size = max(1, min(size, 500))
    values = decode_cursor(cursor)
    if values is not None and len(values) == len(keys):
        try:
            values = [_to_python(queryset.model, key.lstrip("-"), value)
                      for key, value in zip(keys, values, strict=True)]
        except (ValidationError, ValueError, TypeError):
            values = None  # a damaged or forged cursor: start from the first page
    if values is not None and len(values) == len(keys):
        queryset = queryset.filter(_after(keys, values))
    rows = list(queryset.order_by(*keys)[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    next_cursor = None
    if has_more and rows:
        last = rows[-1]
        next_cursor = _encode([getattr(last, key.lstrip("-")) for key in keys])
    return Page(items=rows, next_cursor=next_cursor, size=size)
