"""Importing the product range (head only); a product is the same as another by its SKU."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from khata.catalog.models import Product
from khata.catalog.services import product_create, product_update, product_validate
from khata.core.importing import Importer, Row, register
from khata.team.access import ensure


class ProductImporter(Importer):
    kind = "products"
    label = _("Products")
    fields = {
        "sku": _("SKU"), "name": _("Name"), "category": _("Category"),
        "description": _("Description"), "purpose": _("Purpose"), "unit": _("Unit"),
        "list_price": _("List price"), "currency": _("Currency"),
        "target_industries": _("Target industries"), "target_needs": _("Needs it answers"),
    }
    required = ("sku", "name")
    synonyms = {
        "sku": ("internal reference", "default code", "product code", "item code", "code",
                "product sku", "article number"),
        "name": ("product name", "product", "item", "item name", "title"),
        "category": ("product category", "categ id", "category name"),
        "description": ("sales description", "product description"),
        "purpose": ("use", "benefit", "problem solved"),
        "unit": ("uom", "unit of measure", "uom id", "usage unit"),
        "list_price": ("sales price", "price", "unit price", "list price"),
        "currency": ("currency id", "currency code"),
        "target_industries": ("industries", "target industry"),
        "target_needs": ("needs", "tags"),
    }

    def check_rights(self, *, job) -> None:
        ensure(job.created_by, "manage_team")

    def clean(self, row: Row, *, job) -> None:
        data = {name: value for name, value in row.values.items() if value != ""}
        for name in ("target_industries", "target_needs"):
            if name in data:
                data[name] = [part.strip() for part in data[name].replace(";", ",").split(",")
                              if part.strip()]
        data.setdefault("unit", "piece")
        cleaned, targets, errors = product_validate(data, None, sku_must_be_new=False)
        for required in self.required:
            if not row.values.get(required, "").strip():
                errors[required] = [_("This field is required.")]
        row.cleaned, row.errors = {**cleaned, **targets}, errors
        row.update_values = data

    def keys(self, row: Row, *, job) -> list[tuple]:
        return [(_("SKU"), row.cleaned.get("sku", "").casefold())]

    def find_duplicates(self, rows: list[Row], *, job) -> None:
        by_sku = {sku.casefold(): pk for pk, sku in Product.objects.annotate(
            sku_key=Lower("sku")).filter(sku_key__in=[row.cleaned.get("sku", "").casefold()
                                                      for row in rows]).values_list("pk", "sku")}
        for row in rows:
            pk = by_sku.get(row.cleaned.get("sku", "").casefold())
            if pk is not None:
                row.duplicate_of, row.duplicate_reason = pk, _("same SKU")

    def write(self, rows: list[Row], *, job, prepared=None) -> None:
        for row in rows:
            try:
                with transaction.atomic():  # one bad row is rejected, not the whole chunk
                    if row.action == "update":
                        product_update(by=job.created_by, product=Product.objects.get(
                            pk=row.duplicate_of), data={key: value for key, value in
                                                        row.update_values.items()
                                                        if key != "sku"})
                    else:
                        product_create(by=job.created_by, data=row.update_values)
            except ValidationError as exc:
                row.action, row.errors = "reject", exc.message_dict


register(ProductImporter())
