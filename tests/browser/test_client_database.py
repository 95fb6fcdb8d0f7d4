"""The client-database journeys in real Chromium: find a company, add one, import a list,
merge two duplicates and verify many at once — on a desktop and on a phone.

Like every browser test, each fails on a console error, a page error or a request leaving
localhost (see conftest.py).
"""

import re

import pytest
from playwright.sync_api import Page, expect

from khata.clients.models import Company
from khata.clients.tests.factories import CompanyFactory, ContactFactory
from khata.core.models import ImportJob
from tests.browser.test_journeys import NO_HORIZONTAL_SCROLL, click_and_wait, sign_in

pytestmark = [pytest.mark.browser]

MANAGER = "manager@example.com"


def open_companies(page: Page, base_url: str) -> None:
    """Go to the company list the way a person does: through the menu."""
    click_and_wait(page, page.get_by_role("link", name="Companies", exact=True))
    expect(page).to_have_url(f"{base_url}/companies/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Companies")


def company_names(page: Page):
    return page.locator("#results tbody tr td:nth-child(2) a")


def fact(page: Page, label: str):
    """The value beside `label` in a company's key facts (not in its timeline)."""
    return page.locator(f"dl:not(.diff) > dt:text-is('{label}') + dd")


def search_for(page: Page, text: str) -> None:
    """Type into the search box as a person does and wait for htmx to swap the rows in."""
    search = page.locator("#company-search")
    with page.expect_response(lambda response: "/companies/?" in response.url
                              and f"q={text}" in response.url) as answer:
        search.press_sequentially(text)
    assert answer.value.request.headers.get("hx-request") == "true"
    assert answer.value.ok


def test_search_narrows_the_list_in_place_to_my_companies(
        page, watch, live_server, transactional_db, manager, other_manager):
    # Given two of my companies named Tata, one that is not, and a colleague's Tata
    for name in ("Tata Motors", "Tata Steel", "Infosys"):
        CompanyFactory(owner=manager, display_name=name)
    CompanyFactory(owner=other_manager, display_name="Tata Power")
    sign_in(page, live_server.url, MANAGER)
    open_companies(page, live_server.url)
    expect(company_names(page)).to_have_text(["Infosys", "Tata Motors", "Tata Steel"])
    page.evaluate("window.stillTheSamePage = true")

    # When they press "/" the search box takes the focus (and the "/" is not typed into it)
    search = page.locator("#company-search")
    page.keyboard.press("/")
    expect(search).to_be_focused()
    expect(search).to_have_value("")

    # and when they type a fragment of a name
    search_for(page, "tata")

    # then htmx swapped in only my matching companies and put the search in the URL
    expect(company_names(page)).to_have_text(["Tata Motors", "Tata Steel"])
    expect(page.locator("#results")).not_to_contain_text("Tata Power")
    expect(page).to_have_url(re.compile(r"/companies/\?.*\bq=tata\b"))
    assert page.evaluate("window.stillTheSamePage === true"), "the page was reloaded"
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    watch.assert_clean()


def test_add_a_company_after_fixing_a_mistyped_gstin(page, watch, live_server, transactional_db,
                                                     manager):
    sign_in(page, live_server.url, MANAGER)
    open_companies(page, live_server.url)
    click_and_wait(page, page.get_by_role("link", name="Add a company"))
    expect(page).to_have_url(f"{live_server.url}/companies/new/")

    # When they type a GSTIN with a wrong check digit and save
    page.get_by_label("Name", exact=True).fill("Pune Precision Tools")
    page.get_by_label("Tax number", exact=True).fill("27AAPFU0939F1ZX")
    page.get_by_label("Website").fill("https://www.punetools.in")
    with page.expect_navigation() as answer:
        page.get_by_role("button", name="Save").click()

    # then the form comes back (422) with the reason under the field and everything they typed
    assert answer.value.status == 422
    watch.accept_http_error(page, f"{live_server.url}/companies/new/", 422)
    expect(page).to_have_url(f"{live_server.url}/companies/new/")
    error = page.locator("#id_tax_number ~ .invalid-feedback")
    expect(error).to_have_count(1)
    expect(error).to_contain_text("check digit")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Pune Precision Tools")
    expect(page.get_by_label("Tax number", exact=True)).to_have_value("27AAPFU0939F1ZX")
    expect(page.get_by_label("Website")).to_have_value("https://www.punetools.in")
    assert not Company.objects.exists()

    # When they correct the number and save again
    page.get_by_label("Tax number", exact=True).fill("27AAPFU0939F1ZV")
    click_and_wait(page, page.get_by_role("button", name="Save"))

    # then they are on the new company's page, its timeline saying who created it
    company = Company.objects.get()
    expect(page).to_have_url(f"{live_server.url}/companies/{company.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pune Precision Tools")
    expect(page.get_by_role("status")).to_contain_text("Pune Precision Tools added.")
    expect(fact(page, "Tax number")).to_contain_text("27AAPFU0939F1ZV")
    timeline = page.get_by_role("list", name="History")
    expect(timeline).to_contain_text("Asha Rao")
    expect(timeline).to_contain_text("created")
    assert (company.owner, company.tax_number) == (manager, "27AAPFU0939F1ZV")
    watch.assert_clean()


