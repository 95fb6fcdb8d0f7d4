"""The client database through the API."""

import pytest

from khata.clients.models import Company
from khata.clients.tests.factories import CompanyFactory, ContactFactory
from khata.team.tests.api_client import bearer_api


@pytest.fixture
def api(client, manager):
    return bearer_api(client, manager)


def test_create_read_update_delete_restore(api, manager):
    created = api.post("/companies", {"display_name": "Wipro", "tax_number": "27AAPFU0939F1ZV",
                                      "industry": "62", "needs": ["Cloud"]})
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["industry"] == "62" and body["needs"] == ["Cloud"]
    assert body["owner"]["email"] == "manager@example.com"

    company_id = body["id"]
    patched = api.patch(f"/companies/{company_id}", {"city": "Bengaluru"})
    assert patched.json()["city"] == "Bengaluru" and patched.json()["display_name"] == "Wipro"

    assert api.delete(f"/companies/{company_id}").status_code == 204
    assert api.get(f"/companies/{company_id}").status_code == 404
    assert api.post(f"/companies/{company_id}/restore").status_code == 200
    assert api.get(f"/companies/{company_id}").status_code == 200


def test_validation_errors_name_each_field(api):
    response = api.post("/companies", {"display_name": "", "website": "nope", "employees": -1})

    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"display_name", "website", "employees"}
    assert not Company.objects.exists()


def test_others_companies_are_404_and_unchanged(api, other_manager):
    theirs = CompanyFactory(owner=other_manager, city="Delhi")

    for response in [api.get(f"/companies/{theirs.pk}"),
                     api.patch(f"/companies/{theirs.pk}", {"city": "Pune"}),
                     api.post(f"/companies/{theirs.pk}/verify"),
                     api.delete(f"/companies/{theirs.pk}")]:
        assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.city == "Delhi" and theirs.deleted_at is None
    assert api.get("/companies").json()["items"] == []


def test_list_filters_search_and_keyset_pages(api, manager, django_assert_max_num_queries):
    for index in range(7):
        CompanyFactory(owner=manager, display_name=f"Alpha {index}", lifecycle="client")
    CompanyFactory(owner=manager, display_name="Beta Traders", lifecycle="prospect")
    ContactFactory(company=CompanyFactory(owner=manager, display_name="Gamma"),
                   email="ravi@gamma.in")

    with django_assert_max_num_queries(6):
        first = api.get("/companies", {"lifecycle": "client", "limit": 5}).json()
    second = api.get("/companies", {"lifecycle": "client", "limit": 5,
                                    "cursor": first["next_cursor"]}).json()

    names = [item["display_name"] for item in first["items"] + second["items"]]
    assert names == [f"Alpha {index}" for index in range(7)]
    assert second["next_cursor"] is None
    assert [c["display_name"] for c in api.get("/companies", {"q": "ravi@gamma.in"})
            .json()["items"]] == ["Gamma"]
    assert api.get("/companies", {"sort": "sideways"}).status_code == 422


