"""Leads from intake to qualification, search methods and their figures."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from khata.clients.models import Company, Contact
from khata.clients.tests.factories import CompanyFactory
from khata.core.selectors import last_change
from khata.prospecting.choices import LeadStatus
from khata.prospecting.models import DisqualifyReason, Lead
from khata.prospecting.selectors import search_method_figures
from khata.prospecting.services import (
    lead_create,
    lead_disqualify,
    lead_qualify,
    lead_reopen,
    search_method_create,
    search_method_update,
)
from khata.prospecting.tests.factories import LeadFactory, SearchMethodFactory
from khata.team.access import NotFound


@pytest.fixture
def fair(manager):
    return search_method_create(by=manager, data={
        "name": "Pune Engineering Fair 2026", "kind": "exhibition", "cost": "150000",
        "starts_on": "2026-10-01", "ends_on": "2026-10-03"})


def test_a_lead_is_taken_in_and_recorded(manager, fair):
    lead = lead_create(by=manager, data={
        "search_method": fair.pk, "company_name": "Kirloskar Pumps", "contact_name": "R. Joshi",
        "email": "r.joshi@KIRLOSKAR-PUMPS.in", "phone": "020 2444 0000", "city": "Pune",
        "industry": "28", "needs": ["Maintenance"]})

    assert (lead.owner, lead.status, lead.email) == (manager, LeadStatus.NEW,
                                                     "r.joshi@kirloskar-pumps.in")
    assert lead.phone == "+912024440000"
    assert lead.matches_company is None
    assert last_change(lead).changes["company_name"] == [None, "Kirloskar Pumps"]


def test_bad_lead_input_names_each_field_and_writes_nothing(manager, fair):
    with pytest.raises(ValidationError) as raised:
        lead_create(by=manager, data={"search_method": fair.pk, "company_name": "",
                                      "email": "not-mail", "industry": "99x"})
    assert set(raised.value.message_dict) == {"company_name", "email", "industry"}
    assert not Lead.objects.exists()


def test_a_lead_like_an_existing_company_is_flagged_and_not_duplicated(manager, fair):
    existing = CompanyFactory(owner=manager, display_name="Tata Steel Ltd", city="Pune",
                              website="https://tatasteel.com", domain="tatasteel.com")

    by_name = lead_create(by=manager, data={"search_method": fair.pk,
                                            "company_name": "TATA STEEL LIMITED",
                                            "city": "pune"})
    by_mail = lead_create(by=manager, data={"search_method": fair.pk,
                                            "company_name": "TS procurement",
                                            "email": "buyer@tatasteel.com"})
    assert by_name.matches_company == existing and by_mail.matches_company == existing

    with pytest.raises(ValidationError) as raised:
        lead_qualify(by=manager, lead=by_name)
    assert "Tata Steel Ltd" in raised.value.message_dict["company"][0]
    assert Company.objects.count() == 1

    lead_qualify(by=manager, lead=by_name, company=existing)
    by_name.refresh_from_db()
    assert (by_name.status, by_name.company) == (LeadStatus.QUALIFIED, existing)
    assert Company.objects.count() == 1


def test_qualifying_makes_a_company_and_a_contact(manager, fair):
    lead = lead_create(by=manager, data={
        "search_method": fair.pk, "company_name": "Nova Castings", "contact_name": "Meera Iyer",
        "email": "meera@novacastings.in", "city": "Kolhapur", "region": "Maharashtra",
        "needs": ["Maintenance"]})

    lead_qualify(by=manager, lead=lead)

    company = Company.objects.get(display_name="Nova Castings")
    assert (company.owner, company.source, company.region) == (manager, fair.name,
                                                               "Maharashtra")
    assert list(company.needs.values_list("name", flat=True)) == ["Maintenance"]
    assert Contact.objects.get(company=company).email == "meera@novacastings.in"
    lead.refresh_from_db()
    assert lead.closed_at is not None and lead.contact.name == "Meera Iyer"


def test_disqualify_needs_a_reason_and_can_be_reopened(manager, fair):
    lead = LeadFactory(owner=manager, search_method=fair)
    with pytest.raises(ValidationError):
        lead_disqualify(by=manager, lead=lead, reason=None)
    reason = DisqualifyReason.objects.get(name="No budget")

    lead_disqualify(by=manager, lead=lead, reason=reason.pk)
    assert (lead.status, lead.disqualify_reason) == (LeadStatus.DISQUALIFIED, reason)
    lead_reopen(by=manager, lead=lead)
    assert (lead.status, lead.disqualify_reason) == (LeadStatus.WORKING, None)


def test_a_colleague_cannot_touch_my_lead(manager, other_manager, fair):
    lead = LeadFactory(owner=manager, search_method=fair)
    with pytest.raises(NotFound):
        lead_qualify(by=other_manager, lead=lead, create_new=True)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW and not Company.objects.exists()


def test_methods_are_shared_but_changed_by_their_owner(manager, other_manager, fair):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        search_method_update(by=other_manager, method=fair, data={"cost": "1"})
    search_method_update(by=manager, method=fair, data={"cost": "160000.50"})
    fair.refresh_from_db()
    assert fair.cost == Decimal("160000.50")


@pytest.mark.parametrize(("data", "field"), [
    ({"name": "X", "kind": "exhibition", "cost": "-5"}, "cost"),
    ({"name": "X", "kind": "exhibition", "starts_on": "2026-05-02", "ends_on": "2026-05-01"},
     "ends_on"),
    ({"name": "X", "kind": "telepathy"}, "kind"),
    ({"name": "Pune Engineering Fair 2026", "kind": "exhibition"}, "name"),
])
def test_bad_methods_are_refused_with_the_field(manager, fair, data, field):
    with pytest.raises(ValidationError) as raised:
        search_method_create(by=manager, data=data)
    assert field in raised.value.message_dict


def test_figures_rank_methods_by_the_clients_they_bring(head, manager, fair):
    web = SearchMethodFactory(owner=manager, name="Web", cost=Decimal("1000"))
    for _ in range(3):
        LeadFactory(owner=manager, search_method=fair)
    won = CompanyFactory(owner=manager, lifecycle="client")
    LeadFactory(owner=manager, search_method=web, status=LeadStatus.QUALIFIED, company=won)
    LeadFactory(owner=manager, search_method=web)

    figures = {f.method.name: f for f in search_method_figures(user=head)}

    assert [f.method.name for f in search_method_figures(user=head)][0] == "Web"
    assert (figures["Web"].leads, figures["Web"].clients, figures["Web"].client_rate) == (
        2, 1, 0.5)
    assert figures["Web"].cost_per_client == Decimal("1000.00")
    assert figures[fair.name].cost_per_lead == Decimal("50000.00")
    assert figures[fair.name].cost_per_client is None
