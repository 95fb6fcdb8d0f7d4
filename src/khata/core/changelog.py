"""The change-log writer services call after every create, update and delete.

Usage inside a service::

    before = snapshot(company, ["name", "owner"])
    ... change and save ...
    record_change(actor=by, obj=company, before=before)

`before=None` records a creation (every field in `fields`, old value empty); `deleted=True`
records a deletion with the values the record had.
"""

import datetime as dt
import decimal
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from khata.core.bulk import PreparedInsert, prepare_insert
from khata.core.choices import ChangeAction
from khata.core.models import Change

# Who a change was made "on behalf of" when the caller does not say: the team app installs
# its access layer's answer at start-up (core sits below team and cannot import it).
_on_behalf_resolver: Callable[[Any, models.Model | None], int | None] | None = None


def set_on_behalf_resolver(resolver: Callable[[Any, models.Model | None], int | None]) -> None:
    """Install the function that names the absent owner a substitute acts for."""
    global _on_behalf_resolver
    _on_behalf_resolver = resolver


def _on_behalf_id(actor, obj, on_behalf_of) -> int | None:
    if on_behalf_of is not None:
        return getattr(on_behalf_of, "pk", on_behalf_of)
    if _on_behalf_resolver is None or not getattr(actor, "pk", None):
        return None
    return _on_behalf_resolver(actor, obj)


_PLAIN = frozenset({str, int, float, bool, type(None)})


def json_value(value: Any) -> Any:
    """A JSON-safe form of a field value, readable in the timeline."""
    if type(value) in _PLAIN:  # most values: asked first, an import asks it a million times
        return value
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): json_value(item) for key, item in value.items()}
    return value


