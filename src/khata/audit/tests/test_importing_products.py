"""Importing the product range from an Odoo-style export."""

import pytest
from django.core.exceptions import PermissionDenied

from khata.audit.services import import_run, import_start
from khata.catalog.models import Product


def test_odoo_products_import_and_reimport_updates_by_sku(head):
    data = (b"Internal Reference,Name,Sales Price,UoM\n"
            b"SVC-1,Cold transport,\"1,250.50\",project\n"
            b"SVC-2,Warehousing,-5,month\n")

    job = import_run(by=head, job=import_start(by=head, kind="products", filename="p.csv",
                                               data=data), background=False)
    assert (job.created, job.rejected) == (1, 1)
    assert Product.objects.get().list_price == 1250.50

    again = import_start(by=head, kind="products", filename="p.csv",
                         data=b"Internal Reference,Name,Sales Price\nSVC-1,Cold chain,1300\n")
    again.on_duplicate = "update"
    again.save()
    job = import_run(by=head, job=again, background=False)
    assert job.updated == 1
    assert Product.objects.get().name == "Cold chain"


def test_managers_cannot_import_products(manager):
    with pytest.raises(PermissionDenied):  # refused at upload, before any preview
        import_start(by=manager, kind="products", filename="p.csv", data=b"sku,name\nX,Y\n")
    assert not Product.objects.exists()


def test_a_bad_row_is_rejected_without_failing_its_chunk(head):
    from khata.catalog.services import product_create

    product_create(by=head, data={"sku": "ABC-1", "name": "Existing"})
    data = (b"sku,name,list price,currency\n"
            b"abc-1,Existing renamed,10,INR\n"
            b"NEW-1,Fine,nan,INR\n"
            b"NEW-2,Also fine,5,INR\n")

    job = import_run(by=head, job=import_start(by=head, kind="products", filename="p.csv",
                                               data=data), background=False)

    assert (job.status, job.created, job.skipped, job.rejected) == ("done", 1, 1, 1)
    assert sorted(Product.objects.values_list("sku", flat=True)) == ["ABC-1", "NEW-2"]