def test_the_field_with_the_error_is_marked_and_focused(page, watch, live_server,
                                                        transactional_db, manager):
    sign_in(page, live_server.url, MANAGER)
    page.goto(f"{live_server.url}/companies/new/")
    page.get_by_label("Name", exact=True).fill("Pune Precision Tools")
    page.get_by_label("Tax number", exact=True).fill("27AAPFU0939F1ZX")
    click_and_wait(page, page.get_by_role("button", name="Save"))
    expect(page.locator("#id_tax_number ~ .invalid-feedback")).to_contain_text("check digit")
    watch.accept_http_error(page, f"{live_server.url}/companies/new/", 422)

    tax_number = page.get_by_label("Tax number", exact=True)
    expect(tax_number).to_have_attribute("aria-invalid", "true")
    expect(tax_number).to_have_class(re.compile(r"\bis-invalid\b"), timeout=2_000)
    expect(tax_number).to_be_focused(timeout=2_000)
    watch.assert_clean()


def test_import_a_list_with_a_nameless_row_and_download_the_rejects(
        page, watch, live_server, transactional_db, manager, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the upload and the report stay in this test
    csv_file = tmp_path / "pune-leads.csv"
    csv_file.write_text("Company Name,City,Employees\n"
                        "Kirloskar Brothers,Pune,4000\n"
                        ",Mumbai,12\n"
                        "Thermax,Pune,3500\n", encoding="utf-8")
    sign_in(page, live_server.url, MANAGER)
    click_and_wait(page, page.get_by_role("link", name="Import", exact=True))
    expect(page).to_have_url(f"{live_server.url}/audit/imports/")

    # When they upload the file as companies
    page.get_by_label("What is in the file").select_option("companies")
    page.get_by_label("File", exact=True).set_input_files(csv_file)
    click_and_wait(page, page.get_by_role("button", name="Upload and check"))

    # then the columns are recognised and the preview marks the nameless row (row 3)
    job = ImportJob.objects.get()
    expect(page).to_have_url(f"{live_server.url}/audit/imports/{job.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("pune-leads.csv")
    expect(page.locator("select[name=column-0]")).to_have_value("display_name")
    expect(page.locator("select[name=column-1]")).to_have_value("city")
    expect(page.locator("select[name=column-2]")).to_have_value("employees")
    bad_row = page.locator("tbody tr").filter(has=page.get_by_role("cell", name="3", exact=True))
    expect(bad_row).to_have_class(re.compile(r"\btable-danger\b"))
    expect(bad_row).to_contain_text("The name is empty")
    expect(page.locator("tr.table-danger")).to_have_count(1)
    expect(page.get_by_text("1 row below has a problem and will be rejected")).to_be_visible()
    assert not Company.objects.exists()  # nothing is written before they say so

    # When they import
    click_and_wait(page, page.get_by_role("button", name="Import", exact=True))

    # then the result counts the two added and the one rejected
    expect(page.get_by_test_id("import-result")).to_have_text(
        "2 added, 0 updated, 0 skipped as duplicates, 1 rejected.")
    assert sorted(Company.objects.filter(owner=manager).values_list("display_name", flat=True)) \
        == ["Kirloskar Brothers", "Thermax"]

    # and the rejected row comes back as a CSV file with its reason
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the rejected rows with their reasons").click()
    assert download.value.suggested_filename == "rejected-pune-leads.csv"
    report = download.value.path().read_text(encoding="utf-8-sig")
    assert "Mumbai" in report and "The name is empty" in report
    assert "Kirloskar" not in report and "Thermax" not in report
    watch.assert_clean()


def test_merge_two_duplicates_then_undo_the_merge(page, watch, live_server, transactional_db,
                                                  manager):
    # Given the same firm twice in Pune, each with one contact
    survivor = CompanyFactory(owner=manager, display_name="Bharat Forge Ltd", city="Pune",
                              legal_name="Bharat Forge Ltd")
    duplicate = CompanyFactory(owner=manager, display_name="BHARAT FORGE LIMITED", city="Pune",
                               legal_name="Bharat Forge Limited")
    ContactFactory(company=survivor, name="Baba Kalyani", email="baba@bharatforge.com")
    ContactFactory(company=duplicate, name="Amit Kalyani", email="amit@bharatforge.com")
    sign_in(page, live_server.url, MANAGER)
    page.goto(f"{live_server.url}/companies/{survivor.pk}/")
    contacts = page.locator("table").filter(has_text="Reach").locator("tbody tr")
    expect(contacts).to_have_count(1)

    # When they look for its duplicate, the other spelling is suggested
    click_and_wait(page, page.get_by_role("link", name="Merge a duplicate"))
    expect(page).to_have_url(f"{live_server.url}/companies/{survivor.pk}/merge/")
    candidate = page.get_by_role("listitem").filter(has_text="BHARAT FORGE LIMITED")
    expect(candidate).to_contain_text("same city")
    click_and_wait(page, candidate.get_by_role("link", name="Compare and merge"))

    # and on the comparison they keep the other's legal name and merge
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Merge BHARAT FORGE LIMITED into Bharat Forge Ltd")
    keep_theirs = page.locator("input[type=radio][name=take-legal_name][value=other]")
    keep_theirs.check()
    expect(page.locator("input[name=take-legal_name][value=survivor]")).not_to_be_checked()
    click_and_wait(page, page.get_by_role("button", name="Merge", exact=True))

    # then the survivor has both contacts, the chosen legal name, and offers an undo
    expect(page).to_have_url(f"{live_server.url}/companies/{survivor.pk}/")
    message = page.get_by_role("status").filter(has_text="Merged")
    expect(message).to_contain_text(
        "Merged: BHARAT FORGE LIMITED is now part of Bharat Forge Ltd.")
    expect(contacts).to_have_count(2)
    expect(contacts.filter(has_text="Baba Kalyani")).to_have_count(1)
    expect(contacts.filter(has_text="Amit Kalyani")).to_have_count(1)
    expect(fact(page, "Legal name")).to_have_text("Bharat Forge Limited")
    assert list(Company.objects.filter(owner=manager)) == [survivor]

    # When they change their mind and click Undo
    click_and_wait(page, message.get_by_role("button", name="Undo"))

    # then both companies are back as they were, each with its own contact
    expect(page).to_have_url(f"{live_server.url}/companies/{survivor.pk}/")
    expect(page.get_by_role("status")).to_contain_text(
        "The merge is undone; both companies are back as they were.")
    expect(contacts).to_have_count(1)
    expect(contacts).to_contain_text("Baba Kalyani")
    expect(fact(page, "Legal name")).to_have_text("Bharat Forge Ltd")
    assert set(Company.objects.filter(owner=manager)) == {survivor, duplicate}
    page.goto(f"{live_server.url}/companies/{duplicate.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("BHARAT FORGE LIMITED")
    expect(contacts).to_have_count(1)
    expect(contacts).to_contain_text("Amit Kalyani")
    watch.assert_clean()


def test_tick_two_companies_and_mark_them_verified(page, watch, live_server, transactional_db,
                                                   manager):
    alpha, beta, gamma = (CompanyFactory(owner=manager, display_name=name)
                          for name in ("Alpha Traders", "Beta Traders", "Gamma Traders"))
    sign_in(page, live_server.url, MANAGER)
    open_companies(page, live_server.url)

    # When they tick two rows, choose "mark verified today" and apply
    page.get_by_label("Select Alpha Traders").check()
    page.get_by_label("Select Beta Traders").check()
    page.get_by_label("With the ticked companies:").select_option(label="mark verified today")
    click_and_wait(page, page.get_by_role("button", name="Apply"))

    # then both, and only they, are verified, and the list says so
    expect(page.get_by_role("status")).to_contain_text("2 companies marked verified.")
    rows = page.locator("#results tbody tr")
    expect(rows.filter(has_text="Gamma Traders")).to_contain_text("never")
    expect(rows.filter(has_text="Alpha Traders")).not_to_contain_text("never")
    expect(rows.filter(has_text="Beta Traders")).not_to_contain_text("never")
    for company in (alpha, beta, gamma):
        company.refresh_from_db()
    assert alpha.last_verified_by == manager and beta.last_verified_by == manager
    assert gamma.last_verified_at is None
    watch.assert_clean()


def test_on_a_phone_the_company_list_fits_and_search_works(phone_page, watch, live_server,
                                                           transactional_db, manager):
    page = phone_page
    for name in ("Mahindra & Mahindra Automotive and Farm Equipment", "Marico", "Wipro"):
        CompanyFactory(owner=manager, display_name=name, website="https://www.example.in")
    sign_in(page, live_server.url, MANAGER)
    page.goto(f"{live_server.url}/companies/")
    expect(company_names(page)).to_have_count(3)
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "the company list scrolls sideways on a phone"

    page.locator("#company-search").tap()
    search_for(page, "ma")

    expect(company_names(page)).to_have_text(
        ["Mahindra & Mahindra Automotive and Farm Equipment", "Marico"])
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "the searched list scrolls sideways on a phone"
    watch.assert_clean()
