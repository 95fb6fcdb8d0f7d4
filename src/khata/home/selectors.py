"""What the Today page shows, composed from each app's selectors.

Each later app adds a section here by calling its own selectors (imports point downward:
home sits on top of every app).
"""

from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.translation import gettext as _now
from django.utils.translation import gettext_lazy as _

from khata.clients.selectors import AtLeast, companies_stale, count_capped, lifecycle_counts
from khata.core.selectors import worker_state
from khata.planning.selectors import meetings_today, tasks_due_today, tasks_overdue
from khata.reliability.selectors import EXPIRING_DAYS, companies_risky
from khata.team.access import is_head
from khata.team.selectors import changes_visible, managers_active, tokens_of

RISKY_SHOWN = 10


@dataclass
class TodaySection:
    """One block of the Today page: a title, rows, and what to do when it is empty."""

    key: str
    title: str
    rows: list = field(default_factory=list)
    empty: str = ""
    count: int | str | None = None


def shown(count: int) -> int | str:
    """A count as the page prints it: a capped one as "10,000+"."""
    if isinstance(count, AtLeast):
        return _now("%(count)s+") % {"count": number_format(int(count), force_grouping=True)}
    return count


def today_sections(*, user) -> list[TodaySection]:
    """The blocks of the user's Today page, in the order a manager reads them."""
    sections = []
    for key, title, tasks, limit, empty in [
        ("overdue", _("Overdue tasks and plan steps"), tasks_overdue(user=user), 15,
         _("Nothing overdue — well done.")),
        ("due_today", _("Due today"), tasks_due_today(user=user), 20,
         _("Nothing else due today. Plan your next contacts from a company's page."))]:
        rows = list(tasks[:limit + 1])  # a count query only when the list is cut short
        sections.append(TodaySection(
            key=key, title=title, rows=rows[:limit], empty=empty,
            count=len(rows) if len(rows) <= limit else shown(count_capped(tasks))))
    meetings = meetings_today(user=user)
    sections.append(TodaySection(
        key="meetings", title=_("Today's meetings"), rows=meetings, count=len(meetings),
        empty=_("No meetings today.")))
    counts = lifecycle_counts(user=user)
    stale = companies_stale(user=user)
    sections.append(TodaySection(
        key="stale", title=_("Records to verify"), rows=list(stale[:8]),
        count=shown(count_capped(stale)),
        empty=_("No stale records — well done.") if sum(counts.values())
        else _("No companies yet. Add your first client to start your portfolio."),
    ))
    risky = companies_risky(user=user, limit=RISKY_SHOWN + 1)  # one more: "10+" if cut
    sections.append(TodaySection(
        key="risky", title=_("Reliability to watch"), rows=risky[:RISKY_SHOWN],
        count=len(risky) if len(risky) <= RISKY_SHOWN else shown(AtLeast(RISKY_SHOWN)),
        empty=_now("No client dropped a band and no assessment ends in the next %(days)s days.")
        % {"days": EXPIRING_DAYS}))
    sections.append(TodaySection(key="portfolio", title=_("Portfolio"),
                                 rows=[{key: shown(n) for key, n in counts.items()}]))
    if is_head(user):
        managers = list(managers_active(user=user))
        sections.append(TodaySection(
            key="team", title=_("Your team"), rows=managers, count=len(managers),
            empty=_("No account managers yet. Appoint one with "
                    "“khata user add EMAIL --role manager”."),
        ))
        sections.append(TodaySection(key="worker", title=_("Background work"),
                                     rows=[worker_state()]))
    recent = list(changes_visible(user=user)[:10])
    sections.append(TodaySection(
        key="recent", title=_("Recent activity") if is_head(user) else _("Your recent activity"),
        rows=recent,
        empty=_("Nothing recorded yet. Everything you and your team change appears here."),
    ))
    tokens = [token for token in tokens_of(user=user, owner=user) if token.is_usable]
    sections.append(TodaySection(key="tokens", title=_("Your API tokens"), rows=tokens,
                                 count=len(tokens),
                                 empty=_("No API tokens. Create one on your account page to "
                                         "use the API from scripts.")))
    return sections
