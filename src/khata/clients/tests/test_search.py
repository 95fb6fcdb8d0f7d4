"""Searching companies by a fragment of the name, through the database's own index."""

import pytest
from django.db import connection

from khata.clients.models import Company
from khata.clients.search import (
    ensure_search_indexes,
    name_block_matches,
    name_block_query,
    name_condition,
    short_name_block_query,
)
from khata.clients.selectors import COMPANY_SORTS, CompanyFilters, companies_visible
from khata.clients.services import company_create, company_delete, company_update
from khata.core.lists import keyset_page


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


def test_quotes_and_fts_syntax_in_a_fragment_are_plain_text(manager):
    for name in ['The "Best" Traders', "Star*Mart", "Alpha OR Beta", "Plain Goods"]:
        company_create(by=manager, data={"display_name": name})

    assert names(manager, '"best"') == ['The "Best" Traders']
    assert names(manager, 'e "b') == ['The "Best" Traders']
    assert names(manager, "r*m") == ["Star*Mart"]
    assert names(manager, "a or b") == ["Alpha OR Beta"]
    assert names(manager, "OR") == ["Alpha OR Beta"]  # two letters: the plain path


def test_two_letters_take_the_plain_path_and_still_find_everything(manager):
    for name in ["Oak Timber", "Soak Dyes", "Pine Wood"]:
        company_create(by=manager, data={"display_name": name})

    assert names(manager, "oa") == ["Oak Timber", "Soak Dyes"]
    assert names(manager, "wO") == ["Pine Wood"]
    assert names(manager, "x") == []


def test_email_phone_tax_registration_and_domain_each_find_their_company(manager):
    from khata.clients.tests.factories import ContactFactory

    mail = company_create(by=manager, data={"display_name": "Mail Co"})
    ContactFactory(company=mail, email="Priya.Shah@mail.example", email_alt="ps@alt.example")
    phone = company_create(by=manager, data={"display_name": "Phone Co"})
    ContactFactory(company=phone, phone="+919820012345", mobile="+4930123456789")
    gone = company_create(by=manager, data={"display_name": "Gone Co"})
    ContactFactory(company=gone, email="left@gone.example", deleted_at=timezone_now())
    company_create(by=manager, data={"display_name": "Tax Co", "country": "IN",
                                     "tax_number": "27AAPFU0939F1ZV"})
    company_create(by=manager, data={"display_name": "Register Co",
                                     "registration_number": "HRB 12345 b"})
    company_create(by=manager, data={"display_name": "Web Co",
                                     "website": "https://www.webco-india.example"})

    assert names(manager, "priya.shah@MAIL.example") == ["Mail Co"]
    assert names(manager, "PS@alt.example") == ["Mail Co"]
    assert names(manager, "left@gone.example") == []  # a deleted contact finds nothing
    assert names(manager, "098200 12345") == ["Phone Co"]  # the last ten digits
    assert names(manager, "+91 98200 12345") == ["Phone Co"]
    assert names(manager, "123456789") == ["Phone Co"]  # shorter tails: the plain path
    assert names(manager, "27aapfu0939f1zv") == ["Tax Co"]
    assert names(manager, "hrb 12345 B") == ["Register Co"]
    assert names(manager, "webco-india.example") == ["Web Co"]
    assert names(manager, "www.webco-ind") == ["Web Co"]
    assert names(manager, "WWW.WebCo-Ind") == ["Web Co"]  # domains are kept in lower case
    assert names(manager, "webco.example") == []


def test_each_part_of_a_search_uses_an_index(manager):
    query = companies_visible(user=manager, filters=CompanyFilters(q="+91 98200 12345")).order_by()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            sql, params = query.query.sql_with_params()
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
            scans = [line for line in plan.splitlines()
                     if line.strip().startswith("SCAN") and "clients_company_search" not in line
                     and "VIRTUAL TABLE" not in line]
            assert scans == [], plan
            for index in ("contact_phone_tail", "contact_mobile_tail", "company_tax_idx",
                          "company_registration_upper"):
                assert index in plan, plan
        else:
            cursor.execute("SET enable_seqscan = off")
            plan = query.explain()
            cursor.execute("SET enable_seqscan = on")
            for index in ("company_name_trgm", "contact_phone_tail", "contact_mobile_tail",
                          "company_tax_idx", "company_registration_upper"):
                assert index in plan, plan


def timezone_now():
    from django.utils import timezone

    return timezone.now()


def test_search_results_come_in_name_order_page_after_page(head, manager):
    for name in ["Zimmer Tools", "Alpha Zimmer", "Mid Zimmerei", "Zimmermann & Co", "Other"]:
        company_create(by=manager, data={"display_name": name})
    filters = CompanyFilters(q="zimm")
    keys = COMPANY_SORTS[filters.sort]

    first = keyset_page(companies_visible(user=head, filters=filters), keys=keys, size=2)
    second = keyset_page(companies_visible(user=head, filters=filters), keys=keys,
                         cursor=first.next_cursor, size=2)

    assert [c.display_name for c in first.items] == ["Alpha Zimmer", "Mid Zimmerei"]
    assert [c.display_name for c in second.items] == ["Zimmer Tools", "Zimmermann & Co"]
    assert second.next_cursor is None


