"""Read-side questions of the client database asked for many records at once."""

from khata.clients.selectors import channels_withdrawn_many
from khata.clients.services import consent_record
from khata.clients.tests.factories import CompanyFactory, ContactFactory


def _withdraw(manager, contact, channel):
    consent_record(by=manager, contact=contact, channel=channel, status="withdrawn",
                   method="unsubscribe")


def test_a_channel_is_closed_to_a_company_only_when_every_contact_withdrew(
        manager, django_assert_num_queries):
    closed, half, silent = (CompanyFactory(owner=manager) for _n in range(3))
    both = [ContactFactory(company=closed) for _n in range(2)]
    one, other = ContactFactory(company=half), ContactFactory(company=half)
    for contact in both:
        _withdraw(manager, contact, "email")
    _withdraw(manager, one, "email")
    _withdraw(manager, one, "fax")
    consent_record(by=manager, contact=one, channel="fax", status="granted", method="web_form")

    with django_assert_num_queries(3):
        by_company, by_contact = channels_withdrawn_many(
            company_ids=[closed.pk, half.pk, silent.pk], contact_ids=[other.pk])

    assert by_company == {closed.pk: {"email"}}
    # A contact's own answer: the latest event per channel counts (fax was granted again).
    assert by_contact[one.pk] == {"email"} and other.pk not in by_contact


def test_nothing_asked_asks_the_database_nothing(django_assert_num_queries, db):
    with django_assert_num_queries(0):
        assert channels_withdrawn_many() == ({}, {})
