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


def portfolio_companies(*, by: User, filters: CompanyFilters, ids: list[int] | None = None):
    """The companies a portfolio assignment would move: those in `by`'s reach matching
    `filters`, or exactly `ids` (picked one by one)."""
    companies = companies_visible(user=by, filters=filters)
    return companies.filter(pk__in=ids) if ids else companies


@transaction.atomic
def portfolio_give(*, by: User, to: User, filters: CompanyFilters,
                   ids: list[int] | None = None) -> int:
    """Give the companies picked by `ids` or matching `filters` to `to` (the head only)."""
    return portfolio_assign(by=by, queryset=portfolio_companies(by=by, filters=filters,
                                                                ids=ids), to=to)
