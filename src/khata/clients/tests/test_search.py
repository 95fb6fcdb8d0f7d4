"""Searching companies by a fragment of the name, through the database's own index."""

from django.db import connection

from khata.clients.models import Company
from khata.clients.search import ensure_search_indexes, name_condition
from khata.clients.selectors import CompanyFilters, companies_visible
from khata.clients.services import company_create, company_delete, company_update


def names(user, q):
    return sorted(c.display_name for c in companies_visible(user=user,
                                                            filters=CompanyFilters(q=q)))


def test_fragments_anywhere_in_the_name_any_case_any_script(manager):
    for name in ["Tata Steel", "Hindustan Unilever", "भारत उद्योग", "Steelcraft 50%"]:
        company_create(by=manager, data={"display_name": name})

    assert names(manager, "steel") == ["Steelcraft 50%", "Tata Steel"]
    assert names(manager, "NILEV") == ["Hindustan Unilever"]
    assert names(manager, "रत उ") == ["भारत उद्योग"]
    assert names(manager, "ta") == ["Hindustan Unilever", "Tata Steel"]  # short: plain LIKE
    assert names(manager, "50%") == ["Steelcraft 50%"]  # LIKE wildcards: the plain path


def test_the_index_follows_renames_and_deletes(manager):
    company = company_create(by=manager, data={"display_name": "Old Name Traders"})

    company_update(by=manager, company=company, data={"display_name": "New Name Traders"})
    assert names(manager, "old name") == []
    assert names(manager, "new name") == ["New Name Traders"]

    company_delete(by=manager, company=company)
    Company.all_objects.filter(pk=company.pk).delete()
    assert names(manager, "traders") == []


def test_bulk_inserts_are_indexed_too(manager):
    Company.objects.bulk_create([Company(display_name=f"Bulk {i} Exports", owner=manager)
                                 for i in range(50)])

    assert len(names(manager, "exports")) == 50


def test_repairing_the_index_is_idempotent_and_restores_lost_triggers(manager):
    company_create(by=manager, data={"display_name": "Kept Findable"})
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER clients_company_search_ai")

    assert ensure_search_indexes() is True
    assert ensure_search_indexes() is True
    company_create(by=manager, data={"display_name": "Added After Repair"})
    assert names(manager, "findable") == ["Kept Findable"]
    assert names(manager, "after repair") == ["Added After Repair"]


def test_the_database_index_answers_name_search(head):
    query = Company.objects.filter(name_condition("steel")).order_by()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")  # an empty table would scan anyway
            plan = query.explain()
            cursor.execute("SET enable_seqscan = on")
        assert "company_name_trgm" in plan and "company_legal_name_trgm" in plan
    else:
        assert "clients_company_search" in str(query.query)