def test_a_postgresql_search_sorts_its_matches_instead_of_walking_the_name_index(head,
                                                                                  manager):
    """The walk took 2 s at 1,000,000 companies when the matches came late in the alphabet."""
    company_create(by=manager, data={"display_name": "Zimmer Tools"})
    keys = COMPANY_SORTS["name"]
    searched = companies_visible(user=head, filters=CompanyFilters(q="zimm")).order_by(*keys)
    listed = companies_visible(user=head, filters=CompanyFilters()).order_by(*keys)
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL planner question; SQLite answers from its FTS table")
    with connection.cursor() as cursor:
        # Forbid sorting wherever an index could give the order instead: the plain list then
        # walks the name index, and the search still cannot.
        cursor.execute("SET enable_sort = off")
        try:
            assert "company_name_idx" in listed[:50].explain()
            assert "company_name_idx" not in searched[:50].explain()
        finally:
            cursor.execute("SET enable_sort = on")


# --- a dense search looks for its page in a window of the name index first ------------------

def _all_pages(user, filters, page_of):
    items, cursor = [], None
    while True:
        page = page_of(user=user, filters=filters, cursor=cursor, size=3)
        items.append([company.display_name for company in page.items])
        if page.next_cursor is None:
            return items
        cursor = page.next_cursor


def _plain_page(*, user, filters, cursor, size):
    return keyset_page(companies_visible(user=user, filters=filters),
                       keys=COMPANY_SORTS[filters.sort], cursor=cursor, size=size)


@pytest.mark.parametrize("sort", ["name", "-name"])
def test_a_dense_search_pages_exactly_as_the_plain_query(manager, other_manager, monkeypatch,
                                                          sort):
    from khata.clients import selectors

    # Matches dense among the first names, then a long stretch without any, then a cluster
    # at the end: windows fill, come up short (fall back) and run out of rows.
    names_made = ([f"Alpha {i:02d} Ltd" for i in range(8)] + [f"Beta {i:02d}" for i in range(9)]
                  + [f"Zeta {i:02d} Ltd" for i in range(5)])
    for name in names_made:
        company_create(by=manager, data={"display_name": name})
    company_create(by=other_manager, data={"display_name": "Alpha Hidden Ltd"})
    monkeypatch.setattr(selectors, "estimated_rows", lambda queryset: 10**6)
    monkeypatch.setattr(selectors, "DENSE_MATCHES", 1)
    monkeypatch.setattr(selectors, "PROBE_ROWS", 6)
    filters = CompanyFilters(q="ltd", sort=sort)

    dense = _all_pages(manager, filters, selectors.companies_page)

    assert dense == _all_pages(manager, filters, _plain_page)
    assert sum(len(page) for page in dense) == 13  # never a colleague's company
    assert "Alpha Hidden Ltd" not in sum(dense, [])


@pytest.mark.parametrize("sort", ["name", "-name"])
def test_a_dense_search_finds_what_the_other_questions_find_too(manager, monkeypatch, sort):
    from khata.clients import selectors

    # "acme.in" is a name fragment and a web domain: the walk asks both of each row.
    for name in ["Acme.in Traders", "Acme.in Exports", "Bharat Acme.in", "Unrelated Co"]:
        company_create(by=manager, data={"display_name": name})
    company_create(by=manager, data={"display_name": "Zenith Tools",
                                     "website": "https://www.acme.in/about"})
    monkeypatch.setattr(selectors, "estimated_rows", lambda queryset: 10**6)
    monkeypatch.setattr(selectors, "DENSE_MATCHES", 1)
    monkeypatch.setattr(selectors, "PROBE_ROWS", 2)
    filters = CompanyFilters(q="acme.in", sort=sort)

    dense = _all_pages(manager, filters, selectors.companies_page)

    assert dense == _all_pages(manager, filters, _plain_page)
    assert sorted(sum(dense, [])) == ["Acme.in Exports", "Acme.in Traders", "Bharat Acme.in",
                                      "Zenith Tools"]


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_on_sqlite_only_an_ascii_fragment_walks_the_name_index(manager, monkeypatch):
    from khata.clients import selectors

    # LIKE folds only ASCII letters; the FTS table folds "Ü" too, so the walk would miss it.
    for name in ["MÜLLER GmbH", "Müller AG", "Mueller Ltd"]:
        company_create(by=manager, data={"display_name": name})
    monkeypatch.setattr(selectors, "DENSE_MATCHES", 1)
    walks = []
    real_bound = selectors.keyset_bound
    monkeypatch.setattr(selectors, "keyset_bound",
                        lambda *args, **kwargs: walks.append(1) or real_bound(*args, **kwargs))

    found = selectors.companies_page(user=manager, filters=CompanyFilters(q="müller"))
    assert sorted(company.display_name for company in found.items) == ["MÜLLER GmbH",
                                                                      "Müller AG"]
    assert walks == []

    found = selectors.companies_page(user=manager, filters=CompanyFilters(q="ller"))
    assert len(found.items) == 3
    assert walks == [1]


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_on_sqlite_the_walk_finds_letters_the_fts_table_folds_to_ascii(manager, monkeypatch):
    from khata.clients import selectors

    # The Kelvin sign and the long s: the FTS table reads them as k and s, LIKE does not.
    for name in ["\u212aelvin Ltd", "Kelvin Works", "Mo\u017fer Tools", "Unrelated"]:
        company_create(by=manager, data={"display_name": name})
    monkeypatch.setattr(selectors, "DENSE_MATCHES", 1)
    monkeypatch.setattr(selectors, "PROBE_ROWS", 1000)  # the window is every name: the walk

    for q, found in [("kel", ["Kelvin Works", "\u212aelvin Ltd"]),
                     ("mose", ["Mo\u017fer Tools"])]:
        filters = CompanyFilters(q=q)
        dense = _all_pages(manager, filters, selectors.companies_page)
        assert dense == _all_pages(manager, filters, _plain_page)
        assert sorted(sum(dense, [])) == found


