"""Writes the reliability pages need beyond `services.py`."""

from khata.clients.models import Company
from khata.reliability.models import Assessment
from khata.reliability.services import assessment_refresh
from khata.team.access import ensure
from khata.team.models import User


def assessment_reassess(*, by: User, company: Company) -> Assessment:
    """Assess the company again now, from its stored inputs ("reassess now" on its page);
    only someone who may change the company may ask."""
    ensure(by, "change", company)
    return assessment_refresh(company=company)
