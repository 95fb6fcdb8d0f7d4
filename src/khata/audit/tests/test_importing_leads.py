"""Importing a purchased lead list under a search method."""

import pytest
from django.core.exceptions import ValidationError

from khata.audit.services import import_run, import_start
from khata.clients.tests.factories import CompanyFactory
from khata.core.selectors import last_change
from khata.prospecting.models import Lead
from khata.prospecting.services import search_method_create

LIST = (
    b"Company,First name,Last name,Email,City,State,Tags\n"
    b"Deccan Pumps,Ravi,Kulkarni,ravi@deccanpumps.in,Pune,Maharashtra,Maintenance\n"
    b"Malabar Spices,Anita,Menon,anita@malabarspices.in,Kochi,Kerala,Cold chain; Export\n"
    b"Bharat Forge,Sunil,Rao,sunil@gmail.com,Pune,Maharashtra,\n"
    b",No,Company,x@y.in,Pune,,\n"
)


@pytest.fixture
def method(manager):
    return search_method_create(by=manager, data={"name": "Kompass list Q4",
                                                  "kind": "purchased_list", "cost": "20000"})


def _import(manager, method, data=LIST):
    job = import_start(by=manager, kind="leads", filename="kompass.csv", data=data,
                       options={"search_method": method.pk})
    return import_run(by=manager, job=job)


def test_a_purchased_list_becomes_leads_under_its_method(manager, method):
    CompanyFactory(owner=manager, display_name="Bharat Forge", city="Pune")

    job = _import(manager, method)

    assert (job.created, job.rejected) == (3, 1)
    leads = {lead.company_name: lead for lead in Lead.objects.all()}
    assert leads["Deccan Pumps"].contact_name == "Ravi Kulkarni"
    assert leads["Deccan Pumps"].search_method == method
    assert sorted(leads["Malabar Spices"].needs.values_list("name", flat=True)) == [
        "Cold chain", "Export"]
    assert leads["Bharat Forge"].matches_company.display_name == "Bharat Forge"
    assert last_change(leads["Deccan Pumps"]).message == "imported from kompass.csv"


def test_importing_the_same_list_twice_creates_nothing_twice(manager, method):
    _import(manager, method)
    again = _import(manager, method)

    assert (again.created, again.skipped) == (0, 3)
    assert Lead.objects.count() == 3


def test_a_lead_list_needs_its_search_method(manager):
    with pytest.raises(ValidationError) as raised:
        import_start(by=manager, kind="leads", filename="x.csv", data=LIST)
    assert "search_method" in raised.value.message_dict
