"""Cleaning helpers the planning services share: date-times, minutes, and records the user
may link to (a company in their portfolio, a contact of it, one of their leads)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from khata.clients.models import Company
from khata.core.ids import record_id
from khata.planning.models import (
    MAX_DURATION_MINUTES,
)
from khata.team.access import can, visible_to
from khata.team.models import User

LATEST_YEARS = 50


# ---------------------------------------------------------------- cleaning helpers

def _when(value, _data):
    """An aware date-time (ISO 8601 text or a datetime) within fifty years of today."""
    if value in (None, ""):
        raise ValidationError(_("Enter a date and time."))
    moment = value if isinstance(value, datetime) else parse_datetime(str(value).strip())
    if moment is None:
        raise ValidationError(_("Enter a date and time such as 2026-05-04 14:30."))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)  # read in the user's time zone
    now = timezone.now()
    if abs((moment - now).days) > 365 * LATEST_YEARS:
        raise ValidationError(_("Enter a date within fifty years of today."))
    return moment


def _minutes(value, _data):
    try:
        minutes = int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError(_("Enter a whole number of minutes.")) from exc
    if minutes < 0 or minutes > MAX_DURATION_MINUTES:
        raise ValidationError(_("Enter between 0 and %(max)s minutes.")
                              % {"max": MAX_DURATION_MINUTES})
    return minutes


def _pk(value):
    return record_id(str(getattr(value, "pk", value)))


def _company_cleaner(*, by: User, required: bool):
    def company(value, _data):
        if value in (None, ""):
            if required:
                raise ValidationError(_("Choose the company."))
            return None
        found = value if isinstance(value, Company) else visible_to(
            by, Company.objects.filter(pk=_pk(value))).first()
        if found is None or not can(by, "change", found):
            raise ValidationError(_("Choose a company in your portfolio."))
        return found
    return company


def _related(model, message: str, *, by: User, action: str = "view"):
    """A cleaner for a link to a record `by` may see (or, with action="change", hold): an id
    or an instance, checked either way (a view may pass what it fetched with other rights)."""
    def clean(value, _data):
        if value in (None, ""):
            return None
        found = visible_to(by, model.objects.filter(pk=_pk(value)), action).first()
        if found is None:
            raise ValidationError(message)
        return found
    return clean


def _check_links(cleaned: dict, errors: dict, *, company) -> None:
    """The contact must work at the company; the lead must be about it (or still open)."""
    contact = cleaned.get("contact")
    if contact is not None and company is not None and contact.company_id != company.pk \
            and not contact.also_at.filter(pk=company.pk).exists():
        errors.setdefault("contact", [_("This contact does not work at %(company)s.")
                                      % {"company": company}])
    lead = cleaned.get("lead")
    about = {lead.company_id, lead.matches_company_id} - {None} if lead is not None else set()
    if company is not None and about and company.pk not in about:
        errors.setdefault("lead", [_("This lead is about another company.")])


