"""Importing companies and contacts from messy real-world files."""

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from khata.audit.services import import_configure, import_run, import_start
from khata.clients.models import Company, Contact, Need
from khata.clients.tests.factories import CompanyFactory
from khata.core.models import Change, ImportJob

GSTIN = "27AAPFU0939F1ZV"


def run(by, kind, data: bytes, filename="file.csv", **configure):
    job = import_start(by=by, kind=kind, filename=filename, data=data)
    if configure:
        import_configure(by=by, job=job, **configure)
    return import_run(by=by, job=job, background=False)


def test_semicolons_bom_quoted_newlines_and_devanagari(manager):
    data = ("\ufeffAccount Name;Billing City;GSTIN;Description\n"
            "Tata Steel;Mumbai;27AAPFU0939F1ZV;\"line one\nline two\"\n"
            "भारत उद्योग;Pune;;\n").encode()

    job = run(manager, "companies", data)

    assert (job.created, job.rejected) == (2, 0)
    tata = Company.objects.get(display_name="Tata Steel")
    assert tata.tax_number == GSTIN and tata.city == "Mumbai" and tata.owner == manager
    assert tata.notes == "line one\nline two"
    assert Company.objects.filter(display_name="भारत उद्योग").exists()


def test_cp1252_and_unknown_columns_are_fine(manager):
    data = "Company;City;Favourite colour\nCafé Müller GmbH;Berlin;blue\n".encode("cp1252")

    job = run(manager, "companies", data)

    assert job.created == 1
    assert Company.objects.get().display_name == "Café Müller GmbH"


def test_bad_rows_are_rejected_with_reasons_and_good_ones_kept(manager):
    data = (b"name,website,gstin,employees\n"
            b"Good One,good.in,,12\n"
            b",nameless.in,,\n"
            b"Bad Tax,bad.in,27AAPFU0939F1ZX,\n"
            b"Bad Count,count.in,,many\n")

    job = run(manager, "companies", data)

    assert (job.created, job.rejected) == (1, 3)
    report = job.rejected_file.read().decode("utf-8-sig")
    assert "reason" in report.splitlines()[0]
    assert "display_name: The name is empty." in report
    assert "check digit" in report and "whole number" in report
    assert list(Company.objects.values_list("display_name", flat=True)) == ["Good One"]


def test_running_the_same_file_twice_creates_nothing_new(manager):
    data = (b"Company Name,City,VAT,Website\n"
            b"Infosys Limited,Bengaluru,,infosys.com\n"
            b"Wipro,Bengaluru,27AAPFU0939F1ZV,\n"
            b"Zoho Corp,Chennai,,\n")

    first = run(manager, "companies", data)
    second = run(manager, "companies", data)

    assert first.created == 3
    assert (second.created, second.skipped) == (0, 3)
    assert Company.objects.count() == 3


def test_duplicates_in_the_file_and_fuzzy_names_in_the_same_city(manager):
    CompanyFactory(owner=manager, display_name="Bharat Forge Ltd", city="Pune")
    data = (b"name,city\n"
            b"BHARAT FORGE LIMITED,Pune\n"
            b"Bharat Forge,Nagpur\n"
            b"Kalyani Steels,Pune\n"
            b"Kalyani Steels Pvt Ltd,Pune\n")

    job = run(manager, "companies", data)

    assert (job.created, job.skipped) == (2, 2)
    assert set(Company.objects.values_list("city", flat=True)) == {"Pune", "Nagpur"}


def test_update_choice_fills_in_the_existing_record(manager):
    existing = CompanyFactory(owner=manager, display_name="Wipro", city="Bengaluru",
                              tax_number=GSTIN, tax_scheme="in_gstin")
    data = b"name,gstin,employees,region\nWipro Ltd,27AAPFU0939F1ZV,250000,Karnataka\n"

    job = run(manager, "companies", data, on_duplicate="update")

    existing.refresh_from_db()
    assert job.updated == 1 and existing.employees == 250000 and existing.region == "Karnataka"
    assert existing.display_name == "Wipro Ltd"


