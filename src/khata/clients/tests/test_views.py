"""The client database's pages."""

from datetime import timedelta

from django.utils import timezone

from khata.clients.models import Company, Contact
from khata.clients.services import need_create
from khata.clients.tests.factories import CompanyFactory, ContactFactory


def test_empty_list_says_what_to_do(manager_client):
    page = manager_client.get("/companies/").text

    assert "Your portfolio is empty" in page and "Add your first company" in page


def test_list_shows_only_my_companies_with_bounded_queries(
    manager_client, manager, other_manager, django_assert_max_num_queries
):
    need = need_create(by=manager, name="Logistics")
    for index in range(60):
        company = CompanyFactory(owner=manager, display_name=f"Mine {index:02d}")
        company.needs.add(need)
    CompanyFactory(owner=other_manager, display_name="Theirs")

    with django_assert_max_num_queries(10):
        page = manager_client.get("/companies/")

    assert "Mine 00" in page.text and "Mine 49" in page.text and "Mine 50" not in page.text
    assert "Theirs" not in page.text
    second = manager_client.get("/companies/", {"cursor": page.context["page"].next_cursor})
    assert "Mine 50" in second.text and "Mine 00" not in second.text


def test_search_and_filters(manager_client, manager):
    CompanyFactory(owner=manager, display_name="Bharat Forge", lifecycle="client")
    stale = CompanyFactory(owner=manager, display_name="Old Traders", lifecycle="prospect")
    Company.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(days=200))
    ContactFactory(company=CompanyFactory(owner=manager, display_name="Kirloskar"),
                   phone="+919820012345")

    def names(**params):
        return [c.display_name for c in manager_client.get("/companies/", params)
                .context["page"].items]

    assert names(q="forge") == ["Bharat Forge"]
    assert names(q="98200 12345") == ["Kirloskar"]
    assert names(lifecycle="client") == ["Bharat Forge"]
    assert names(freshness="stale") == ["Old Traders"]
    assert "No company matches" in manager_client.get("/companies/", {"q": "zzz"}).text


def test_htmx_filtering_returns_only_the_rows(manager_client, manager):
    CompanyFactory(owner=manager, display_name="Bharat Forge")

    response = manager_client.get("/companies/", {"q": "bharat"}, HTTP_HX_REQUEST="true")

    assert "Bharat Forge" in response.text and "<html" not in response.text


def test_create_with_errors_keeps_input_then_succeeds(manager_client, manager):
    response = manager_client.post("/companies/new/", {
        "display_name": "Mahindra", "lifecycle": "prospect", "tax_number": "27AAPFU0939F1ZX",
        "website": "mahindra.com"})

    assert response.status_code == 422
    assert "check digit" in response.text and 'value="Mahindra"' in response.text
    assert not Company.objects.exists()

    response = manager_client.post("/companies/new/", {
        "display_name": "Mahindra", "lifecycle": "prospect", "tax_number": "27AAPFU0939F1ZV",
        "website": "mahindra.com", "needs": "Fleet, Finance"})
    company = Company.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/companies/{company.pk}/"
    assert company.domain == "mahindra.com" and company.needs.count() == 2


def test_detail_shows_contacts_consent_and_timeline(manager_client, manager,
                                                     django_assert_max_num_queries):
    company = CompanyFactory(owner=manager, display_name="Godrej")
    for index in range(10):
        ContactFactory(company=company, name=f"Person {index}")

    with django_assert_max_num_queries(12):
        page = manager_client.get(f"/companies/{company.pk}/").text

    assert "Godrej" in page and "Person 9" in page and "Timeline" in page


