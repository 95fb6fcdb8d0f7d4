"""Writes to the product catalogue. The head maintains it; everyone reads it."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from khata.catalog.choices import Unit
from khata.catalog.models import Category, PriceList, PriceListItem, Product
from khata.clients.choices import SizeTier
from khata.clients.models import Industry, Need
from khata.core.changelog import record_change, snapshot
from khata.core.validation import parse_amount, parse_currency
from khata.team.access import ensure, ensure_active
from khata.team.models import User

PRODUCT_FIELDS = ["sku", "name", "category", "description", "purpose", "target_size_tiers",
                  "unit", "list_price", "currency", "is_active"]


def _money(value) -> Decimal:
    return parse_amount(value, negative=_("A price cannot be negative."))


def product_validate(data: dict, product: Product | None, *, sku_must_be_new: bool = True
                     ) -> tuple[dict, dict, dict]:
    """(values, many-to-many targets, errors) for a product. Imports pass
    `sku_must_be_new=False`: a known SKU there is a duplicate to update or skip."""
    cleaned, targets, errors = {}, {}, {}

    def take(name, clean):
        if name in data:
            try:
                cleaned[name] = clean(data[name])
            except ValidationError as exc:
                errors[name] = exc.messages

    def required_text(limit):
        def clean(value):
            value = str(value or "").strip()
            if not value:
                raise ValidationError(_("This field is required."))
            if len(value) > limit:
                raise ValidationError(_("Keep it under %(n)s characters.") % {"n": limit})
            return value
        return clean

    def category(value):
        if value in (None, ""):
            return None
        found = Category.objects.filter(pk=value).first() if str(value).isdigit() else \
            Category.objects.filter(name__iexact=str(value).strip()).first()
        if found is None:
            raise ValidationError(_("Unknown category."))
        return found

    def tiers(value):
        values = [v for v in (value or []) if v]
        unknown = [v for v in values if v not in SizeTier.values]
        if unknown:
            raise ValidationError(_("Unknown size: %(v)s.") % {"v": ", ".join(unknown)})
        return values

    def unit(value):
        if value not in Unit.values:
            raise ValidationError(_("Choose one of: %(v)s.") % {"v": ", ".join(Unit.values)})
        return value

    take("sku", required_text(64))
    take("name", required_text(200))
    take("category", category)
    take("description", lambda value: str(value or "").strip())
    take("purpose", lambda value: str(value or "").strip())
    take("target_size_tiers", tiers)
    take("unit", unit)
    take("list_price", _money)
    take("currency", parse_currency)
    take("is_active", bool)
    if sku_must_be_new and "sku" in cleaned and "sku" not in errors:
        clash = Product.objects.filter(sku__iexact=cleaned["sku"])
        if product is not None:
            clash = clash.exclude(pk=product.pk)
        if clash.exists():
            errors["sku"] = [_("Another product already has this SKU.")]
    if "target_industries" in data:
        codes = [str(code).strip().upper() for code in data["target_industries"] or []]
        found = list(Industry.objects.filter(code__in=codes))
        missing = set(codes) - {industry.code for industry in found}
        if missing:
            errors["target_industries"] = [_("Unknown industry codes: %(c)s.")
                                           % {"c": ", ".join(sorted(missing))}]
        targets["target_industries"] = found
    if "target_needs" in data:
        names = [str(name).strip() for name in data["target_needs"] or [] if str(name).strip()]
        needs = [Need.objects.filter(name__iexact=name).first() for name in names]
        missing = [name for name, need in zip(names, needs, strict=True) if need is None]
        if missing:
            errors["target_needs"] = [_("Unknown needs: %(n)s (add them to the vocabulary "
                                        "first).") % {"n": ", ".join(missing)}]
        targets["target_needs"] = [need for need in needs if need is not None]
    return cleaned, targets, errors


def _target_names(product: Product) -> dict:
    return {
        "target_industries": sorted(product.target_industries.values_list("code", flat=True)),
        "target_needs": sorted(product.target_needs.values_list("name", flat=True)),
    }


@transaction.atomic
def product_create(*, by: User, data: dict) -> Product:
    """Add a product to the range (head only)."""
    ensure_active(by)
    ensure(by, "manage_team")
    cleaned, targets, errors = product_validate(data, None)
    for required in ("sku", "name"):
        if required not in data:
            errors.setdefault(required, [_("This field is required.")])
    if errors:
        raise ValidationError(errors)
    product = Product.objects.create(created_by=by, **cleaned)
    for name, values in targets.items():
        getattr(product, name).set(values)
    record_change(actor=by, obj=product, fields=[f for f in PRODUCT_FIELDS if f in cleaned],
                  extra={name: [None, values] for name, values in _target_names(product).items()
                         if values})
    return product


@transaction.atomic
def product_update(*, by: User, product: Product, data: dict) -> Product:
    """Change a product's fields and targets (head only)."""
    ensure(by, "change", product)
    ensure(by, "manage_team")
    cleaned, targets, errors = product_validate(data, product)
    if errors:
        raise ValidationError(errors)
    before = snapshot(product, list(cleaned))
    old_targets = _target_names(product)
    for name, value in cleaned.items():
        setattr(product, name, value)
    product.save()
    for name, values in targets.items():
        getattr(product, name).set(values)
    new_targets = _target_names(product)
    record_change(actor=by, obj=product, before=before,
                  extra={name: [old_targets[name], new_targets[name]] for name in targets})
    return product


@transaction.atomic
def category_create(*, by: User, name: str, parent: Category | None = None) -> Category:
    """Add a category (under `parent`, or at the top)."""
    ensure(by, "manage_team")
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": [_("Name the category.")]})
    if Category.objects.filter(parent=parent, name__iexact=name).exists():
        raise ValidationError({"name": [_("This category already exists here.")]})
    category = Category.objects.create(name=name[:120], parent=parent)
    record_change(actor=by, obj=category, fields=["name", "parent"])
    return category


@transaction.atomic
def price_list_create(*, by: User, name: str, currency: str, valid_from: date,
                      valid_to: date | None = None) -> PriceList:
    """Start a price list for a period."""
    ensure(by, "manage_team")
    errors = {}
    if not (name or "").strip():
        errors["name"] = [_("Name the price list.")]
    try:
        currency = parse_currency(currency)
    except ValidationError as exc:
        errors["currency"] = exc.messages
    if valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = [_("The end comes before the start.")]
    if errors:
        raise ValidationError(errors)
    price_list = PriceList.objects.create(name=name.strip()[:120], currency=currency,
                                          valid_from=valid_from, valid_to=valid_to)
    record_change(actor=by, obj=price_list, fields=["name", "currency", "valid_from",
                                                    "valid_to"])
    return price_list


@transaction.atomic
def price_set(*, by: User, price_list: PriceList, product: Product, price) -> PriceListItem:
    """Set (or change) a product's price in a price list."""
    ensure(by, "manage_team")
    try:
        amount = _money(price)
    except ValidationError as exc:
        raise ValidationError({"price": exc.messages}) from exc
    item, _created = PriceListItem.objects.update_or_create(
        price_list=price_list, product=product, defaults={"price": amount})
    record_change(actor=by, obj=price_list, action="update", before={},
                  extra={f"price {product.sku}": [None, str(amount)]})
    return item
