"""Merging duplicates, and undoing it."""

import pytest
from django.core.exceptions import ValidationError

from khata.clients.models import Address, Company
from khata.clients.services import company_merge, company_merge_undo, need_create
from khata.clients.tests.factories import CompanyFactory, ContactFactory
from khata.core.selectors import last_change
from khata.team.access import NotFound


@pytest.fixture
def pair(manager):
    survivor = CompanyFactory(owner=manager, display_name="Tata Steel", city="Mumbai",
                              region="", employees=None)
    other = CompanyFactory(owner=manager, display_name="TATA STEEL LTD", city="Mumbai",
                           region="Maharashtra", employees=80000)
    survivor.needs.add(need_create(by=manager, name="Logistics"))
    other.needs.add(need_create(by=manager, name="ERP"))
    ContactFactory(company=survivor, name="Kept")
    ContactFactory(company=other, name="Moved 1")
    ContactFactory(company=other, name="Moved 2")
    Address.objects.create(company=other, line1="Bombay House")
    return survivor, other


def test_merge_moves_everything_and_keeps_chosen_values(manager, pair):
    survivor, other = pair

    company_merge(by=manager, survivor=survivor, other=other,
                  take_from_other={"region", "employees"})

    survivor.refresh_from_db()
    assert (survivor.display_name, survivor.region, survivor.employees) == (
        "Tata Steel", "Maharashtra", 80000)
    assert sorted(c.name for c in survivor.contacts.all()) == ["Kept", "Moved 1", "Moved 2"]
    assert survivor.addresses.count() == 1
    assert sorted(n.name for n in survivor.needs.all()) == ["ERP", "Logistics"]
    assert not Company.objects.filter(pk=other.pk).exists()
    assert Company.all_objects.get(pk=other.pk).merged_into == survivor
    assert "merged with TATA STEEL LTD" in last_change(survivor).message


def test_undo_puts_everything_back(manager, pair):
    survivor, other = pair
    merge = company_merge(by=manager, survivor=survivor, other=other,
                          take_from_other={"region", "employees"})

    company_merge_undo(by=manager, merge=merge)

    survivor.refresh_from_db()
    other = Company.objects.get(pk=other.pk)
    assert (survivor.region, survivor.employees) == ("", None)
    assert [c.name for c in survivor.contacts.all()] == ["Kept"]
    assert sorted(c.name for c in other.contacts.all()) == ["Moved 1", "Moved 2"]
    assert [n.name for n in survivor.needs.all()] == ["Logistics"]
    assert other.addresses.count() == 1 and other.merged_into is None
    with pytest.raises(ValidationError):
        company_merge_undo(by=manager, merge=merge)


def test_merging_needs_rights_on_both(manager, other_manager, pair):
    survivor, _other = pair
    theirs = CompanyFactory(owner=other_manager)

    with pytest.raises(NotFound):
        company_merge(by=manager, survivor=survivor, other=theirs)
    with pytest.raises(ValidationError):
        company_merge(by=manager, survivor=survivor, other=survivor)
    assert Company.objects.filter(pk=theirs.pk).exists()


def test_the_merge_screen_suggests_compares_merges_and_undoes(manager_client, manager, pair):
    survivor, other = pair

    pick = manager_client.get(f"/companies/{survivor.pk}/merge/").text
    assert "TATA STEEL LTD" in pick and "similar name" in pick

    compare = manager_client.get(f"/companies/{survivor.pk}/merge/", {"with": other.pk}).text
    assert 'name="take-region" value="other" checked' in compare

    response = manager_client.post(f"/companies/{survivor.pk}/merge/", {
        "with": other.pk, "take-region": "other", "take-display_name": "survivor"},
        follow=True)
    assert "Merged: TATA STEEL LTD is now part of Tata Steel." in response.text
    survivor.refresh_from_db()
    assert survivor.region == "Maharashtra" and survivor.contacts.count() == 3

    merge = survivor.merges.get()
    manager_client.post(f"/merges/{merge.pk}/undo/")
    assert Company.objects.filter(pk=other.pk).exists()
    assert survivor.contacts.count() == 1


def test_someone_elses_merge_pages_are_404(manager_client, other_manager, pair):
    survivor, _other = pair
    theirs = CompanyFactory(owner=other_manager)

    assert manager_client.get(f"/companies/{theirs.pk}/merge/").status_code == 404
    assert manager_client.get(f"/companies/{survivor.pk}/merge/",
                              {"with": theirs.pk}).status_code == 404


def test_undo_keeps_later_edits_and_records_moved_rows(manager, pair):
    from khata.clients.services import company_update

    survivor, other = pair
    moved = other.contacts.first()
    merge = company_merge(by=manager, survivor=survivor, other=other,
                          take_from_other={"region", "employees"})
    assert "merge" in last_change(moved).message
    company_update(by=manager, company=survivor, data={"employees": 90000})

    company_merge_undo(by=manager, merge=merge)

    survivor.refresh_from_db()
    assert survivor.region == "" and survivor.employees == 90000  # the later edit stays


def test_a_merged_company_comes_back_only_by_undo(manager, pair):
    from khata.clients.services import company_restore

    survivor, other = pair
    company_merge(by=manager, survivor=survivor, other=other)

    with pytest.raises(ValidationError):
        company_restore(by=manager, company=Company.all_objects.get(pk=other.pk))