def _field_value(obj: models.Model, name: str) -> Any:
    field = obj._meta.get_field(name)
    if field.is_relation and field.many_to_one:
        return getattr(obj, field.attname)
    return json_value(getattr(obj, name))


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of `fields`, to pass as `before` once the change is made."""
    return {name: _field_value(obj, name) for name in fields}


def changes_since(obj: models.Model, before: dict[str, Any]) -> dict[str, list]:
    """`{field: [old, new]}` for each field of the `before` snapshot whose value moved."""
    after = snapshot(obj, before.keys())
    return {name: [old, after[name]] for name, old in before.items() if after[name] != old}


def record_change(
    *,
    actor,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    fields: Iterable[str] | None = None,
    action: str | None = None,
    on_behalf_of=None,
    message: str = "",
    ip_address: str | None = None,
    extra: dict[str, list] | None = None,
) -> Change | None:
    """Write one change-log entry; returns None when nothing actually changed.

    `extra` adds changes that are not plain fields, e.g. `{"needs": [old_names, new_names]}`.
    """
    if action == ChangeAction.DELETE:
        names = list(fields or (before or {}).keys())
        current = before if before is not None else snapshot(obj, names)
        changes = {name: [current.get(name), None] for name in names}
    elif before is None and action in (None, ChangeAction.CREATE):
        action = ChangeAction.CREATE
        names = list(fields or [])
        changes = {name: [None, _field_value(obj, name)] for name in names}
    else:
        action = action or ChangeAction.UPDATE
        changes = changes_since(obj, before or {})
    changes.update({name: values for name, values in (extra or {}).items()
                    if values[0] != values[1]})
    if action == ChangeAction.UPDATE and not changes:
        return None
    return Change.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        on_behalf_of_id=_on_behalf_id(actor, obj, on_behalf_of),
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=changes,
        message=message[:300],
        ip_address=ip_address,
    )


def record_event(*, actor, action: str, obj: models.Model | None = None, message: str = "",
                 ip_address: str | None = None, on_behalf_of=None) -> Change:
    """Write a change-log entry that is not a field edit (a sign-in, a revoked token, …)."""
    return Change.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        on_behalf_of_id=_on_behalf_id(actor, obj, on_behalf_of),
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        message=message[:300],
        ip_address=ip_address,
    )


def save_changes(*, actor, obj: models.Model, values: dict[str, Any],
                 extra: dict[str, list] | None = None) -> Change | None:
    """Set `values` on `obj`, save it and log what changed, old and new (the tail of every
    update service); `extra` adds changes the fields do not show (a many-to-many set)."""
    before = snapshot(obj, list(values))
    for name, value in values.items():
        setattr(obj, name, value)
    obj.save()
    return record_change(actor=actor, obj=obj, before=before, extra=extra)


def record_changes(*, actor, entries: Iterable[tuple[models.Model, str, dict[str, list]]],
                   message: str = "", batch_size: int = 1000) -> int:
    """Many change-log entries in batches of `batch_size` inserts (a hand-over moves thousands
    of companies, the plan job advances thousands of enrolments): each entry is
    `(obj, action, changes)`, with `changes` as `{field: [old, new]}`. An update entry with no
    changes is left out. Returns how many were written."""
    entries_out, count = [], 0
    content_types: dict[type, ContentType] = {}
    for obj, action, changes in entries:
        if action == ChangeAction.UPDATE and not changes:
            continue
        model = type(obj)
        if model not in content_types:
            content_types[model] = ContentType.objects.get_for_model(obj,
                                                                     for_concrete_model=False)
        entries_out.append(Change(
            actor=actor if getattr(actor, "pk", None) else None,
            # Per record: a substitute's batch may mix their own records and those of the
            # manager they cover (free for the plan job and the head: no one to act for).
            on_behalf_of_id=_on_behalf_id(actor, obj, None), action=action,
            content_type=content_types[model], object_id=str(obj.pk),
            object_repr=str(obj)[:200], changes=changes, message=message[:300]))
        if len(entries_out) >= batch_size:
            Change.objects.bulk_create(entries_out)
            count += len(entries_out)
            entries_out = []
    Change.objects.bulk_create(entries_out)
    return count + len(entries_out)


def record_moves(*, actor, objects: Iterable[models.Model], field: str, old, new,
                 message: str = "", batch_size: int = 1000) -> int:
    """One "updated" entry per record whose `field` moved from `old` to `new`, written in
    batches (a hand-over moves thousands of companies in one go); returns how many."""
    change = {field: [json_value(old), json_value(new)]}
    return record_changes(actor=actor, message=message, batch_size=batch_size,
                          entries=((obj, ChangeAction.UPDATE, change) for obj in objects))


def record_creations(*, actor, model: type[models.Model],
                     entries: Iterable[tuple[Any, str, dict[str, Any]]], message: str = "",
                     on_behalf_of=None) -> int:
    """"Created" entries for records written in bulk (an import's thousands of rows): each
    entry is `(pk, repr, {field: new value})`. Written with `core.bulk` (COPY on
    PostgreSQL), not as objects; `on_behalf_of` is the one owner the batch was written for."""
    return prepare_creations(actor=actor, model=model, entries=entries, message=message,
                             on_behalf_of=on_behalf_of).run()


def prepare_creations(*, actor, model: type[models.Model],
                      entries: Iterable[tuple[Any, str, dict[str, Any]]], message: str = "",
                      on_behalf_of=None) -> PreparedInsert:
    """`record_creations` made ready but not written: `.run()` writes it (on the thread
    whose connection should, e.g. an import's writer thread)."""
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
    actor_id = getattr(actor, "pk", None)
    on_behalf_id = getattr(on_behalf_of, "pk", on_behalf_of)
    message = message[:300]
    return prepare_insert(Change, ["actor_id", "on_behalf_of_id", "action", "content_type_id",
                                   "object_id", "object_repr", "message", "changes"], (
        (actor_id, on_behalf_id, ChangeAction.CREATE, content_type.pk, str(pk), str(text)[:200],
         message, {name: [None, json_value(value)] for name, value in values.items()})
        for pk, text, values in entries))