def test_xlsx_with_excel_numbers_and_dates(manager):
    book = Workbook()
    sheet = book.active
    sheet.append(["Organization", "Number of Employees", "Country/Region", "Industry"])
    sheet.append(["Godrej", 1200.0, "IN", "Manufacturing"])
    sheet.append(["Acme Analytics", 40, "US", "Pet grooming"])
    import io

    buffer = io.BytesIO()
    book.save(buffer)

    job = run(manager, "companies", buffer.getvalue(), filename="export.xlsx")

    assert job.created == 2
    godrej = Company.objects.get(display_name="Godrej")
    assert godrej.employees == 1200 and godrej.industry.code == "C"
    assert "Pet grooming" in Company.objects.get(display_name="Acme Analytics").notes


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"name\n", "no data rows"),
    (b"\x00\x01\x02binary", "not a text table"),
    (b"PK\x03\x04garbage", "not a readable Excel"),
])
def test_files_that_are_not_tables_change_nothing(manager, data, message):
    with pytest.raises(ValidationError) as caught:
        import_start(by=manager, kind="companies", filename="x.csv", data=data)

    assert message in caught.value.message_dict["file"][0]
    assert not Company.objects.exists()


def test_the_mapping_must_name_required_columns(manager):
    job = import_start(by=manager, kind="companies", filename="x.csv",
                       data=b"Colour,Size\nred,big\n")

    with pytest.raises(ValidationError) as caught:
        import_run(by=manager, job=job, background=False)
    assert "Choose the column for" in caught.value.message_dict["mapping"][0]

    import_configure(by=manager, job=job, mapping={"0": "display_name"})
    assert import_run(by=manager, job=job, background=False).created == 1


def test_a_manager_imports_only_into_their_own_portfolio(manager, other_manager, head):
    with pytest.raises(ValidationError):
        import_start(by=manager, kind="companies", filename="x.csv", data=b"name\nX\n",
                     owner=other_manager)

    job = import_start(by=head, kind="companies", filename="x.csv", data=b"name\nX\n",
                       owner=other_manager)
    import_run(by=head, job=job, background=False)
    assert Company.objects.get().owner == other_manager


def test_contacts_from_a_hubspot_style_csv_create_their_companies(manager):
    data = (b"First Name,Last Name,Email,Phone Number,Company Name,Job Title,Email opt in\n"
            b"Priya,Nair,priya@tata.example,022 2345 6789,Tata Steel,CFO,yes\n"
            b"Ravi,Kumar,ravi@@bad,98200 12345,Tata Steel,,no\n"
            b"Meera,Iyer,meera@zoho.example,,Zoho,,\n")

    job = run(manager, "contacts", data)

    assert (job.created, job.rejected) == (2, 1)
    priya = Contact.objects.get(email="priya@tata.example")
    assert priya.name == "Priya Nair" and priya.phone == "+912223456789"
    assert priya.company.owner == manager
    assert priya.consents.get().status == "granted"
    assert Company.objects.filter(display_name="Zoho").exists()
    again = run(manager, "contacts", data)
    assert again.created == 0 and Contact.objects.count() == 2


def test_vcard_contacts(manager):
    CompanyFactory(owner=manager, display_name="Infosys")
    data = (b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Anil Menon\r\nORG:Infosys\r\n"
            b"TEL;TYPE=CELL:+91 98450 12345\r\nEMAIL:anil@infosys.example\r\n"
            b"TITLE:Buyer\r\nEND:VCARD\r\n")

    job = run(manager, "contacts", data, filename="phone.vcf")

    assert job.created == 1
    anil = Contact.objects.get()
    assert anil.mobile == "+919845012345" and anil.company.display_name == "Infosys"
    assert Company.objects.count() == 1


def test_an_import_runs_once_even_when_started_twice(manager):
    job = import_start(by=manager, kind="companies", filename="x.csv", data=b"name\nOnce\n")

    import_run(by=manager, job=job, background=False)
    with pytest.raises(ValidationError):
        import_run(by=manager, job=job, background=False)
    from khata.core.importing import execute

    execute(job)  # a stale second delivery claims nothing
    assert Company.objects.filter(display_name="Once").count() == 1


def test_a_mapping_to_a_column_that_does_not_exist_is_refused(manager):
    from khata.audit.services import import_configure

    job = import_start(by=manager, kind="companies", filename="x.csv", data=b"name\nX\n")

    with pytest.raises(ValidationError) as caught:
        import_configure(by=manager, job=job, mapping={"0": "display_name", "abc": "city",
                                                       "7": "region"})
    assert len(caught.value.message_dict["mapping"]) == 2


def test_contacts_without_email_are_not_imported_twice(manager):
    data = b"Name,Company\nAsha Rao,Tata Steel\n"

    run(manager, "contacts", data)
    again = run(manager, "contacts", data)

    assert (again.created, again.skipped) == (0, 1)
    assert Contact.objects.count() == 1


