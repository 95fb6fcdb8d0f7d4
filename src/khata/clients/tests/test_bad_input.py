"""Bad input is a clear error, never a 500 and never a stored hazard."""

import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from khata.clients.services import company_create
from khata.clients.tests.factories import CompanyFactory, ContactFactory


def test_only_web_addresses_are_websites(manager):
    with pytest.raises(ValidationError) as caught:
        company_create(by=manager, data={"display_name": "X",
                                         "website": "javascript://acme.in/%0aalert(1)"})
    assert "http://" in caught.value.message_dict["website"][0]


def test_a_forged_cursor_starts_from_the_first_page(manager_client, manager):
    CompanyFactory(owner=manager, display_name="Alpha")
    import base64

    forged = base64.urlsafe_b64encode(b'["x", "not-an-id"]').decode()
    page = manager_client.get("/companies/", {"cursor": forged})
    garbage = manager_client.get("/companies/", {"cursor": "%%%"})

    assert page.status_code == 200 and "Alpha" in page.text
    assert garbage.status_code == 200


def test_exported_cells_never_run_as_formulas(manager_client, manager):
    CompanyFactory(owner=manager, display_name="=HYPERLINK(\"http://evil\",\"x\")",
                   notes="@SUM(A1)")

    csv_text = b"".join(manager_client.get("/companies/export/").streaming_content).decode()
    book = load_workbook(io.BytesIO(manager_client.get(
        "/companies/export/", {"format": "xlsx"}).content))

    assert "'=HYPERLINK" in csv_text and "'@SUM" in csv_text
    cell = book.active["A2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_naive_times_in_the_api_are_read_not_crashed(client, manager):
    from khata.team.services import token_create

    _token, raw = token_create(by=manager, user=manager, name="t")
    contact = ContactFactory(company=CompanyFactory(owner=manager))
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    consent = client.post(f"/api/v1/contacts/{contact.pk}/consents",
                          {"channel": "email", "status": "granted", "method": "email",
                           "at": "2026-01-05T10:00:00"}, content_type="application/json",
                          **auth)
    token = client.post("/api/v1/tokens", {"name": "n", "expires_at": "2030-01-01T00:00:00"},
                        content_type="application/json", **auth)

    assert consent.status_code == 201 and token.status_code == 201