def test_others_company_pages_are_404(manager_client, other_manager):
    theirs = CompanyFactory(owner=other_manager)
    contact = ContactFactory(company=theirs)

    for url in [f"/companies/{theirs.pk}/", f"/companies/{theirs.pk}/edit/",
                f"/companies/{theirs.pk}/contacts/new/", f"/contacts/{contact.pk}/edit/"]:
        assert manager_client.get(url).status_code == 404
    for url in [f"/companies/{theirs.pk}/verify/", f"/companies/{theirs.pk}/delete/",
                f"/contacts/{contact.pk}/consent/"]:
        assert manager_client.post(url, {"channel": "email", "status": "granted",
                                         "method": "email"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.last_verified_at is None and theirs.deleted_at is None


def test_verify_with_htmx_swaps_the_badge(manager_client, manager):
    company = CompanyFactory(owner=manager)

    response = manager_client.post(f"/companies/{company.pk}/verify/", HTTP_HX_REQUEST="true")

    assert "fresh" in response.text and "<html" not in response.text
    company.refresh_from_db()
    assert company.last_verified_at is not None


def test_delete_offers_undo(manager_client, manager):
    company = CompanyFactory(owner=manager, display_name="Zomato")

    page = manager_client.post(f"/companies/{company.pk}/delete/", follow=True).text
    assert "Zomato deleted" in page and f"/companies/{company.pk}/restore/" in page

    manager_client.post(f"/companies/{company.pk}/restore/")
    assert Company.objects.filter(pk=company.pk).exists()


def test_contact_form_and_consent(manager_client, manager):
    company = CompanyFactory(owner=manager, country="IN")

    bad = manager_client.post(f"/companies/{company.pk}/contacts/new/",
                              {"name": "Anil", "email": "anil@"})
    assert bad.status_code == 422 and "not a valid e-mail" in bad.text

    manager_client.post(f"/companies/{company.pk}/contacts/new/",
                        {"name": "Anil", "email": "anil@example.com", "phone": "9820012345"})
    contact = Contact.objects.get()
    assert contact.phone == "+919820012345"
    manager_client.post(f"/contacts/{contact.pk}/consent/",
                        {"channel": "email", "status": "granted", "method": "email"})
    page = manager_client.get(f"/companies/{company.pk}/").text
    assert "E-mail: Given" in page


def test_export_follows_the_filters_and_rights(manager_client, manager, other_manager):
    import io

    from openpyxl import load_workbook

    CompanyFactory(owner=manager, display_name="Client Co", lifecycle="client")
    CompanyFactory(owner=manager, display_name="Prospect Co", lifecycle="prospect")
    CompanyFactory(owner=other_manager, display_name="Theirs", lifecycle="client")

    response = manager_client.get("/companies/export/", {"lifecycle": "client"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Name,Legal name")
    assert "Client Co" in text and "Prospect Co" not in text and "Theirs" not in text

    book = load_workbook(io.BytesIO(manager_client.get(
        "/companies/export/", {"format": "xlsx"}).content))
    names = [row[0].value for row in book.active.iter_rows(min_row=2)]
    assert names == ["Client Co", "Prospect Co"]


def test_saved_views_are_per_user(manager_client, manager):
    manager_client.post("/companies/views/", {"name": "Pune clients",
                                              "query": "lifecycle=client&region=MH"})

    page = manager_client.get("/companies/", {"lifecycle": "client"}).text

    assert "Pune clients" in page and "?lifecycle=client&amp;region=MH" in page
    view = manager.saved_views.get()
    from django.test import Client

    from khata.team.tests.factories import UserFactory

    stranger = Client()
    stranger.force_login(UserFactory())
    assert stranger.post(f"/companies/views/{view.pk}/delete/").status_code == 404
    manager_client.post(f"/companies/views/{view.pk}/delete/")
    assert not manager.saved_views.exists()


def test_bulk_actions_touch_only_what_is_in_reach(manager_client, manager, other_manager):
    mine = [CompanyFactory(owner=manager) for _ in range(3)]
    theirs = CompanyFactory(owner=other_manager)
    ids = [c.pk for c in mine] + [theirs.pk]

    manager_client.post("/companies/bulk/", {"action": "verify", "ids": ids})
    manager_client.post("/companies/bulk/", {"action": "tag", "need": "Fleet", "ids": ids})
    refused = manager_client.post("/companies/bulk/", {"action": "reassign",
                                                       "owner": other_manager.pk, "ids": ids},
                                  follow=True)

    for company in mine:
        company.refresh_from_db()
        assert company.last_verified_at is not None and company.owner == manager
        assert [n.name for n in company.needs.all()] == ["Fleet"]
    theirs.refresh_from_db()
    assert theirs.last_verified_at is None and not theirs.needs.exists()
    assert "Choose the manager" in refused.text


def test_the_head_reassigns_in_bulk(head_client, manager, other_manager):
    companies = [CompanyFactory(owner=manager) for _ in range(2)]

    head_client.post("/companies/bulk/", {"action": "reassign", "owner": other_manager.pk,
                                          "ids": [c.pk for c in companies]})

    assert all(Company.objects.get(pk=c.pk).owner == other_manager for c in companies)


def test_addresses_and_links_on_the_pages(manager_client, manager):
    company = CompanyFactory(owner=manager, display_name="Home Co")
    CompanyFactory(owner=manager, display_name="Partner Co")
    contact = ContactFactory(company=company)

    manager_client.post(f"/companies/{company.pk}/addresses/",
                        {"kind": "office", "line1": "12 MG Road", "city": "Pune"})
    page = manager_client.get(f"/companies/{company.pk}/").text
    assert "12 MG Road" in page

    manager_client.post(f"/contacts/{contact.pk}/links/", {"company": "partner co"})
    edit = manager_client.get(f"/contacts/{contact.pk}/edit/").text
    assert "Partner Co" in edit
    failed = manager_client.post(f"/contacts/{contact.pk}/links/", {"company": "Nobody"},
                                 follow=True)
    assert "exact name of one company" in failed.text


def test_contact_and_product_pages_run_a_fixed_number_of_queries(
    manager_client, manager, head, django_assert_max_num_queries
):
    from khata.catalog.services import product_create

    for _ in range(40):
        ContactFactory(company=CompanyFactory(owner=manager))
    for index in range(25):
        product_create(by=head, data={"sku": f"S{index}", "name": f"P{index}"})

    with django_assert_max_num_queries(8):
        assert manager_client.get("/contacts/").status_code == 200
    with django_assert_max_num_queries(8):
        assert manager_client.get("/products/").status_code == 200
