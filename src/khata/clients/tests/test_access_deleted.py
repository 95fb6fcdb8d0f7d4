"""The access layer hides what hangs under a soft-deleted company."""

from khata.clients.models import Address, Company, Contact
from khata.clients.services import company_delete, company_restore
from khata.clients.tests.factories import CompanyFactory, ContactFactory
from khata.team.access import can, visible_to


def test_records_under_a_deleted_company_are_hidden_with_it(manager, head):
    company = CompanyFactory(owner=manager)
    contact = ContactFactory(company=company)
    Address.objects.create(company=company, line1="x")

    company_delete(by=manager, company=company)

    for user in (manager, head):
        assert not visible_to(user, Contact.objects.all()).exists()
        assert not visible_to(user, Address.objects.all()).exists()
        assert not can(user, "change", contact)
    company_restore(by=manager, company=Company.all_objects.get(pk=company.pk))
    assert visible_to(manager, Contact.objects.all()).get() == contact
