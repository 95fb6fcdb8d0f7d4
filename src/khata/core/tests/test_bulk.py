"""Bulk inserts: COPY on PostgreSQL, executemany on SQLite, the same rows either way."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction

from khata.core.bulk import insert_values, reserve_ids
from khata.core.changelog import record_creations
from khata.core.models import Change

pytestmark = pytest.mark.django_db


def test_reserved_ids_are_new_and_take_the_rows_written_with_them(manager):
    before = Change.objects.create(action="create", object_id="before")

    with transaction.atomic():
        ids = reserve_ids(Change, 3)
        insert_values(Change, ["id", "object_id", "actor_id"],
                      [(pk, f"row {n}", manager.pk) for n, pk in enumerate(ids)])
    after = Change.objects.create(action="create", object_id="after")

    assert len(set(ids)) == 3 and min(ids) > before.pk
    assert after.pk > max(ids)  # the table's own counter moved past the reserved ids
    assert list(Change.objects.filter(pk__in=ids).order_by("pk")
                .values_list("object_id", "actor_id", "changes", "message")) == [
        ("row 0", manager.pk, {}, ""), ("row 1", manager.pk, {}, ""),
        ("row 2", manager.pk, {}, "")]  # the other fields have their defaults


def test_reserving_nothing_asks_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert reserve_ids(Change, 0) == []


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_sqlite_reserves_only_inside_a_transaction(transactional_db):
    assert connection.vendor == "sqlite"
    with pytest.raises(RuntimeError):
        reserve_ids(Change, 2)


def test_json_times_and_empty_values_survive_the_bulk_path(manager):
    when = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)

    written = record_creations(
        actor=manager, model=Change, message="imported from t.csv",
        entries=[(41, "Tata Steel", {"name": "Tata Steel", "by": manager, "employees": None,
                                     "city": "Mumbai\tWest"})])
    insert_values(Change, ["actor_id", "action", "object_id", "at", "changes", "message"],
                  [(manager.pk, "update", "x", when, {"a": ["b\\n", "ç\n"]}, "tab\there")])

    assert written == 1
    entry = Change.objects.get(object_id="41")
    assert entry.changes == {"name": [None, "Tata Steel"], "by": [None, manager.pk],
                             "employees": [None, None], "city": [None, "Mumbai\tWest"]}
    assert (entry.action, entry.message, entry.actor_id, entry.object_repr) == (
        "create", "imported from t.csv", manager.pk, "Tata Steel")
    other = Change.objects.get(object_id="x")
    assert (other.at, other.changes, other.message) == (when, {"a": ["b\\n", "ç\n"]},
                                                        "tab\there")



def test_json_values_are_written_as_json_dumps_would_write_them(manager):
    """orjson writes the JSON, with json.dumps's rules: keys become text, and a value the
    field's encoder cannot write is refused before anything is written."""
    insert_values(Change, ["actor_id", "action", "object_id", "changes"],
                  [(manager.pk, "update", "y", {7: ["seven", 7.5, True, None], "ç": "\t"})])

    assert Change.objects.get(object_id="y").changes == {"7": ["seven", 7.5, True, None],
                                                         "ç": "\t"}
    with pytest.raises(TypeError):
        insert_values(Change, ["actor_id", "action", "object_id", "changes"],
                      [(manager.pk, "update", "z", {"price": Decimal("12.50")})])
    assert not Change.objects.filter(object_id="z").exists()


def test_rows_go_in_unformatted_when_psycopg_has_no_formatter_to_lend(manager, monkeypatch):
    monkeypatch.setattr("khata.core.bulk.TextFormatter", None)

    insert_values(Change, ["actor_id", "action", "object_id", "changes", "message"],
                  [(manager.pk, "update", "w", {"a": [None, "x\ty"]}, "line\nbreak")])

    assert Change.objects.filter(object_id="w").values_list("changes", "message").get() == (
        {"a": [None, "x\ty"]}, "line\nbreak")
