"""API of planning: activities, tasks, contact plans (with steps), enrolments, the calendar
and its feed."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from khata.clients.models import Company
from khata.core.ids import RecordId
from khata.planning.models import Activity, ContactPlan, Enrolment, Task
from khata.planning.selectors import (
    ActivityFilters,
    TaskFilters,
    activities_visible,
    calendar_entries,
    enrolments_visible,
    feed_of,
    plan_figures,
    plans_visible,
    tasks_visible,
)
from khata.planning.services import (
    activity_log,
    activity_update,
    calendar_feed_create,
    calendar_feed_revoke,
    enrolment_create,
    enrolment_create_segment,
    enrolment_exit,
    enrolment_pause,
    enrolment_resume,
    plan_create,
    plan_update,
    task_complete,
    task_create,
    task_reopen,
    task_skip,
    task_snooze,
    task_update,
)
from khata.prospecting.models import Segment
from khata.team.access import get_visible_or_404

router = Router(tags=["planning"])

MAX_CALENDAR_DAYS = 62


class ActivityOut(Schema):
    id: int
    kind: str
    status: str
    direction: str
    subject: str
    starts_at: datetime
    duration_minutes: int
    location: str
    company: int = Field(alias="company_id")
    contact: int | None = Field(None, alias="contact_id")
    lead: int | None = Field(None, alias="lead_id")
    contacts: list[int]
    colleagues: list[int]
    outcome: str
    next_step: str
    created_at: datetime

    @staticmethod
    def resolve_contacts(obj) -> list[int]:
        return sorted(contact.pk for contact in obj.contacts.all())

    @staticmethod
    def resolve_colleagues(obj) -> list[int]:
        return sorted(user.pk for user in obj.colleagues.all())


class ActivityIn(Schema):
    kind: str
    subject: str
    company: RecordId
    status: str = "done"
    direction: str = "outbound"
    starts_at: datetime | None = Field(None, description="default: now (for a done activity)")
    duration_minutes: int = 30
    location: str = ""
    contact: RecordId | None = None
    lead: RecordId | None = None
    contacts: list[RecordId] = []
    colleagues: list[str] = Field([], description="colleagues' e-mails or ids")
    outcome: str = ""
    next_step: str = ""


class ActivityPatch(Schema):
    kind: str | None = None
    status: str | None = None
    direction: str | None = None
    subject: str | None = None
    starts_at: datetime | None = None
    duration_minutes: int | None = None
    location: str | None = None
    contact: RecordId | None = None
    contacts: list[RecordId] | None = None
    colleagues: list[str] | None = None
    outcome: str | None = None
    next_step: str | None = None


class ActivityQuery(Schema):
    kind: str = ""
    status: str = ""
    company: RecordId | None = None


class TaskOut(Schema):
    id: int
    title: str
    notes: str
    due_at: datetime
    priority: str
    status: str
    assignee: int = Field(alias="assignee_id")
    company: int | None = Field(None, alias="company_id")
    contact: int | None = Field(None, alias="contact_id")
    lead: int | None = Field(None, alias="lead_id")
    enrolment: int | None = Field(None, alias="enrolment_id")
    step: int | None = Field(None, alias="step_id")
    snoozed_count: int
    closed_at: datetime | None


class TaskCreated(TaskOut):
    warnings: list[str] = []


class TaskIn(Schema):
    title: str
    due_at: datetime
    priority: str = "normal"
    assignee: str | None = Field(None, description="e-mail or id; default: you")
    company: RecordId | None = None
    contact: RecordId | None = None
    lead: RecordId | None = None
    notes: str = ""


class TaskPatch(Schema):
    title: str | None = None
    due_at: datetime | None = None
    priority: str | None = None
    assignee: str | None = None
    notes: str | None = None


class TaskQuery(Schema):
    status: str = "open"
    company: RecordId | None = None
    mine: bool = False


class SnoozeIn(Schema):
    until: datetime | None = None
    preset: str = Field("", description="1h, tomorrow or 1w (instead of until)")


class StepSchema(Schema):
    order: int | None = None
    channel: str
    delay_days: int = 0
    instructions: str = ""
    message_template: str = ""


class PlanOut(Schema):
    id: int
    name: str
    description: str
    owner: int = Field(alias="owner_id")
    is_active: bool
    steps: list[StepSchema]

    @staticmethod
    def resolve_steps(obj) -> list[dict]:
        return [{"order": s.order, "channel": s.channel, "delay_days": s.delay_days,
                 "instructions": s.instructions, "message_template": s.message_template}
                for s in obj.steps.all()]


class PlanIn(Schema):
    name: str
    description: str = ""
    steps: list[StepSchema]


class PlanPatch(Schema):
    name: str | None = None
    description: str | None = None
    is_active: bool | None = None
    steps: list[StepSchema] | None = None


class StepFiguresOut(Schema):
    order: int
    channel: str
    created: int
    done: int
    skipped: int
    open: int


class PlanFiguresOut(Schema):
    plan: int
    enrolled: int
    active: int
    paused: int
    completed: int
    exited: int
    replied: int
    meetings: int
    steps: list[StepFiguresOut]


class EnrolmentOut(Schema):
    id: int
    plan: int = Field(alias="plan_id")
    company: int = Field(alias="company_id")
    contact: int | None = Field(None, alias="contact_id")
    lead: int | None = Field(None, alias="lead_id")
    status: str
    exit_reason: str
    next_step: int | None = Field(None, alias="next_step.order")
    next_due_at: datetime | None
    replied_at: datetime | None
    meeting_at: datetime | None
    created_at: datetime


class EnrolIn(Schema):
    company: RecordId | None = Field(None, description="one company …")
    contact: RecordId | None = None
    lead: RecordId | None = None
    segment: RecordId | None = Field(None, description="… or every company of a segment in "
                                                  "your portfolio")


class EnrolSegmentOut(Schema):
    enrolled: int
    refused: dict[str, int]


class EnrolmentQuery(Schema):
    plan: RecordId | None = None
    company: RecordId | None = None
    status: str = ""


class ExitIn(Schema):
    reason: str = "manual"


class CalendarQuery(Schema):
    start: datetime
    end: datetime


class CalendarOut(Schema):
    activities: list[ActivityOut]
    tasks: list[TaskOut]


class FeedOut(Schema):
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    url: str | None = Field(None, description="the secret address: shown once, on creation")


# ---------------------------------------------------------------- activities

@router.get("/activities", response=list[ActivityOut], summary="Activities in my reach")
@paginate
def activities(request, filters: Query[ActivityQuery]):
    return activities_visible(user=request.auth_user, filters=ActivityFilters(**filters.dict()))


@router.post("/activities", response={201: ActivityOut}, summary="Log an activity")
def activity_add(request, payload: ActivityIn):
    data = payload.dict()
    if data["starts_at"] is None:
        data.pop("starts_at")
    return Status(201, activity_log(by=request.auth_user, data=data))


@router.get("/activities/{activity_id}", response=ActivityOut)
def activity_get(request, activity_id: int):
    return get_visible_or_404(request.auth_user, Activity, activity_id)


@router.patch("/activities/{activity_id}", response=ActivityOut)
def activity_patch(request, activity_id: int, payload: ActivityPatch):
    activity = get_visible_or_404(request.auth_user, Activity, activity_id)
    return activity_update(by=request.auth_user, activity=activity,
                           data=payload.dict(exclude_unset=True))


# ---------------------------------------------------------------- tasks

@router.get("/tasks", response=list[TaskOut], summary="Tasks in my reach, soonest first")
@paginate
def tasks(request, filters: Query[TaskQuery]):
    return tasks_visible(user=request.auth_user, filters=TaskFilters(**filters.dict()))


@router.post("/tasks", response={201: TaskCreated},
             summary="Add a task (one already due is allowed, with a warning)")
def task_add(request, payload: TaskIn):
    outcome = task_create(by=request.auth_user, data=payload.dict(exclude_none=True))
    outcome.obj.warnings = outcome.warnings
    return Status(201, outcome.obj)


@router.get("/tasks/{task_id}", response=TaskOut)
def task_get(request, task_id: int):
    return get_visible_or_404(request.auth_user, Task, task_id)


@router.patch("/tasks/{task_id}", response=TaskOut)
def task_patch(request, task_id: int, payload: TaskPatch):
    task = get_visible_or_404(request.auth_user, Task, task_id)
    return task_update(by=request.auth_user, task=task, data=payload.dict(exclude_unset=True))


@router.post("/tasks/{task_id}/complete", response=TaskOut)
def task_complete_api(request, task_id: int):
    task = get_visible_or_404(request.auth_user, Task, task_id)
    return task_complete(by=request.auth_user, task=task)


@router.post("/tasks/{task_id}/skip", response=TaskOut)
def task_skip_api(request, task_id: int):
    task = get_visible_or_404(request.auth_user, Task, task_id)
    return task_skip(by=request.auth_user, task=task)


@router.post("/tasks/{task_id}/reopen", response=TaskOut)
def task_reopen_api(request, task_id: int):
    task = get_visible_or_404(request.auth_user, Task, task_id)
    return task_reopen(by=request.auth_user, task=task)


@router.post("/tasks/{task_id}/snooze", response=TaskOut)
def task_snooze_api(request, task_id: int, payload: SnoozeIn):
    task = get_visible_or_404(request.auth_user, Task, task_id)
    return task_snooze(by=request.auth_user, task=task, until=payload.until,
                       preset=payload.preset)


# ---------------------------------------------------------------- plans and enrolments

@router.get("/plans", response=list[PlanOut], summary="My contact plans, with their steps")
@paginate
def plans(request):
    return plans_visible(user=request.auth_user)


@router.post("/plans", response={201: PlanOut}, summary="Build a contact plan")
def plan_add(request, payload: PlanIn):
    return Status(201, plan_create(by=request.auth_user, data=payload.dict()))


@router.get("/plans/{plan_id}", response=PlanOut)
def plan_get(request, plan_id: int):
    return get_visible_or_404(request.auth_user, ContactPlan, plan_id)


@router.patch("/plans/{plan_id}", response=PlanOut)
def plan_patch(request, plan_id: int, payload: PlanPatch):
    plan = get_visible_or_404(request.auth_user, ContactPlan, plan_id)
    return plan_update(by=request.auth_user, plan=plan, data=payload.dict(exclude_none=True))


@router.get("/plans/{plan_id}/figures", response=PlanFiguresOut,
            summary="Enrolled, active, completed, replied, meetings booked; by step")
def plan_figures_api(request, plan_id: int):
    plan = get_visible_or_404(request.auth_user, plans_visible(user=request.auth_user),
                              plan_id)
    figures = plan_figures(user=request.auth_user, plans=[plan])[0]
    return {"plan": plan.pk, "enrolled": figures.enrolled, "active": figures.active,
            "paused": figures.paused, "completed": figures.completed,
            "exited": figures.exited, "replied": figures.replied,
            "meetings": figures.meetings,
            "steps": [{"order": row.step.order, "channel": row.step.channel,
                       "created": row.created, "done": row.done, "skipped": row.skipped,
                       "open": row.open} for row in figures.steps]}


@router.post("/plans/{plan_id}/enrolments", response={201: EnrolmentOut, 200: EnrolSegmentOut},
             summary="Enrol a company (201) or a segment's companies (200, with counts)")
def plan_enrol(request, plan_id: int, payload: EnrolIn):
    plan = get_visible_or_404(request.auth_user, ContactPlan, plan_id)
    if payload.segment is not None:
        segment = get_visible_or_404(request.auth_user, Segment, payload.segment)
        result = enrolment_create_segment(by=request.auth_user, plan=plan, segment=segment)
        return Status(200, {"enrolled": result.enrolled, "refused": result.refused})
    company = (get_visible_or_404(request.auth_user, Company, payload.company)
               if payload.company is not None else None)
    return Status(201, enrolment_create(by=request.auth_user, plan=plan, company=company,
                                        contact=payload.contact, lead=payload.lead))


@router.get("/enrolments", response=list[EnrolmentOut], summary="Enrolments in my reach")
@paginate
def enrolments(request, filters: Query[EnrolmentQuery]):
    return enrolments_visible(user=request.auth_user, **filters.dict())


@router.get("/enrolments/{enrolment_id}", response=EnrolmentOut)
def enrolment_get(request, enrolment_id: int):
    return get_visible_or_404(request.auth_user, Enrolment.objects.select_related("next_step"),
                              enrolment_id)


@router.post("/enrolments/{enrolment_id}/pause", response=EnrolmentOut)
def enrolment_pause_api(request, enrolment_id: int):
    enrolment = get_visible_or_404(request.auth_user, Enrolment, enrolment_id)
    return enrolment_pause(by=request.auth_user, enrolment=enrolment)


@router.post("/enrolments/{enrolment_id}/resume", response=EnrolmentOut)
def enrolment_resume_api(request, enrolment_id: int):
    enrolment = get_visible_or_404(request.auth_user, Enrolment, enrolment_id)
    return enrolment_resume(by=request.auth_user, enrolment=enrolment)


@router.post("/enrolments/{enrolment_id}/exit", response=EnrolmentOut)
def enrolment_exit_api(request, enrolment_id: int, payload: ExitIn):
    enrolment = get_visible_or_404(request.auth_user, Enrolment, enrolment_id)
    return enrolment_exit(by=request.auth_user, enrolment=enrolment, reason=payload.reason)


# ---------------------------------------------------------------- calendar

@router.get("/calendar", response=CalendarOut,
            summary="My activities and tasks between two times (at most 62 days)")
def calendar(request, window: Query[CalendarQuery]):
    if window.end <= window.start:
        raise ValidationError({"end": [_("The end must come after the start.")]})
    if window.end - window.start > timedelta(days=MAX_CALENDAR_DAYS):
        raise ValidationError({"end": [_("Ask for at most %(days)s days at once.")
                                       % {"days": MAX_CALENDAR_DAYS}]})
    activities_found, tasks_found = calendar_entries(user=request.auth_user,
                                                     start=window.start, end=window.end)
    return {"activities": activities_found, "tasks": tasks_found}


class FeedState(Schema):
    feed: FeedOut | None


@router.get("/calendar/feed", response=FeedState,
            summary="My calendar feed (without its secret); null when none works")
def feed_get(request):
    return {"feed": feed_of(user=request.auth_user)}


@router.post("/calendar/feed", response={201: FeedOut},
             summary="Make a new secret feed address (the old one stops working)")
def feed_create(request):
    feed, raw = calendar_feed_create(by=request.auth_user)
    feed.url = request.build_absolute_uri(reverse("planning:feed_ics", args=[raw]))
    return Status(201, feed)


@router.delete("/calendar/feed", response={204: None}, summary="Revoke my feed address")
def feed_revoke(request):
    feed = feed_of(user=request.auth_user)
    if feed is not None:
        calendar_feed_revoke(by=request.auth_user, feed=feed)
    return Status(204, None)

