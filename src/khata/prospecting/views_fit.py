"""The fit and product-match card of a company (an htmx fragment the company page loads)."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from khata.clients.models import Company
from khata.prospecting.fit_selectors import fit_for_company
from khata.prospecting.matching import products_for_company
from khata.team.access import get_visible_or_404

PRODUCTS_SHOWN = 5


@require_GET
def company_fit_card_view(request, pk):
    """How well the company fits the clients we won, why, and which products to talk about."""
    company = get_visible_or_404(
        request.user,
        Company.objects.select_related("industry", "industry__section").prefetch_related("needs"),
        pk)
    return render(request, "prospecting/partials/fit_card.html", {
        "company": company,
        "fit": fit_for_company(user=request.user, company=company),
        "matches": products_for_company(user=request.user, company=company,
                                        limit=PRODUCTS_SHOWN),
    })
