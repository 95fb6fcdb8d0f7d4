"""Read-side questions of planning, always through the access layer."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from khata.clients.models import Company, Contact
from khata.clients.selectors import channels_withdrawn_many
from khata.planning.choices import ActivityKind, EnrolmentStatus, TaskStatus
from khata.planning.models import Activity, CalendarFeed, ContactPlan, Enrolment, Task
from khata.prospecting.choices import LeadStatus
from khata.prospecting.models import Lead, Segment
from khata.prospecting.selectors import segment_members
from khata.team.access import reach, visible_to


@dataclass
class ActivityFilters:
    """What the activity list is narrowed to (UI and API alike)."""

    kind: str = ""
    status: str = ""
    company: int | None = None


def activities_visible(*, user, filters: ActivityFilters | None = None) -> QuerySet[Activity]:
    """Activities in the user's reach, newest first, with what a list row shows."""
    filters = filters or ActivityFilters()
    queryset = visible_to(user, Activity.objects.all())
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.company:
        queryset = queryset.filter(company_id=filters.company)
    return (queryset.select_related("company", "contact", "created_by")
            .prefetch_related("contacts", "colleagues").order_by("-starts_at", "-id"))


def activities_of_company(*, user, company: Company, limit: int = 20) -> list[Activity]:
    """The company's latest activities (for its page)."""
    return list(activities_visible(user=user, filters=ActivityFilters(company=company.pk))
                [:limit])


def activities_of_contact(*, user, contact: Contact, limit: int = 20) -> list[Activity]:
    """The latest activities with a contact, as the contact or a participant (their page)."""
    taken_part = Activity.contacts.through.objects.filter(contact_id=contact.pk).values(
        "activity_id")
    return list(activities_visible(user=user).filter(
        Q(contact_id=contact.pk) | Q(pk__in=taken_part))[:limit])


def leads_of_company(*, user, company: Company, limit: int = 20) -> list[Lead]:
    """Open leads about a company (qualified into it, or matched to it at intake) that the
    user may see: what an enrolment can name as the lead it came from."""
    return list(visible_to(user, Lead.objects.filter(
        Q(company_id=company.pk) | Q(matches_company_id=company.pk)))
        .exclude(status=LeadStatus.DISQUALIFIED).order_by("-created_at", "-id")[:limit])


@dataclass
class TaskFilters:
    """What the task list is narrowed to."""

    status: str = TaskStatus.OPEN
    company: int | None = None
    mine: bool = False  # only tasks assigned to the user (and those they cover)


def _holders(user) -> list[int]:
    """The user and the absent managers they cover right now."""
    return sorted({user.pk, *reach(user).covered})


def tasks_visible(*, user, filters: TaskFilters | None = None) -> QuerySet[Task]:
    """Tasks in the user's reach, soonest due first."""
    filters = filters or TaskFilters()
    if filters.mine:
        # Assigned to me or to a manager I cover (the access layer's `reach`): the access
        # rule lets a task's assignee see it, so this is visible_to's answer narrowed to
        # mine, asked without its "or the company's owner" — that OR made PostgreSQL join
        # and sort every open task of a busy manager before taking the first twenty (the
        # Today page took 250 ms with 4,000 open tasks; issue 6).
        queryset = (Task.objects.filter(assignee_id__in=_holders(user)) if user.is_active
                    else Task.objects.none())
    else:
        queryset = visible_to(user, Task.objects.all())
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.company:
        queryset = queryset.filter(company_id=filters.company)
    return queryset.select_related("assignee", "company", "contact", "step", "enrolment__plan"
                                   ).order_by("due_at", "id")


def _end_of_today(now: datetime | None = None) -> datetime:
    local = timezone.localtime(now or timezone.now())
    return local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)


def _start_of_today(now: datetime | None = None) -> datetime:
    return _end_of_today(now) - timedelta(days=1)


def tasks_overdue(*, user, now: datetime | None = None) -> QuerySet[Task]:
    """Open tasks and plan steps of mine (and those I cover) due before today began, with
    their companies (what a Today row shows)."""
    return tasks_visible(user=user, filters=TaskFilters(mine=True)).filter(
        due_at__lt=_start_of_today(now)).select_related(None).select_related("company")


