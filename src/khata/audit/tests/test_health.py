"""The Data health page: counts in reach, each linking to the list that fixes it."""

from khata.clients.models import Consent
from khata.clients.tests.factories import CompanyFactory, ContactFactory


def test_counts_link_to_the_lists_that_fix_them(manager_client, manager, other_manager):
    lonely = CompanyFactory(owner=manager, display_name="Lonely")
    twin_a = CompanyFactory(owner=manager, display_name="Twin A")
    twin_b = CompanyFactory(owner=manager, display_name="Twin B")
    for twin in (twin_a, twin_b):
        twin.domain = "twin.example"
        twin.save()
    ContactFactory(company=twin_a, email="", phone="")
    consented = ContactFactory(company=twin_b, email="a@twin.example")
    Consent.objects.create(contact=consented, channel="email", status="granted",
                           method="email", at=consented.created_at)
    CompanyFactory(owner=other_manager)  # not mine: not counted

    page = manager_client.get("/audit/health/")
    totals = page.context["totals"]

    assert totals["companies"] == 3
    assert totals["no_contacts"] == 1 and totals["duplicates"] == 2
    assert totals["no_reach"] == 1 and totals["no_consent"] == 0
    assert 'href="/companies/?quality=no_contacts"' in page.text
    names = [c.display_name for c in manager_client.get(
        "/companies/", {"quality": "no_contacts"}).context["page"].items]
    assert names == ["Lonely"] and lonely.pk
    contacts = manager_client.get("/contacts/", {"quality": "no_reach"}).context["page"].items
    assert len(contacts) == 1


def test_the_head_sees_every_manager(head_client, manager, other_manager):
    CompanyFactory(owner=manager)
    CompanyFactory(owner=other_manager)

    page = head_client.get("/audit/health/")

    assert page.context["totals"]["companies"] == 2
    assert "Asha Rao" in page.text and "Vikram Singh" in page.text


def test_the_head_sets_freshness_rules_and_managers_cannot(head_client, manager_client):
    from khata.clients.selectors import freshness_days

    head_client.post("/audit/health/rules/", {"days-client": "30", "days-prospect": "",
                                              "days-former": "400", "days-blocked": ""})
    assert freshness_days()["client"] == 30 and freshness_days()["prospect"] is None

    manager_client.post("/audit/health/rules/", {"days-client": "999"})
    assert freshness_days()["client"] == 30
    bad = head_client.post("/audit/health/rules/", {"days-client": "0"}, follow=True)
    assert "between 1 and 3650" in bad.text
