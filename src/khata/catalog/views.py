"""Pages of the product catalogue."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from khata.catalog.forms import ProductForm
from khata.catalog.models import Product
from khata.catalog.selectors import categories, price_lists_current, price_of, products_visible
from khata.catalog.services import product_create, product_update
from khata.core.forms import apply_errors
from khata.core.ids import record_id
from khata.core.selectors import changes_for_object
from khata.team.access import ensure, get_visible_or_404


def product_list_view(request):
    """The range: what we sell, what for, to whom."""
    category = request.GET.get("category", "")
    show_all = request.GET.get("all") == "1"
    products = products_visible(user=request.user, q=request.GET.get("q", ""),
                                category=record_id(category),
                                active=None if show_all else True)
    return render(request, "catalog/product_list.html", {
        "products": products[:500], "categories": categories(user=request.user),
        "q": request.GET.get("q", ""), "category": category, "show_all": show_all})


def product_detail_view(request, pk: int):
    product = get_visible_or_404(request.user, products_visible(user=request.user,
                                                                active=None), pk)
    prices = [(price_list, price_of(product=product, price_list=price_list))
              for price_list in price_lists_current(user=request.user)]
    return render(request, "catalog/product_detail.html", {
        "product": product, "prices": prices, "changes": changes_for_object(product)})


def product_form_view(request, pk: int | None = None):
    """Create or edit a product (the head maintains the range)."""
    ensure(request.user, "manage_team")
    product = get_visible_or_404(request.user, Product, pk) if pk else None
    initial = {}
    if product is not None:
        initial = {name: getattr(product, name) for name in
                   ["sku", "name", "purpose", "description", "unit", "list_price", "currency",
                    "target_size_tiers", "is_active"]}
        initial.update(
            category=str(product.category_id or ""),
            target_industries=", ".join(i.code for i in product.target_industries.all()),
            target_needs=", ".join(n.name for n in product.target_needs.all()))
    form = ProductForm(request.POST or None, initial=initial,
                       categories=categories(user=request.user))
    if request.method == "POST" and form.is_valid():
        try:
            if product is None:
                product = product_create(by=request.user, data=form.service_data())
            else:
                product_update(by=request.user, product=product, data=form.service_data())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Product saved."))
            return redirect("catalog:product", pk=product.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "catalog/product_form.html", {"form": form, "product": product},
                  status=status)