def tasks_due_today(*, user, now: datetime | None = None) -> QuerySet[Task]:
    """Open tasks and plan steps of mine (and those I cover) due today, with their
    companies."""
    return tasks_visible(user=user, filters=TaskFilters(mine=True)).filter(
        due_at__gte=_start_of_today(now), due_at__lt=_end_of_today(now)
    ).select_related(None).select_related("company")


def _mine(user, queryset: QuerySet[Activity]) -> QuerySet[Activity]:
    """Activities with companies I (or someone I cover) own, or that I take part in."""
    holders = _holders(user)
    joined = Activity.objects.filter(colleagues=user).values("pk")
    return visible_to(user, queryset).filter(Q(company__owner_id__in=holders) | Q(pk__in=joined))


def meetings_today(*, user, now: datetime | None = None) -> list[Activity]:
    """Today's scheduled meetings, presentations and visits, by time."""
    return list(_mine(user, Activity.objects.filter(
        kind__in=[ActivityKind.MEETING, ActivityKind.PRESENTATION, ActivityKind.VISIT],
        starts_at__gte=_start_of_today(now), starts_at__lt=_end_of_today(now)))
        .select_related("company", "contact").order_by("starts_at", "id")[:50])


@dataclass
class CalendarDay:
    """One day of a calendar view with its activities and tasks."""

    date: object
    activities: list = field(default_factory=list)
    tasks: list = field(default_factory=list)
    in_month: bool = True


CALENDAR_ROWS = 500  # per kind, per view: a month of a busy manager fits well within


def calendar_entries(*, user, start: datetime, end: datetime) -> tuple[list[Activity],
                                                                         list[Task]]:
    """My activities and tasks (and the covered portfolio's during a substitution) that fall
    in [start, end): two queries."""
    activities = list(_mine(user, Activity.objects.filter(starts_at__gte=start,
                                                          starts_at__lt=end))
                      .select_related("company").order_by("starts_at", "id")[:CALENDAR_ROWS])
    tasks = list(visible_to(user, Task.objects.filter(
        assignee_id__in=_holders(user), due_at__gte=start, due_at__lt=end))
        .exclude(status=TaskStatus.SKIPPED).select_related("company")
        .order_by("due_at", "id")[:CALENDAR_ROWS])
    return activities, tasks


FEED_DAYS_BACK, FEED_DAYS_AHEAD = 60, 365  # what a subscribed calendar app is sent


def feed_entries(*, user, now: datetime) -> tuple[list[Activity], list[Task]]:
    """What a user's calendar feed holds: the last two months and the coming year."""
    return calendar_entries(user=user, start=now - timedelta(days=FEED_DAYS_BACK),
                            end=now + timedelta(days=FEED_DAYS_AHEAD))


def calendar_days(*, user, first_day, days: int, month: int | None = None
                  ) -> list[CalendarDay]:
    """Consecutive days from `first_day` (a date in the user's time zone) with their
    entries; `month` marks the days outside it (the month grid's leading and trailing days)."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(first_day, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(first_day + timedelta(days=days), datetime.min.time(), tzinfo=zone)
    activities, tasks = calendar_entries(user=user, start=start, end=end)
    grid = {first_day + timedelta(days=n): CalendarDay(
        first_day + timedelta(days=n),
        in_month=month is None or (first_day + timedelta(days=n)).month == month)
        for n in range(days)}
    for activity in activities:
        day = timezone.localtime(activity.starts_at).date()
        if day in grid:
            grid[day].activities.append(activity)
    for task in tasks:
        day = timezone.localtime(task.due_at).date()
        if day in grid:
            grid[day].tasks.append(task)
    return list(grid.values())


def feed_of(*, user) -> CalendarFeed | None:
    """The user's working calendar feed, if they made one."""
    return visible_to(user, CalendarFeed.objects.filter(user=user, revoked_at__isnull=True)
                      ).first()


# ---------------------------------------------------------------- plans

def plans_visible(*, user) -> QuerySet[ContactPlan]:
    """Contact plans in reach (mine, a covered manager's), by name, with their steps."""
    return (visible_to(user, ContactPlan.objects.all()).select_related("owner")
            .prefetch_related("steps").order_by("name", "id"))