def test_an_import_whose_worker_died_is_failed_and_can_run_again(manager):
    from datetime import timedelta

    from django.utils import timezone

    from khata.core.importing import fail_stalled_imports
    from khata.core.models import ImportJob

    job = import_start(by=manager, kind="companies", filename="x.csv", data=b"name\nX\n")
    ImportJob.objects.filter(pk=job.pk).update(status="running")
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(hours=1))

    assert fail_stalled_imports(stalled_after=timedelta(minutes=15)) == 1
    job.refresh_from_db()
    assert job.status == "failed" and "upload the file again" in job.error


def test_fuzzy_names_match_companies_written_by_earlier_chunks_and_short_first_words(
        manager, monkeypatch):
    monkeypatch.setattr("khata.core.importing.CHUNK", 2)
    CompanyFactory(owner=manager, display_name="AB Traders", city="Surat")
    data = (b"name,city\n"
            b"Kalyani Steels,Pune\n"
            b"Other Works,Pune\n"
            b"Kalyani Steel,Pune\n"  # chunk 2: like the company chunk 1 wrote
            b"AB Traders Pvt Ltd,Surat\n"  # a two-letter first word: no trigram for it
            b"Steels Kalyani Group,Pune\n")  # the word elsewhere in the name: not a candidate

    job = run(manager, "companies", data)

    assert (job.created, job.skipped) == (3, 2)
    assert Company.objects.filter(display_name__startswith="Kalyani").count() == 1


def test_a_similar_name_later_in_the_file_is_a_duplicate_of_that_row(manager):
    data = (b"name,city\n"
            b"Kalyani Steels,Pune\n"
            b"Kalyani Steel,Pune\n"  # same chunk, one letter less: the row above
            b"Kalyani Steel,Nagpur\n"  # another city: a company of its own
            b"kalyani steels works,Pune\n")  # below the threshold: new

    rows = preview_rows(manager, data)
    job = run(manager, "companies", data)

    assert (job.created, job.skipped) == (3, 1)
    assert rows[1].duplicate_of == "row 2"
    assert rows[1].duplicate_reason == "similar name to row 2 in the same city (96%)"


def test_each_imported_company_is_logged_as_created_from_the_file(manager):
    data = b"name,city,gstin,website\nWipro Ltd,Bengaluru,27AAPFU0939F1ZV,www.wipro.com\n"

    run(manager, "companies", data, filename="crm.csv")

    company = Company.objects.get()
    entry = Change.objects.get(object_id=str(company.pk), action="create")
    assert entry.message == "imported from crm.csv" and entry.actor == manager
    assert entry.changes == {
        "display_name": [None, "Wipro Ltd"], "city": [None, "Bengaluru"],
        "tax_scheme": [None, "in_gstin"], "tax_number": [None, GSTIN],
        "website": [None, "https://www.wipro.com"], "domain": [None, "wipro.com"],
        "owner": [None, manager.pk]}


def preview_rows(user, data):
    from khata.core.importing import preview

    job = import_start(by=user, kind="companies", filename="file.csv", data=data)
    return preview(job)


def test_a_big_file_checks_the_next_chunk_while_the_last_is_written(
        transactional_db, manager, monkeypatch):
    # PostgreSQL writes on the writer thread here; SQLite runs the same file inline.
    import threading

    from django.db import connection

    from khata.clients.importing import CompanyImporter

    monkeypatch.setattr("khata.core.importing.CHUNK", 2)
    monkeypatch.setattr("khata.core.importing.PARALLEL_ROWS", 4)
    writers, original = set(), CompanyImporter.write

    def write(self, rows, *, job, prepared=None):
        writers.add(threading.current_thread().name)
        original(self, rows, job=job, prepared=prepared)

    monkeypatch.setattr(CompanyImporter, "write", write)
    CompanyFactory(owner=manager, display_name="Bharat Forge Ltd", city="Pune")
    data = (b"name,city,gstin\n"
            b"Kalyani Steels,Pune,27AAPFU0939F1ZV\n"
            b"Other Works,Pune,\n"
            b"Kalyani Steel,Pune,\n"  # like row 2, written by the chunk before
            b"Bharat Forge,Pune,\n"  # like the company already there
            b"Wipro,Bengaluru,27AAPFU0939F1ZV\n"  # row 2's tax number
            b"Zoho,Chennai,\n"
            b"Bad,Pune,27AAPFU0939F1ZX\n")

    rows = preview_rows(manager, data)
    job = run(manager, "companies", data)

    assert (job.created, job.skipped, job.rejected) == (3, 3, 1)
    assert (job.status, job.processed_rows) == ("done", 7)
    assert [row.duplicate_of for row in rows[2:5]] == [
        "row 2", Company.objects.get(display_name="Bharat Forge Ltd").pk, "row 2"]
    assert sorted(Company.objects.values_list("display_name", flat=True)) == [
        "Bharat Forge Ltd", "Kalyani Steels", "Other Works", "Zoho"]
    assert Change.objects.filter(action="create", message="imported from file.csv").count() == 3
    assert writers == ({"khata-chunk-writer"} if connection.vendor == "postgresql"
                       else {"MainThread"})


