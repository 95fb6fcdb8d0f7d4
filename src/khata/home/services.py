"""Writes that span apps: appointing a manager together with their first portfolio."""

from django.db import transaction

from khata.clients.selectors import CompanyFilters, companies_visible
from khata.team.models import User
from khata.team.services import portfolio_assign, user_appoint


@transaction.atomic
def manager_appoint(*, by: User, email: str, name: str, role: str,
                    portfolio: CompanyFilters | None = None) -> tuple[User, str, int]:
    """Appoint someone and, when `portfolio` filters are given, hand them the companies that
    match (the head only, in one transaction). Returns (person, set-password path, moved)."""
    person, path = user_appoint(by=by, email=email, name=name, role=role)
    moved = 0
    if portfolio is not None:
        companies = companies_visible(user=by, filters=portfolio)
        moved = portfolio_assign(by=by, queryset=companies, to=person)
    return person, path, moved
