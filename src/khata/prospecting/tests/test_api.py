"""Prospecting through the API."""

import pytest

from khata.clients.tests.factories import CompanyFactory
from khata.prospecting.models import Lead, Segment
from khata.team.tests.api_client import bearer_api


@pytest.fixture
def api(client, manager):
    return bearer_api(client, manager)


def test_method_lead_qualify_and_figures(api, manager):
    method = api.post("/search-methods", {"name": "Referrals", "kind": "referral",
                                          "cost": "5000"})
    assert method.status_code == 201, method.json()
    lead = api.post("/leads", {"search_method": method.json()["id"],
                               "company_name": "Sahyadri Foods", "contact_name": "Anil",
                               "email": "anil@sahyadrifoods.in", "needs": ["Cold chain"]})
    assert lead.status_code == 201, lead.json()
    assert lead.json()["needs"] == ["Cold chain"]

    qualified = api.post(f"/leads/{lead.json()['id']}/qualify", {})
    assert qualified.status_code == 200, qualified.json()
    assert qualified.json()["status"] == "qualified" and qualified.json()["company"]

    figures = api.get("/search-methods/figures").json()
    assert figures[0]["method"]["name"] == "Referrals"
    assert (figures[0]["leads"], figures[0]["qualified"]) == (1, 1)


def test_a_lookalike_lead_is_flagged_and_qualify_refused_until_chosen(api, manager):
    existing = CompanyFactory(owner=manager, display_name="Sahyadri Foods", city="Pune")
    method = api.post("/search-methods", {"name": "Fair", "kind": "exhibition"}).json()
    lead = api.post("/leads", {"search_method": method["id"], "company_name": "Sahyadri Foods",
                               "city": "Pune"}).json()
    assert lead["looks_like_company"] == existing.pk

    refused = api.post(f"/leads/{lead['id']}/qualify", {})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "company"
    joined = api.post(f"/leads/{lead['id']}/qualify", {"company": existing.pk})
    assert joined.json()["company"] == existing.pk


def test_a_segment_with_an_unknown_field_is_a_422_naming_it(api):
    response = api.post("/segments", {"name": "Big", "rules": {"match": "all", "rules": [
        {"field": "salary", "op": "in", "value": ["x"]}]}})

    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "rules" and "unknown field “salary”" in error["message"]
    assert not Segment.objects.exists()


def test_segment_members_are_listed(api, manager):
    CompanyFactory(owner=manager, display_name="In Goa", region="Goa")
    CompanyFactory(owner=manager, display_name="In Kerala", region="Kerala")
    segment = api.post("/segments", {"name": "Goa", "rules": {"match": "all", "rules": [
        {"field": "region", "op": "in", "value": ["Goa"]}]}}).json()

    members = api.get(f"/segments/{segment['id']}/members").json()

    assert [item["display_name"] for item in members["items"]] == ["In Goa"]
    assert segment["in_words"] == "Region / state is one of Goa"


def test_lead_lists_stay_bounded(api, manager, django_assert_max_num_queries):
    method = api.post("/search-methods", {"name": "List", "kind": "purchased_list"}).json()
    for index in range(30):
        Lead.objects.create(search_method_id=method["id"], owner=manager,
                            company_name=f"L{index}")
    with django_assert_max_num_queries(8):
        assert len(api.get("/leads", {"limit": 30}).json()["items"]) == 30
