"""The head's team page and the Today page's substitution blocks, composed from the team and
clients selectors (issue 4)."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from khata.clients.choices import Lifecycle
from khata.clients.selectors import companies_visible, stale_condition
from khata.team.access import is_head
from khata.team.models import Absence, User
from khata.team.selectors import (
    absences_own_recent,
    absences_visible,
    changes_on_behalf_of,
    covering_now,
    users_visible,
)


@dataclass
class TeamRow:
    """One person on the team page with their portfolio's figures."""

    person: User
    companies: int = 0
    prospects: int = 0
    stale: int = 0
    absence: Absence | None = None  # away now (or next) and who covers
    covering: list | None = None  # whose portfolios they hold now


def team_overview(*, user) -> list[TeamRow]:
    """Every active member of the team with portfolio size, open prospects, stale records,
    current absence and substitute (the head only). A fixed number of queries."""
    if not is_head(user):
        return []
    people = list(users_visible(user=user).filter(is_active=True))
    rows = {person.pk: TeamRow(person=person, covering=[]) for person in people}
    figures = (companies_visible(user=user).order_by().values("owner")
               .annotate(total=Count("pk"),
                         prospects=Count("pk", filter=Q(lifecycle=Lifecycle.PROSPECT)),
                         stale=Count("pk", filter=stale_condition())))
    for row in figures:
        if row["owner"] in rows:
            rows[row["owner"]].companies = row["total"]
            rows[row["owner"]].prospects = row["prospects"]
            rows[row["owner"]].stale = row["stale"]
    now = timezone.now()
    current = absences_visible(user=user).filter(starts_at__lte=now, ends_at__gt=now)
    for absence in current:
        if absence.user_id in rows:
            rows[absence.user_id].absence = absence
        if absence.substitute_id in rows:
            rows[absence.substitute_id].covering.append(absence)
    return list(rows.values())


@dataclass
class CoverState:
    """What the Today page says about substitution for this user."""

    covering: list  # absences the user covers now (banner)
    away: Absence | None  # the user's own absence, if they are away now
    returned_from: Absence | None  # the absence that ended lately
    done_for_me: list  # changes substitutes made on the user's behalf during it


def cover_state(*, user) -> CoverState:
    """Banner for a substitute; for a returning manager, what was done on their behalf."""
    away, returned = absences_own_recent(user=user)
    done = []
    if returned is not None:
        done = list(changes_on_behalf_of(user=user, since=returned.starts_at,
                                         until=returned.ends_at, limit=30))
    return CoverState(covering=covering_now(user=user), away=away,
                      returned_from=returned, done_for_me=done)