def test_an_error_while_writing_keeps_the_chunks_before_and_fails_the_job(
        transactional_db, manager, monkeypatch):
    from khata.clients.importing import CompanyImporter

    monkeypatch.setattr("khata.core.importing.CHUNK", 2)
    monkeypatch.setattr("khata.core.importing.PARALLEL_ROWS", 4)
    original = CompanyImporter.write

    def write(self, rows, *, job, prepared=None):
        original(self, rows, job=job, prepared=prepared)
        if any(row.cleaned["display_name"] == "Third" for row in rows):
            raise RuntimeError("the disk is full")

    monkeypatch.setattr(CompanyImporter, "write", write)
    data = (b"name,tags\nFirst,ERP\nSecond,\nThird,Cold chain; erp\nFourth,Payroll\nFifth,\n"
            b"Sixth,\n")

    with pytest.raises(RuntimeError):
        run(manager, "companies", data)

    assert sorted(Company.objects.values_list("display_name", flat=True)) == ["First", "Second"]
    job = ImportJob.objects.get()
    assert job.status == "failed" and job.processed_rows == 2 and job.created == 2
    # A need first met in the failed chunk, or in one checked after it, is not left behind.
    assert list(Need.objects.values_list("name", flat=True)) == ["ERP"]
    assert list(Company.objects.get(display_name="First").needs.values_list(
        "name", flat=True)) == ["ERP"]


def test_short_names_find_their_longer_forms_and_back(manager, other_manager):
    mine = CompanyFactory(owner=manager, display_name="ABC Traders", city="Surat")
    CompanyFactory(owner=manager, display_name="ITC", city="Kolkata")
    theirs = CompanyFactory(owner=other_manager, display_name="Wipro", city="Pune",
                            tax_number=GSTIN, tax_scheme="in_gstin")
    mine_too = CompanyFactory(owner=manager, display_name="Wipro Pune", city="Pune",
                              tax_number=GSTIN, tax_scheme="in_gstin")
    data = (b"name,city,gstin\n"
            b"ABC Traders Pvt Ltd,Surat,\n"
            b"ITC Limited,Kolkata,\n"
            b"Wipro Ltd,Pune,27AAPFU0939F1ZV\n")

    rows = preview_rows(manager, data)

    assert [row.duplicate_of for row in rows] == [
        mine.pk, Company.objects.get(display_name="ITC").pk, mine_too.pk]
    assert theirs.pk not in [row.duplicate_of for row in rows]


def test_the_very_same_name_twice_is_reported_as_the_same_name(manager):
    rows = preview_rows(manager, b"name,city\nKalyani Steels,Pune\nKALYANI STEELS,Pune\n")

    assert rows[1].duplicate_reason == "same name and city as row 2"


def test_an_unknown_industry_is_kept_in_the_notes_and_a_known_one_found_by_name(manager):
    from khata.clients.models import Industry

    known = Industry.objects.exclude(name="").order_by("code").first()
    data = (f"name,industry,notes\nFirst Co,\"{known.name.upper()}\",\n"
            f"Second Co,Space mining,met at a fair\n").encode()

    job = run(manager, "companies", data)

    assert job.created == 2 and job.rejected == 0
    first, second = Company.objects.order_by("display_name")
    assert first.industry == known and first.notes == ""
    assert second.industry is None
    assert second.notes == "met at a fair\nIndustry in the file: Space mining"


def test_a_need_too_long_rejects_its_row_only(manager):
    long_need = "x" * 81
    data = (f"name,tags\nLong Tag Ltd,ERP; {long_need}\n"
            f"Short Tag Ltd,ERP;  Cold   chain \n").encode()

    job = run(manager, "companies", data)

    assert (job.created, job.rejected) == (1, 1)
    assert "needs: “xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…” is longer than 80 characters." in (
        job.rejected_file.read().decode("utf-8-sig"))
    short = Company.objects.get(display_name="Short Tag Ltd")
    assert sorted(short.needs.values_list("name", flat=True)) == ["Cold chain", "ERP"]
    assert not Need.objects.filter(name=long_need).exists()