def test_contacts_and_consent(api, manager):
    company = CompanyFactory(owner=manager)

    created = api.post("/contacts", {"company": company.pk, "name": "Meera Iyer",
                                     "phone": "022 2345 6789"})
    assert created.status_code == 201, created.json()
    contact_id = created.json()["id"]
    assert created.json()["phone"] == "+912223456789"

    consent = api.post(f"/contacts/{contact_id}/consents",
                       {"channel": "email", "status": "granted", "method": "web_form"})
    assert consent.status_code == 201
    assert api.get(f"/contacts/{contact_id}").json()["consent"][0]["status"] == "granted"
    bad = api.post("/contacts", {"company": company.pk, "name": "X", "email": "x@"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "email"


def test_reference_lists(api):
    industries = api.get("/industries").json()
    assert {"code": "C", "name": "Manufacturing", "section": None} in industries
    assert any(item["code"] == "24" and item["section"] == "C" for item in industries)
    assert api.post("/needs", {"name": "Export finance"}).status_code == 201
    assert [need["name"] for need in api.get("/needs").json()] == ["Export finance"]


def test_export_through_the_api(api, manager):
    CompanyFactory(owner=manager, display_name="Exported")

    response = api.get("/companies/export", {"format": "csv"})

    assert response.status_code == 200
    assert "Exported" in b"".join(response.streaming_content).decode("utf-8-sig")
    assert api.get("/companies/export", {"format": "pdf"}).status_code == 422


def test_merge_and_undo_through_the_api(api, manager):
    survivor = CompanyFactory(owner=manager, display_name="Tata Steel", region="")
    other = CompanyFactory(owner=manager, display_name="TATA STEEL LTD", region="MH")
    ContactFactory(company=other)

    merged = api.post(f"/companies/{survivor.pk}/merge",
                      {"other": other.pk, "take_from_other": ["region"]})
    assert merged.status_code == 201
    assert api.get(f"/companies/{survivor.pk}").json()["region"] == "MH"
    assert api.get(f"/companies/{other.pk}").status_code == 404

    undone = api.post(f"/merges/{merged.json()['id']}/undo")
    assert undone.status_code == 200 and undone.json()["region"] == ""
    assert api.get(f"/companies/{other.pk}").status_code == 200
    bad = api.post(f"/companies/{survivor.pk}/merge", {"other": other.pk,
                                                       "take_from_other": ["password"]})
    assert bad.status_code == 422


def test_addresses_and_links_through_the_api(api, manager, other_manager):
    company = CompanyFactory(owner=manager)
    partner = CompanyFactory(owner=manager)
    theirs = CompanyFactory(owner=other_manager)
    contact = ContactFactory(company=company)

    created = api.post(f"/companies/{company.pk}/addresses",
                       {"line1": "Bombay House", "city": "Mumbai", "country": "in",
                        "contact": contact.pk})
    assert created.status_code == 201 and created.json()["country"] == "IN"
    assert api.post(f"/companies/{company.pk}/addresses", {"city": "X"}).status_code == 422
    address_id = created.json()["id"]
    assert api.patch(f"/addresses/{address_id}", {"postcode": "400001"}).json()[
        "postcode"] == "400001"
    assert api.get(f"/companies/{theirs.pk}/addresses").status_code == 404

    linked = api.post(f"/contacts/{contact.pk}/links", {"company": partner.pk})
    assert linked.json()["also_at"] == [partner.pk]
    assert api.post(f"/contacts/{contact.pk}/links", {"company": theirs.pk}).status_code == 404
    assert api.delete(f"/contacts/{contact.pk}/links/{partner.pk}").json()["also_at"] == []
    assert api.delete(f"/addresses/{address_id}").status_code == 204


def test_contact_and_product_lists_run_a_fixed_number_of_queries(
    api, manager, head, django_assert_max_num_queries
):
    from khata.catalog.services import product_create

    for _ in range(30):
        ContactFactory(company=CompanyFactory(owner=manager))
    for index in range(20):
        product_create(by=head, data={"sku": f"S{index}", "name": f"P{index}",
                                      "target_industries": ["C"]})

    with django_assert_max_num_queries(8):
        assert api.get("/contacts", {"limit": 100}).json()["count"] == 30
    with django_assert_max_num_queries(8):
        assert api.get("/products", {"limit": 100}).json()["count"] == 20


@pytest.mark.parametrize("query", ["owner", "needs"])
@pytest.mark.parametrize("path", ["/companies", "/companies/export"])
def test_an_id_past_any_key_is_a_422_naming_the_filter(api, path, query):
    # Found by the fuzzer (tests/fuzz): SQLite overflowed comparing 2**64 with a key (a 500).
    response = api.get(path, {query: 2**64})

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert query in error["field"].split(".")  # "query.owner", "query.query.needs.0"


def test_a_contact_filter_past_any_key_is_a_422(api):
    response = api.get("/contacts", {"company": 2**64})

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["query.company"]


@pytest.mark.parametrize("query", ["owner", "needs"])
def test_the_company_page_ignores_an_id_past_any_key(manager_client, manager, query):
    CompanyFactory(owner=manager, display_name="Wipro")

    response = manager_client.get("/companies/", {query: 2**64})

    assert response.status_code == 200
    assert "Wipro" in response.content.decode()


def test_a_nul_character_is_a_422_naming_the_field(api):
    # Found by the fuzzer (tests/fuzz): PostgreSQL refuses NUL in text (a 500 there).
    searched = api.get("/companies/export", {"region": "Pune\x00"})
    created = api.post("/companies", {"display_name": "Wipro", "needs": ["Cloud\x00"]})

    assert searched.status_code == 422
    assert [error["field"] for error in searched.json()["errors"]] == ["query.region"]
    assert created.status_code == 422
    assert [error["field"] for error in created.json()["errors"]] == ["needs.0"]
    assert not Company.objects.exists()
