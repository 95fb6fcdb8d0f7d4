"""Bulk inserts: COPY on PostgreSQL, executemany on SQLite, the same rows either way."""

import datetime as dt

import pytest
from django.db import connection, transaction

from khata.clients.models import Company
from khata.core.bulk import insert_values, reserve_ids
from khata.core.changelog import record_creations
from khata.core.models import Change

pytestmark = pytest.mark.django_db


def test_reserved_ids_are_new_and_take_the_rows_written_with_them(manager):
    before = Company.objects.create(display_name="Before", owner=manager)

    with transaction.atomic():
        ids = reserve_ids(Company, 3)
        insert_values(Company, ["id", "display_name", "owner_id", "city"],
                      [(pk, f"Firm {n}", manager.pk, "Pune") for n, pk in enumerate(ids)])
    after = Company.objects.create(display_name="After", owner=manager)

    assert len(set(ids)) == 3 and min(ids) > before.pk
    assert after.pk > max(ids)  # the table's own counter moved past the reserved ids
    assert list(Company.objects.filter(pk__in=ids).order_by("pk")
                .values_list("display_name", "city", "lifecycle")) == [
        ("Firm 0", "Pune", "prospect"), ("Firm 1", "Pune", "prospect"),
        ("Firm 2", "Pune", "prospect")]


def test_reserving_nothing_asks_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert reserve_ids(Company, 0) == []


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_sqlite_reserves_only_inside_a_transaction(transactional_db):
    assert connection.vendor == "sqlite"
    with pytest.raises(RuntimeError):
        reserve_ids(Company, 2)


def test_json_times_and_empty_values_survive_the_bulk_path(manager):
    when = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    company = Company.objects.create(display_name="Tata Steel", owner=manager)

    written = record_creations(
        actor=manager, model=Company, message="imported from t.csv",
        entries=[(company.pk, "Tata Steel", {"display_name": "Tata Steel", "owner": manager,
                                             "employees": None, "city": "Mumbai\tWest"})])
    insert_values(Change, ["actor_id", "action", "object_id", "at", "changes", "message"],
                  [(manager.pk, "update", "x", when, {"a": ["b\\n", "ç\n"]}, "tab\there")])

    assert written == 1
    entry = Change.objects.get(object_id=str(company.pk))
    assert entry.changes == {"display_name": [None, "Tata Steel"], "owner": [None, manager.pk],
                             "employees": [None, None], "city": [None, "Mumbai\tWest"]}
    assert (entry.action, entry.message, entry.actor_id) == ("create", "imported from t.csv",
                                                              manager.pk)
    other = Change.objects.get(object_id="x")
    assert (other.at, other.changes, other.message) == (when, {"a": ["b\\n", "ç\n"]},
                                                        "tab\there")
