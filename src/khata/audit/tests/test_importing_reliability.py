"""Importing financial statements and invoices (reliability forecast)."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from khata.audit.services import import_run, import_start
from khata.clients.tests.factories import CompanyFactory
from khata.core.models import Change
from khata.reliability.models import Assessment, FinancialStatement, Invoice

pytestmark = pytest.mark.django_db


def test_statements_import_names_what_it_rejects_and_reimports_nothing_twice(
        manager, other_manager, django_capture_on_commit_callbacks):
    mine = CompanyFactory(owner=manager, display_name="Tata Steel")
    theirs = CompanyFactory(owner=other_manager, display_name="Their Co")
    data = ("Company,Year,Currency,Sales,Total assets,Equity\n"
            f"{mine.pk},2024,INR,\"1,000\",800,300\n"
            "tata steel,2025,inr,1200,-5,350\n"
            "Their Co,2025,INR,1,1,1\n"
            "Tata Steel,2023,INR,900,700,-20\n").encode()

    with django_capture_on_commit_callbacks(execute=True):
        job = import_run(by=manager, job=import_start(by=manager, kind="statements",
                                                      filename="fs.csv", data=data),
                         background=False)

    assert (job.created, job.rejected) == (2, 2)
    rejected = job.rejected_file.read().decode()
    assert "total_assets" in rejected and "cannot be negative" in rejected
    assert "No company “Their Co”" in rejected
    assert sorted(FinancialStatement.objects.values_list("fiscal_year", flat=True)) == [2023,
                                                                                        2024]
    assert not FinancialStatement.objects.filter(company=theirs).exists()
    assert Change.objects.filter(action="create", message="imported from fs.csv").count() == 2
    assert Assessment.objects.filter(company=mine, is_current=True).exists()

    again = import_run(by=manager, job=import_start(by=manager, kind="statements",
                                                    filename="fs.csv", data=data),
                       background=False)
    assert (again.created, again.skipped) == (0, 2)


def test_invoices_from_the_command_line(manager, tmp_path: Path,
                                        django_capture_on_commit_callbacks):
    company = CompanyFactory(owner=manager, display_name="Infosys")
    path = tmp_path / "invoices.csv"
    path.write_text("Customer,Invoice No,Currency,Total,Invoice date,Due date,Payment date\n"
                    "Infosys,A-1,INR,5000,2026-01-05,2026-02-04,2026-02-20\n"
                    "Infosys,A-2,INR,7000,2026-02-05,2026-01-04,\n"
                    "Infosys,A-3,INR,7000,2026-03-05,2026-04-04,\n")
    out = StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("import", "invoices", str(path), "--user", manager.email, stdout=out)

    assert "2 added" in out.getvalue() and "1 rejected" in out.getvalue()
    paid = Invoice.objects.get(number="A-1")
    assert str(paid.paid_on) == "2026-02-20" and paid.paid_amount == 5000
    assert Invoice.objects.filter(company=company).count() == 2
    assert Assessment.objects.filter(company=company, is_current=True).exists()
