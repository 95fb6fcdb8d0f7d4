"""The product range: categories, products with their purpose and target clients, price lists."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from khata.catalog.choices import Unit
from khata.core.models import TimeStampedModel


class Category(TimeStampedModel):
    """A node of the category tree (e.g. Services › Maintenance)."""

    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children", verbose_name=_("parent"))

    access_scope = "shared"

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["parent", "name"],
                                               name="category_unique_in_parent")]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class Product(TimeStampedModel):
    """Something we sell: what it is, what problem it solves, and for whom."""

    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="products", verbose_name=_("category"))
    description = models.TextField(_("description"), blank=True)
    purpose = models.TextField(_("purpose"), blank=True,
                               help_text=_("The client's problem this product solves."))
    target_industries = models.ManyToManyField("clients.Industry", blank=True,
                                               related_name="products",
                                               verbose_name=_("target industries"))
    target_size_tiers = models.JSONField(_("target sizes"), default=list, blank=True)
    target_needs = models.ManyToManyField("clients.Need", blank=True, related_name="products",
                                          verbose_name=_("needs it answers"))
    unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices, default=Unit.PIECE)
    list_price = models.DecimalField(_("list price"), max_digits=14, decimal_places=2,
                                     default=Decimal("0"),
                                     validators=[MinValueValidator(Decimal("0"))])
    currency = models.CharField(_("currency"), max_length=3, default="INR")
    is_active = models.BooleanField(_("on sale"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    access_scope = "shared"  # the whole team sells the same range; the head maintains it

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("product")

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"


class PriceList(TimeStampedModel):
    """Prices valid for a period (a season, a fair, a region), in one currency."""

    name = models.CharField(_("name"), max_length=120)
    currency = models.CharField(_("currency"), max_length=3, default="INR")
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    access_scope = "shared"

    class Meta:
        ordering = ["-valid_from", "name"]
        constraints = [models.CheckConstraint(
            condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F(
                "valid_from")), name="price_list_period_valid")]
        verbose_name = _("price list")

    def __str__(self) -> str:
        return self.name


class PriceListItem(models.Model):
    """One product's price in a price list."""

    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="prices")
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=2,
                                validators=[MinValueValidator(Decimal("0"))])

    access_scope = "shared"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["price_list", "product"],
                                               name="price_once_per_list")]
        verbose_name = _("price")

    def __str__(self) -> str:
        return f"{self.product} @ {self.price}"