def test_a_sparse_search_takes_the_plain_query(manager, monkeypatch):
    from khata.clients import selectors

    company_create(by=manager, data={"display_name": "Lone Ltd"})
    monkeypatch.setattr(selectors, "estimated_rows", lambda queryset: 5)
    monkeypatch.setattr(selectors, "keyset_bound", None)  # would raise if the probe ran

    page = selectors.companies_page(user=manager, filters=CompanyFilters(q="ltd"))

    assert [company.display_name for company in page.items] == ["Lone Ltd"]


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_walking_the_index_leaves_the_planner_settings_as_they_were(manager):
    from django.db import transaction

    from khata.core.lists import estimated_rows, walking_index_order

    with transaction.atomic(), connection.cursor() as cursor:
        with walking_index_order():
            cursor.execute("SHOW enable_bitmapscan")
            assert cursor.fetchone()[0] == "off"
        cursor.execute("SHOW enable_bitmapscan")
        assert cursor.fetchone()[0] == "on"
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone()[0] == "on"
    assert estimated_rows(Company.objects.all()) >= 0


def test_each_question_of_the_contact_search_has_its_index_on_postgresql(manager):
    """The contacts list's search box ORs a name or job-title fragment, an e-mail and a phone;
    on PostgreSQL each matches an index, so the planner can answer from them (at 3,000,000
    contacts the head's search took 1.2 s without the trigram ones)."""
    from khata.clients.models import Contact

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL planner question")
    questions = {"contact_name_trgm": {"name__icontains": "mann"},
                 "contact_title_trgm": {"job_title__icontains": "mann"},
                 "contact_email_upper": {"email__iexact": "a@b.example"}}
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")  # a tiny table: only ask what is possible
        try:
            plans = {index: Contact.all_objects.filter(**lookup).explain()
                     for index, lookup in questions.items()}
        finally:
            cursor.execute("SET enable_seqscan = on")
    for index, plan in plans.items():
        assert index in plan, plan


def test_name_blocks_hold_same_city_same_first_letters_in_any_case(manager):
    wanted = Company.objects.create(display_name="Kalyani Steels", city="Pune", owner=manager)
    Company.objects.create(display_name="KALYANI Forge", city="PUNE", owner=manager)
    Company.objects.create(display_name="Kalyani Steels", city="Nagpur", owner=manager)
    Company.objects.create(display_name="Steels Kalyani", city="Pune", owner=manager)
    gone = Company.objects.create(display_name="Kalyani Old", city="Pune", owner=manager)
    company_delete(by=manager, company=gone)

    found = name_block_matches([("pune", "kalyani steel"), ("Surat", "Kalyani"),
                                ("PUNE", "ka")])

    assert sorted(name for city, _name, _pk, name in found if city == "pune") == [
        "KALYANI Forge", "Kalyani Steels"]
    assert {(city, name) for city, name, _pk, _other in found} == {("pune", "kalyani steel"),
                                                                     ("PUNE", "ka")}
    assert wanted.pk in {pk for _city, _name, pk, _other in found}
    assert sorted(name for city, _name, _pk, name in found if city == "PUNE") == [
        "KALYANI Forge", "Kalyani Steels"]  # a short name: every block starting with it


@pytest.mark.parametrize("short", [False, True])
def test_the_name_block_question_uses_its_index(manager, short):
    Company.objects.create(display_name="Kalyani Steels", city="Pune", owner=manager)
    query = short_name_block_query if short else name_block_query
    sql, params = query([("Pune", "Kal"), ("Surat", "AB")] if short
                        else [("Pune", "Kaly"), ("Surat", "AB T")])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET enable_seqscan = off")  # a tiny table is cheaper to read whole
        cursor.execute(("EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ")
                       + sql, params)
        plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
        if connection.vendor == "postgresql":
            cursor.execute("SET enable_seqscan = on")
    assert "company_name_block" in plan, plan
