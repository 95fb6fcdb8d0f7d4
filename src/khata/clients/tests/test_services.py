"""Writing companies and contacts: validation, rights, and the change log."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from khata.clients.models import Company, Contact, Need
from khata.clients.selectors import companies_stale, current_consent
from khata.clients.services import (
    company_create,
    company_delete,
    company_restore,
    company_update,
    company_verify,
    consent_record,
    contact_create,
    contact_update,
    need_create,
)
from khata.clients.tests.factories import CompanyFactory, ContactFactory
from khata.core.selectors import changes_for_object, last_change
from khata.team.access import NotFound

GSTIN = "27AAPFU0939F1ZV"


def test_a_manager_creates_a_company_in_their_portfolio(manager):
    company = company_create(by=manager, data={
        "display_name": "  Tata Steel ", "tax_number": "27aapfu0939f1zv", "country": "in",
        "website": "WWW.TataSteel.com/about/", "industry": "24", "employees": "1,200",
        "needs": ["Logistics", "logistics ", "ERP"],
    })

    assert company.owner == manager
    assert (company.display_name, company.country) == ("Tata Steel", "IN")
    assert (company.tax_scheme, company.tax_number) == ("in_gstin", GSTIN)
    assert company.website == "https://www.tatasteel.com/about/"
    assert company.domain == "tatasteel.com"
    assert company.industry.code == "24" and company.size_tier == "enterprise"
    assert sorted(need.name for need in company.needs.all()) == ["ERP", "Logistics"]
    change = last_change(company)
    assert change.action == "create" and change.changes["needs"] == [None, ["ERP", "Logistics"]]


def test_every_bad_field_is_named_and_nothing_is_saved(manager):
    with pytest.raises(ValidationError) as caught:
        company_create(by=manager, data={
            "display_name": "", "tax_number": "27AAPFU0939F1ZX", "tax_scheme": "in_gstin",
            "website": "not a site", "industry": "ZZ", "employees": "many",
            "lifecycle": "friend", "country": "India",
        })

    errors = caught.value.message_dict
    assert set(errors) == {"display_name", "tax_number", "website", "industry", "employees",
                           "lifecycle", "country"}
    assert "check digit" in errors["tax_number"][0]
    assert not Company.objects.exists() and not Need.objects.exists()


def test_unknown_tax_formats_need_the_other_type(manager):
    with pytest.raises(ValidationError) as caught:
        company_create(by=manager, data={"display_name": "X", "tax_number": "12345"})
    assert "Other" in caught.value.message_dict["tax_number"][0]

    company = company_create(by=manager, data={"display_name": "X", "tax_number": "12345",
                                                "tax_scheme": "other"})
    assert company.tax_number == "12345"


def test_only_the_head_gives_a_company_to_another_manager(head, manager, other_manager):
    with pytest.raises(ValidationError) as caught:
        company_create(by=manager, data={"display_name": "X", "owner": other_manager.pk})
    assert "owner" in caught.value.message_dict

    company = company_create(by=head, data={"display_name": "X", "owner": manager.email})
    assert company.owner == manager


def test_update_records_old_and_new_values(manager):
    company = company_create(by=manager, data={"display_name": "Infosys", "city": "Mysore"})

    company_update(by=manager, company=company, data={"city": "Bengaluru", "needs": ["Cloud"]})

    change = last_change(company)
    assert change.changes == {"city": ["Mysore", "Bengaluru"], "needs": [[], ["Cloud"]]}


def test_a_colleague_can_neither_see_nor_change_my_company(manager, other_manager):
    company = company_create(by=manager, data={"display_name": "Mine", "city": "Pune"})

    with pytest.raises(NotFound):
        company_update(by=other_manager, company=company, data={"city": "Delhi"})
    with pytest.raises(NotFound):
        company_verify(by=other_manager, company=company)

    company.refresh_from_db()
    assert company.city == "Pune" and company.last_verified_at is None


def test_verifying_resets_freshness_and_is_recorded(manager):
    company = CompanyFactory(owner=manager)
    Company.objects.filter(pk=company.pk).update(created_at=timezone.now() - timedelta(400))
    assert company in companies_stale(user=manager)

    company_verify(by=manager, company=company)

    assert company not in companies_stale(user=manager)
    assert last_change(company).changed_fields == {"last_verified_at", "last_verified_by"}


def test_delete_is_soft_and_can_be_undone(manager):
    company = CompanyFactory(owner=manager)

    company_delete(by=manager, company=company)
    assert not Company.objects.filter(pk=company.pk).exists()

    company_restore(by=manager, company=Company.all_objects.get(pk=company.pk))
    assert Company.objects.filter(pk=company.pk).exists()
    assert [c.action for c in changes_for_object(company)][:2] == ["restore", "delete"]


def test_contacts_are_normalised(manager):
    company = CompanyFactory(owner=manager, country="IN")

    contact = contact_create(by=manager, data={
        "company": company.pk, "name": "Priya Nair", "email": "Priya.Nair@Example.COM",
        "phone": "098200 12345", "fax": "+49 30 1234567", "buying_role": "decision_maker",
    })

    assert contact.email == "Priya.Nair@example.com"
    assert (contact.phone, contact.fax) == ("+919820012345", "+49301234567")


def test_contact_errors_name_the_field(manager, other_manager):
    theirs = CompanyFactory(owner=other_manager)

    with pytest.raises(ValidationError) as caught:
        contact_create(by=manager, data={"company": theirs.pk, "name": "",
                                         "email": "priya@", "phone": "12"})

    assert set(caught.value.message_dict) == {"company", "name", "email", "phone"}
    assert not Contact.objects.exists()


def test_moving_a_contact_needs_rights_on_the_target(manager, other_manager):
    contact = ContactFactory(company=CompanyFactory(owner=manager))
    theirs = CompanyFactory(owner=other_manager)

    with pytest.raises(ValidationError):
        contact_update(by=manager, contact=contact, data={"company": theirs.pk})


def test_consent_history_keeps_every_event_and_the_latest_wins(manager):
    contact = ContactFactory(company=CompanyFactory(owner=manager))
    earlier = timezone.now() - timedelta(days=30)

    consent_record(by=manager, contact=contact, channel="email", status="granted",
                   method="web_form", at=earlier)
    consent_record(by=manager, contact=contact, channel="email", status="withdrawn",
                   method="unsubscribe")

    assert current_consent(contact)["email"].status == "withdrawn"
    assert contact.consents.count() == 2
    with pytest.raises(ValidationError) as caught:
        consent_record(by=manager, contact=contact, channel="pigeon", status="granted",
                       method="web_form", at=timezone.now() + timedelta(days=1))
    assert set(caught.value.message_dict) == {"channel", "at"}


def test_needs_are_a_shared_vocabulary(manager, other_manager, head):
    mine = need_create(by=manager, name="  Cold   chain ")

    assert need_create(by=other_manager, name="cold chain") == mine
    assert mine.name == "Cold chain"
    with pytest.raises(ValidationError):
        need_create(by=manager, name=" ")


def test_a_manager_cannot_create_a_company_for_nobody(db):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        company_create(by=AnonymousUser(), data={"display_name": "X"})
    assert not Company.objects.exists()



def test_counts_stop_at_their_cap_and_say_so(manager):
    from khata.clients.selectors import AtLeast, count_capped, lifecycle_counts

    for lifecycle in ["client", "client", "client", "prospect"]:
        CompanyFactory(owner=manager, lifecycle=lifecycle)

    assert lifecycle_counts(user=manager, cap=10) == {
        "prospect": 1, "client": 3, "former": 0, "blocked": 0}
    capped = lifecycle_counts(user=manager, cap=2)
    assert capped == {"prospect": 1, "client": 2, "former": 0, "blocked": 0}
    assert isinstance(capped["client"], AtLeast) and not isinstance(capped["prospect"], AtLeast)
    assert count_capped(Company.objects.all(), cap=4) == 4
    assert not isinstance(count_capped(Company.objects.all(), cap=4), AtLeast)
    assert isinstance(count_capped(Company.objects.all(), cap=3), AtLeast)
