"""Read-side questions about the product range."""

from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from khata.catalog.models import Category, PriceList, PriceListItem, Product
from khata.team.access import visible_to


def products_visible(*, user, q: str = "", category: int | None = None,
                     active: bool | None = True, industry: str = "",
                     need: int | None = None) -> QuerySet[Product]:
    """Products (everyone sees the range), searched by SKU, name or purpose."""
    queryset = visible_to(user, Product.objects.all())
    if active is not None:
        queryset = queryset.filter(is_active=active)
    q = (q or "").strip()
    if q:
        queryset = queryset.filter(Q(sku__iexact=q) | Q(name__icontains=q)
                                   | Q(purpose__icontains=q) | Q(description__icontains=q))
    if category:
        queryset = queryset.filter(Q(category_id=category) | Q(category__parent_id=category))
    if industry:
        code = industry.upper()
        queryset = queryset.filter(Q(target_industries__code=code)
                                   | Q(target_industries__section__code=code)).distinct()
    if need:
        queryset = queryset.filter(target_needs=need)
    return (queryset.select_related("category", "category__parent")
            .prefetch_related("target_industries", "target_needs").order_by("name", "id"))


def categories(*, user) -> QuerySet[Category]:
    """Every category, parents before children."""
    return visible_to(user, Category.objects.select_related("parent")).order_by(
        "parent__name", "name")


def price_lists_current(*, user, on: date | None = None) -> QuerySet[PriceList]:
    """Price lists valid on a day (today by default)."""
    on = on or timezone.localdate()
    return visible_to(user, PriceList.objects.all()).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on), valid_from__lte=on)


def price_of(*, product: Product, price_list: PriceList | None) -> tuple:
    """(amount, currency) for a product: its price-list price, else its list price."""
    if price_list is not None:
        item = PriceListItem.objects.filter(price_list=price_list, product=product).first()
        if item is not None:
            return item.price, price_list.currency
    return product.list_price, product.currency