def enrolments_visible(*, user, plan: int | None = None, company: int | None = None,
                       status: str = "") -> QuerySet[Enrolment]:
    """Enrolments in the user's reach, newest first."""
    queryset = visible_to(user, Enrolment.objects.all())
    if plan:
        queryset = queryset.filter(plan_id=plan)
    if company:
        queryset = queryset.filter(company_id=company)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.select_related("plan", "company", "contact", "next_step").order_by(
        "-created_at", "-id")


@dataclass
class StepFigures:
    """How one step of a plan went: its tasks made, done, skipped, still open."""

    step: object
    created: int = 0
    done: int = 0
    skipped: int = 0
    open: int = 0


@dataclass
class PlanFigures:
    """A plan's results over the enrolments the user may see."""

    plan: ContactPlan
    enrolled: int = 0
    active: int = 0
    paused: int = 0
    completed: int = 0
    exited: int = 0
    replied: int = 0
    meetings: int = 0
    steps: list[StepFigures] = field(default_factory=list)

    @property
    def reply_rate(self) -> float | None:
        return self.replied / self.enrolled if self.enrolled else None


def plan_figures(*, user, plans: list[ContactPlan]) -> list[PlanFigures]:
    """Enrolled, active, completed, replied, meetings booked per plan, and per step the tasks
    made and how they ended: two queries for any number of plans."""
    ids = [plan.pk for plan in plans]
    rows = (visible_to(user, Enrolment.objects.filter(plan_id__in=ids)).order_by()
            .values("plan_id").annotate(
                enrolled=Count("pk"),
                active=Count("pk", filter=Q(status=EnrolmentStatus.ACTIVE)),
                paused=Count("pk", filter=Q(status=EnrolmentStatus.PAUSED)),
                completed=Count("pk", filter=Q(status=EnrolmentStatus.COMPLETED)),
                exited=Count("pk", filter=Q(status=EnrolmentStatus.EXITED)),
                replied=Count("pk", filter=Q(replied_at__isnull=False)),
                meetings=Count("pk", filter=Q(meeting_at__isnull=False))))
    by_plan = {row.pop("plan_id"): row for row in rows}
    step_rows = (visible_to(user, Task.objects.filter(step__plan_id__in=ids)).order_by()
                 .values("step_id", "status").annotate(n=Count("pk")))
    by_step: dict[int, dict[str, int]] = {}
    for row in step_rows:
        by_step.setdefault(row["step_id"], {})[row["status"]] = row["n"]
    figures = []
    for plan in plans:
        counts = by_plan.get(plan.pk, {})
        steps = []
        for step in plan.steps.all():
            made = by_step.get(step.pk, {})
            steps.append(StepFigures(step, created=sum(made.values()),
                                     done=made.get(TaskStatus.DONE, 0),
                                     skipped=made.get(TaskStatus.SKIPPED, 0),
                                     open=made.get(TaskStatus.OPEN, 0)))
        figures.append(PlanFigures(plan, steps=steps, **counts))
    return figures


def segment_companies(*, user, segment: Segment) -> QuerySet[Company]:
    """The companies of a segment the user may enrol (in their portfolio, not colleagues')."""
    held = visible_to(user, Company.objects.all(), "change").values("pk")
    return segment_members(user=user, segment=segment).filter(pk__in=held).order_by("pk")


def segments_for_enrolment(*, user) -> QuerySet[Segment]:
    """Segments to pick from when enrolling."""
    return visible_to(user, Segment.objects.all()).order_by("name")


def channels_withdrawn(*, company: Company, contact: Contact | None = None) -> set[str]:
    """Consent channels ("email", "phone", "fax") closed to us: for a contact, those whose
    latest consent event is a withdrawal; for a company, those every contact withdrew."""
    if contact is not None:
        return channels_withdrawn_many(contact_ids=[contact.pk])[1].get(contact.pk, set())
    return channels_withdrawn_many(company_ids=[company.pk])[0].get(company.pk, set())


def open_tasks_of_company(*, user, company: Company, limit: int = 20) -> list[Task]:
    """A company's open tasks, soonest first (for its page)."""
    return list(tasks_visible(user=user, filters=TaskFilters(company=company.pk))[:limit])
