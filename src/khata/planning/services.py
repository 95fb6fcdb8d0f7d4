"""Writes of planning: activities, tasks, contact plans, enrolments, advancing plans, feeds.

Each service is atomic, checks the access layer and records the change log."""

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from khata.clients.choices import Lifecycle
from khata.clients.models import Company, Contact
from khata.clients.validation import choice_cleaner, clean_fields, text_cleaner
from khata.core.changelog import record_change, record_event, snapshot
from khata.core.choices import ChangeAction
from khata.core.ids import record_id
from khata.planning.choices import (
    CONSENT_CHANNEL,
    ActivityKind,
    ActivityStatus,
    Direction,
    EnrolmentStatus,
    ExitReason,
    Priority,
    StepChannel,
    TaskStatus,
)
from khata.planning.models import (
    MAX_DELAY_DAYS,
    MAX_DURATION_MINUTES,
    Activity,
    CalendarFeed,
    ContactPlan,
    Enrolment,
    PlanStep,
    Task,
)
from khata.planning.selectors import channels_withdrawn, segment_companies
from khata.prospecting.choices import LeadStatus
from khata.prospecting.models import Lead, Segment
from khata.team.access import can, ensure, ensure_active, may_act_for, visible_to
from khata.team.models import User
from khata.team.services import secret_digest, user_by_reference

ACTIVITY_FIELDS = ["kind", "status", "direction", "subject", "starts_at", "duration_minutes",
                   "location", "company", "contact", "lead", "outcome", "next_step"]
TASK_FIELDS = ["title", "notes", "due_at", "priority", "assignee", "company", "contact", "lead"]
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


def _related(model, message: str, *, by: User):
    def clean(value, _data):
        if value in (None, ""):
            return None
        found = value if isinstance(value, model) else visible_to(
            by, model.objects.filter(pk=_pk(value))).first()
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
    if lead is not None and company is not None and lead.company_id not in (None, company.pk) \
            and lead.matches_company_id not in (None, company.pk):
        errors.setdefault("lead", [_("This lead is about another company.")])


# ---------------------------------------------------------------- activities

def _activity_cleaners(*, by: User):
    return {
        "kind": choice_cleaner(ActivityKind, required=True),
        "status": choice_cleaner(ActivityStatus),
        "direction": choice_cleaner(Direction),
        "subject": text_cleaner(200, required=True),
        "starts_at": _when,
        "duration_minutes": _minutes,
        "location": text_cleaner(200),
        "company": _company_cleaner(by=by, required=True),
        "contact": _related(Contact, _("Choose a contact of this company."), by=by),
        "lead": _related(Lead, _("Choose one of your leads."), by=by),
        "outcome": text_cleaner(20_000),
        "next_step": text_cleaner(300),
    }


def _people(values, *, by: User, company, field_name: str, errors: dict):
    """Participants: contacts of the company and active colleagues."""
    found = []
    for value in values or []:
        if field_name == "contacts":
            item = visible_to(by, Contact.objects.filter(pk=_pk(value))).first()
            if item is None or (company is not None and item.company_id != company.pk):
                errors.setdefault(field_name, [_("Choose contacts of this company.")])
                return []
        else:
            item = user_by_reference(value)
            if item is None or not item.is_active:
                errors.setdefault(field_name, [_("“%(who)s” is not an active colleague.")
                                               % {"who": value}])
                return []
        found.append(item)
    return found


def _clean_activity(*, by: User, data: dict, activity: Activity | None):
    cleaned, errors = clean_fields(data, _activity_cleaners(by=by))
    company = cleaned.get("company", activity.company if activity else None)
    _check_links(cleaned, errors, company=company)
    contacts = _people(data.get("contacts"), by=by, company=company, field_name="contacts",
                       errors=errors) if "contacts" in data else None
    colleagues = _people(data.get("colleagues"), by=by, company=company,
                         field_name="colleagues", errors=errors) \
        if "colleagues" in data else None
    return cleaned, errors, contacts, colleagues


@transaction.atomic
def activity_log(*, by: User, data: dict) -> Activity:
    """Log a call, e-mail, meeting… with a company (done, or scheduled for later). A reply
    from the client or a meeting pauses the company's running contact plans."""
    ensure_active(by)
    data = {"status": ActivityStatus.DONE, "direction": Direction.OUTBOUND, **data}
    if data.get("starts_at") in (None, "") and data.get("status") == ActivityStatus.DONE:
        data["starts_at"] = timezone.now()
    cleaned, errors, contacts, colleagues = _clean_activity(by=by, data=data, activity=None)
    for required in ("kind", "subject", "company", "starts_at"):
        if required not in cleaned:
            errors.setdefault(required, [_("This field is required.")])
    if errors:
        raise ValidationError(errors)
    activity = Activity(**cleaned, created_by=by)
    ensure(by, "change", activity.company)
    activity.save()
    if contacts is not None:
        activity.contacts.set(contacts)
    if colleagues is not None:
        activity.colleagues.set(colleagues)
    record_change(actor=by, obj=activity, fields=[f for f in ACTIVITY_FIELDS if f in cleaned])
    _pause_for_activity(by=by, activity=activity)
    return activity


@transaction.atomic
def activity_update(*, by: User, activity: Activity, data: dict) -> Activity:
    """Correct an activity, or mark a scheduled one as done with its outcome."""
    ensure(by, "change", activity)
    data = {key: value for key, value in data.items() if key != "company"}
    cleaned, errors, contacts, colleagues = _clean_activity(by=by, data=data,
                                                            activity=activity)
    if errors:
        raise ValidationError(errors)
    before = snapshot(activity, list(cleaned))
    for name, value in cleaned.items():
        setattr(activity, name, value)
    activity.save()
    extra = {}
    if contacts is not None:
        old = sorted(activity.contacts.values_list("pk", flat=True))
        activity.contacts.set(contacts)
        extra["contacts"] = [old, sorted(c.pk for c in contacts)]
    if colleagues is not None:
        old = sorted(activity.colleagues.values_list("pk", flat=True))
        activity.colleagues.set(colleagues)
        extra["colleagues"] = [old, sorted(c.pk for c in colleagues)]
    record_change(actor=by, obj=activity, before=before, extra=extra)
    _pause_for_activity(by=by, activity=activity)
    return activity


@transaction.atomic
def activity_delete(*, by: User, activity: Activity) -> None:
    """Remove an activity logged by mistake (recorded with its values)."""
    ensure(by, "change", activity)
    record_change(actor=by, obj=activity, action=ChangeAction.DELETE,
                  fields=["kind", "subject", "starts_at", "company"])
    activity.delete()


def _pause_for_activity(*, by, activity: Activity) -> int:
    """A reply (an inbound contact) or a meeting pauses the company's running plans."""
    replied = activity.direction == Direction.INBOUND
    meeting = activity.kind == ActivityKind.MEETING
    if not (replied or meeting):
        return 0
    paused = 0
    for enrolment in Enrolment.objects.filter(company_id=activity.company_id,
                                              status=EnrolmentStatus.ACTIVE):
        before = snapshot(enrolment, ["status", "paused_at", "replied_at", "meeting_at"])
        enrolment.status = EnrolmentStatus.PAUSED
        enrolment.paused_at = timezone.now()
        if replied and enrolment.replied_at is None:
            enrolment.replied_at = activity.starts_at
        if meeting and enrolment.meeting_at is None:
            enrolment.meeting_at = activity.starts_at
        enrolment.save()
        record_change(actor=by, obj=enrolment, before=before,
                      message=_("paused: %(activity)s") % {"activity": activity})
        paused += 1
    return paused


# ---------------------------------------------------------------- tasks

@dataclass
class Outcome:
    """A record a service made or changed, with warnings the user should read."""

    obj: object
    warnings: list[str] = field(default_factory=list)


def _assignee_cleaner(*, by: User):
    def assignee(value, _data):
        if value in (None, ""):
            return by
        user = value if isinstance(value, User) else user_by_reference(value)
        if user is None or not user.is_active:
            raise ValidationError(_("Choose an active colleague."))
        return user
    return assignee


def _task_cleaners(*, by: User):
    return {
        "title": text_cleaner(200, required=True),
        "notes": text_cleaner(20_000),
        "due_at": _when,
        "priority": choice_cleaner(Priority),
        "assignee": _assignee_cleaner(by=by),
        "company": _company_cleaner(by=by, required=False),
        "contact": _related(Contact, _("Choose a contact of this company."), by=by),
        "lead": _related(Lead, _("Choose one of your leads."), by=by),
    }


def _check_assignee(*, by: User, assignee: User, company, lead, errors: dict) -> None:
    """A task goes to someone who holds the record: its owner, their substitute, the head;
    without a record, to the creator or someone they cover (the head: anyone)."""
    record = company or lead
    if record is not None:
        if not can(assignee, "change", record):
            errors.setdefault("assignee", [
                _("%(name)s does not hold %(record)s: give the task to its owner or their "
                  "substitute.") % {"name": assignee, "record": record}])
    elif not may_act_for(by, assignee):
        errors.setdefault("assignee", [
            _("You may give a task only to yourself or to a colleague you are covering for.")])


@transaction.atomic
def task_create(*, by: User, data: dict) -> Outcome:
    """Add a task, about a company, contact or lead or on its own. One due in the past is
    allowed, with a warning; the assignee must hold the record."""
    ensure_active(by)
    cleaned, errors = clean_fields(data, _task_cleaners(by=by))
    for required in ("title", "due_at"):
        if required not in cleaned and required not in errors:
            errors[required] = [_("This field is required.")]
    cleaned.setdefault("assignee", by)
    contact = cleaned.get("contact")
    if contact is not None and cleaned.get("company") is None and "company" not in errors:
        cleaned["company"] = contact.company
    _check_links(cleaned, errors, company=cleaned.get("company"))
    if "assignee" not in errors:
        _check_assignee(by=by, assignee=cleaned["assignee"], company=cleaned.get("company"),
                        lead=cleaned.get("lead"), errors=errors)
    if errors:
        raise ValidationError(errors)
    for record in (cleaned.get("company"), cleaned.get("lead")):
        if record is not None:
            ensure(by, "change", record)
    task = Task.objects.create(**cleaned, created_by=by)
    record_change(actor=by, obj=task, fields=[f for f in TASK_FIELDS if f in cleaned])
    warnings = []
    if task.due_at < timezone.now():
        warnings.append(_("This task is already overdue: it was due %(when)s.")
                        % {"when": timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M")})
    return Outcome(task, warnings)


@transaction.atomic
def task_update(*, by: User, task: Task, data: dict) -> Task:
    """Change a task's title, notes, due time, priority or assignee."""
    ensure(by, "change", task)
    data = {key: value for key, value in data.items()
            if key in {"title", "notes", "due_at", "priority", "assignee"}}
    cleaned, errors = clean_fields(data, _task_cleaners(by=by))
    if "assignee" in cleaned:
        _check_assignee(by=by, assignee=cleaned["assignee"], company=task.company,
                        lead=task.lead, errors=errors)
    if errors:
        raise ValidationError(errors)
    before = snapshot(task, list(cleaned))
    for name, value in cleaned.items():
        setattr(task, name, value)
    task.save()
    record_change(actor=by, obj=task, before=before)
    return task


def _close(*, by: User, task: Task, status: str) -> Task:
    ensure(by, "change", task)
    if task.status != TaskStatus.OPEN:
        raise ValidationError({"status": [_("This task is already %(status)s.")
                                          % {"status": task.get_status_display().lower()}]})
    before = snapshot(task, ["status", "closed_at"])
    task.status, task.closed_at = status, timezone.now()
    task.save(update_fields=["status", "closed_at", "updated_at"])
    record_change(actor=by, obj=task, before=before)
    return task


@transaction.atomic
def task_complete(*, by: User, task: Task) -> Task:
    """Mark a task as done."""
    return _close(by=by, task=task, status=TaskStatus.DONE)


@transaction.atomic
def task_skip(*, by: User, task: Task) -> Task:
    """Mark a task as not to be done (a plan step skipped)."""
    return _close(by=by, task=task, status=TaskStatus.SKIPPED)


@transaction.atomic
def task_reopen(*, by: User, task: Task) -> Task:
    """Undo done or skipped."""
    ensure(by, "change", task)
    if task.status == TaskStatus.OPEN:
        raise ValidationError({"status": [_("This task is open already.")]})
    before = snapshot(task, ["status", "closed_at"])
    task.status, task.closed_at = TaskStatus.OPEN, None
    task.save(update_fields=["status", "closed_at", "updated_at"])
    record_change(actor=by, obj=task, before=before)
    return task


SNOOZE_CHOICES = {"1h": timedelta(hours=1), "tomorrow": None, "1w": timedelta(days=7)}


@transaction.atomic
def task_snooze(*, by: User, task: Task, until=None, preset: str = "") -> Task:
    """Put an open task off: to a given time, or one hour, tomorrow 09:00, a week."""
    ensure(by, "change", task)
    if task.status != TaskStatus.OPEN:
        raise ValidationError({"status": [_("Only an open task can be snoozed.")]})
    now = timezone.now()
    if preset:
        if preset not in SNOOZE_CHOICES:
            raise ValidationError({"preset": [_("Choose one of: %(values)s.")
                                              % {"values": ", ".join(SNOOZE_CHOICES)}]})
        if preset == "tomorrow":
            local = timezone.localtime(now) + timedelta(days=1)
            until = local.replace(hour=9, minute=0, second=0, microsecond=0)
        else:
            until = now + SNOOZE_CHOICES[preset]
    else:
        try:
            until = _when(until, {})
        except ValidationError as exc:
            raise ValidationError({"until": exc.messages}) from exc
        if until <= now:
            raise ValidationError({"until": [_("Snooze to a time in the future.")]})
    before = snapshot(task, ["due_at", "snoozed_count"])
    task.due_at = until
    task.snoozed_count += 1
    task.save(update_fields=["due_at", "snoozed_count", "updated_at"])
    record_change(actor=by, obj=task, before=before)
    return task


# ---------------------------------------------------------------- contact plans

def _clean_steps(steps) -> tuple[list[dict], dict]:
    """Steps as dicts (channel, delay_days, instructions, message_template), in order."""
    if not isinstance(steps, list | tuple):
        return [], {"steps": [_("Give the plan's steps as a list.")]}
    cleaned, errors = [], {}
    for index, step in enumerate(steps, start=1):
        if not isinstance(step, dict):
            errors.setdefault("steps", []).append(_("Step %(n)s is not valid.") % {"n": index})
            continue
        channel = str(step.get("channel") or "").strip()
        if channel not in StepChannel.values:
            errors[f"steps.{index}.channel"] = [_("Choose one of: %(values)s.")
                                                % {"values": ", ".join(StepChannel.values)}]
        raw_delay = step.get("delay_days", 0)
        try:
            delay = int(raw_delay if raw_delay not in (None, "") else 0)
        except (TypeError, ValueError):
            delay = None
        if delay is None:
            errors[f"steps.{index}.delay_days"] = [_("Enter a whole number of days.")]
        elif delay < 0:
            errors[f"steps.{index}.delay_days"] = [_("A delay cannot be negative: enter 0 "
                                                     "for the same day.")]
        elif delay > MAX_DELAY_DAYS:
            errors[f"steps.{index}.delay_days"] = [_("Keep a delay under a year (%(max)s "
                                                     "days).") % {"max": MAX_DELAY_DAYS}]
        instructions = str(step.get("instructions") or "").strip()
        if len(instructions) > 500:
            errors[f"steps.{index}.instructions"] = [_("Keep it under 500 characters.")]
        template = str(step.get("message_template") or "").strip()
        if len(template) > 20_000:
            errors[f"steps.{index}.message_template"] = [_("Keep it under 20000 characters.")]
        cleaned.append({"order": index, "channel": channel, "delay_days": delay or 0,
                        "instructions": instructions, "message_template": template})
    if not cleaned and not errors:
        errors["steps"] = [_("Add at least one step.")]
    return cleaned, errors


def _plan_fields(data: dict, plan: ContactPlan | None) -> tuple[dict, dict]:
    cleaned, errors = clean_fields(data, {"name": text_cleaner(150, required=True),
                                          "description": text_cleaner(5000)})
    if "is_active" in data:
        cleaned["is_active"] = bool(data["is_active"])
    if plan is None and "name" not in data:
        errors["name"] = [_("Name the plan.")]
    return cleaned, errors


def _steps_extra(steps) -> list:
    return [f"{step['order']}. {step['channel']} +{step['delay_days']}d" for step in steps]


@transaction.atomic
def plan_create(*, by: User, data: dict) -> ContactPlan:
    """Build a contact plan: a name and ordered steps, each with a channel and a delay."""
    ensure_active(by)
    cleaned, errors = _plan_fields(data, None)
    steps, step_errors = _clean_steps(data.get("steps", []))
    errors.update(step_errors)
    if errors:
        raise ValidationError(errors)
    plan = ContactPlan(owner=by, **cleaned)
    ensure(by, "create", plan)
    plan.save()
    PlanStep.objects.bulk_create([PlanStep(plan=plan, **step) for step in steps])
    record_change(actor=by, obj=plan, fields=["name", "description", "owner"],
                  extra={"steps": [None, _steps_extra(steps)]})
    return plan


@transaction.atomic
def plan_update(*, by: User, plan: ContactPlan, data: dict) -> ContactPlan:
    """Rename or describe a plan; its steps change only while no company is enrolled."""
    ensure(by, "change", plan)
    cleaned, errors = _plan_fields(data, plan)
    extra = None
    if "steps" in data:
        steps, step_errors = _clean_steps(data["steps"])
        errors.update(step_errors)
        if not step_errors and plan.enrolments.exists():
            old = [{"order": s.order, "channel": s.channel, "delay_days": s.delay_days,
                    "instructions": s.instructions, "message_template": s.message_template}
                   for s in plan.steps.all()]
            if old != steps:
                errors["steps"] = [_("Companies are enrolled in this plan: its steps can no "
                                     "longer change. Make a new plan instead.")]
        if not errors:
            old_words = _steps_extra([{"order": s.order, "channel": s.channel,
                                       "delay_days": s.delay_days} for s in plan.steps.all()])
            if old_words != _steps_extra(steps) or not plan.enrolments.exists():
                plan.steps.all().delete()
                PlanStep.objects.bulk_create([PlanStep(plan=plan, **step) for step in steps])
            extra = {"steps": [old_words, _steps_extra(steps)]}
    if errors:
        raise ValidationError(errors)
    before = snapshot(plan, list(cleaned))
    for name, value in cleaned.items():
        setattr(plan, name, value)
    plan.save()
    record_change(actor=by, obj=plan, before=before, extra=extra)
    return plan


# ---------------------------------------------------------------- enrolments

def _due_after(start: datetime, days: int) -> datetime:
    return start + timedelta(days=days)


def _gated_channels(plan: ContactPlan) -> tuple[set[str], bool]:
    """The consent channels the plan's steps need, and whether any step needs none."""
    channels, free = set(), False
    for step in plan.steps.all():
        needed = CONSENT_CHANNEL.get(step.channel)
        if needed is None:
            free = True
        else:
            channels.add(needed)
    return channels, free


def _enrol_one(*, by: User, plan: ContactPlan, company: Company, contact=None, lead=None,
               now: datetime) -> Enrolment:
    ensure(by, "change", company)
    if company.lifecycle in (Lifecycle.CLIENT, Lifecycle.BLOCKED):
        raise ValidationError({"company": [
            _("%(company)s is %(lifecycle)s: contact plans are for prospects.")
            % {"company": company, "lifecycle": company.get_lifecycle_display().lower()}]})
    steps = list(plan.steps.all())
    if not steps:
        raise ValidationError({"plan": [_("This plan has no steps yet.")]})
    needed, free = _gated_channels(plan)
    withdrawn = channels_withdrawn(company=company, contact=contact)
    if not free and needed and needed <= withdrawn:
        raise ValidationError({"company": [
            _("%(who)s opted out of every channel in this plan (%(channels)s).")
            % {"who": contact or company, "channels": ", ".join(sorted(needed))}]})
    if Enrolment.objects.filter(plan=plan, company=company,
                                status__in=[EnrolmentStatus.ACTIVE,
                                            EnrolmentStatus.PAUSED]).exists():
        raise ValidationError({"company": [_("%(company)s is already in this plan.")
                                           % {"company": company}]})
    enrolment = Enrolment.objects.create(
        plan=plan, company=company, contact=contact, lead=lead, enrolled_by=by,
        next_step=steps[0], next_due_at=_due_after(now, steps[0].delay_days))
    record_change(actor=by, obj=enrolment, fields=["plan", "company", "contact", "lead",
                                                  "next_step", "next_due_at"])
    return enrolment


@transaction.atomic
def enrolment_create(*, by: User, plan: ContactPlan, company, contact=None,
                     lead=None) -> Enrolment:
    """Put one company (optionally one of its contacts, or the lead it came from) into a
    plan; its first step is due after the first delay. Refused with the reason when it is
    already in the plan, a client, or opted out of every channel the plan uses."""
    ensure_active(by)
    ensure(by, "view", plan)
    cleaned, errors = clean_fields({"company": company, "contact": contact, "lead": lead}, {
        "company": _company_cleaner(by=by, required=True),
        "contact": _related(Contact, _("Choose a contact of this company."), by=by),
        "lead": _related(Lead, _("Choose one of your leads."), by=by)})
    if "company" in cleaned:
        _check_links(cleaned, errors, company=cleaned["company"])
    if errors:
        raise ValidationError(errors)
    if not plan.is_active:
        raise ValidationError({"plan": [_("This plan is no longer in use.")]})
    try:
        with transaction.atomic():
            return _enrol_one(by=by, plan=plan, company=cleaned["company"],
                              contact=cleaned.get("contact"), lead=cleaned.get("lead"),
                              now=timezone.now())
    except IntegrityError as exc:  # a concurrent enrolment of the same company won the race
        raise ValidationError({"company": [_("This company is already in this plan.")]}) \
            from exc


@dataclass
class SegmentEnrolled:
    """What enrolling a segment did: how many went in, and why the others did not."""

    enrolled: int = 0
    refused: dict[str, int] = field(default_factory=dict)


SEGMENT_LIMIT = 5000


@transaction.atomic
def enrolment_create_segment(*, by: User, plan: ContactPlan, segment: Segment) -> SegmentEnrolled:
    """Enrol every company of a segment in the user's portfolio (up to 5,000 at once);
    those already in the plan, clients, or opted out are left out and counted by reason."""
    ensure_active(by)
    ensure(by, "view", plan)
    ensure(by, "view", segment)
    if not plan.is_active:
        raise ValidationError({"plan": [_("This plan is no longer in use.")]})
    companies = segment_companies(user=by, segment=segment)
    count = companies.count()
    if count > SEGMENT_LIMIT:
        raise ValidationError({"segment": [
            _("The segment has %(count)s companies in your portfolio; enrol at most "
              "%(limit)s at once (narrow it first).") % {"count": count, "limit": SEGMENT_LIMIT}]})
    result = SegmentEnrolled()
    now = timezone.now()
    for company in companies:
        try:
            with transaction.atomic():
                _enrol_one(by=by, plan=plan, company=company, now=now)
        except (ValidationError, IntegrityError) as exc:
            reason = (" ".join(exc.messages) if isinstance(exc, ValidationError)
                      else _("already in this plan"))
            reason = reason.replace(str(company), "").strip(" :") or reason
            result.refused[reason] = result.refused.get(reason, 0) + 1
        else:
            result.enrolled += 1
    record_event(actor=by, action=ChangeAction.EVENT, obj=plan,
                 message=_("segment “%(segment)s” enrolled: %(count)s companies")
                 % {"segment": segment, "count": result.enrolled})
    return result


@transaction.atomic
def enrolment_pause(*, by: User, enrolment: Enrolment) -> Enrolment:
    """Hold a company's plan by hand: no step comes due until it is resumed."""
    ensure(by, "change", enrolment)
    if enrolment.status != EnrolmentStatus.ACTIVE:
        raise ValidationError({"status": [_("Only a running enrolment can be paused.")]})
    before = snapshot(enrolment, ["status", "paused_at"])
    enrolment.status, enrolment.paused_at = EnrolmentStatus.PAUSED, timezone.now()
    enrolment.save()
    record_change(actor=by, obj=enrolment, before=before)
    return enrolment


@transaction.atomic
def enrolment_resume(*, by: User, enrolment: Enrolment) -> Enrolment:
    """Go on with a paused plan: the next step is due no earlier than now."""
    ensure(by, "change", enrolment)
    if enrolment.status != EnrolmentStatus.PAUSED:
        raise ValidationError({"status": [_("Only a paused enrolment can be resumed.")]})
    if Enrolment.objects.filter(plan_id=enrolment.plan_id, company_id=enrolment.company_id,
                                status=EnrolmentStatus.ACTIVE).exists():
        raise ValidationError({"status": [_("The company is already running in this plan.")]})
    before = snapshot(enrolment, ["status", "paused_at", "next_due_at"])
    now = timezone.now()
    enrolment.status, enrolment.paused_at = EnrolmentStatus.ACTIVE, None
    if enrolment.next_due_at is not None and enrolment.next_due_at < now:
        enrolment.next_due_at = now
    enrolment.save()
    record_change(actor=by, obj=enrolment, before=before)
    return enrolment


@transaction.atomic
def enrolment_exit(*, by: User | None, enrolment: Enrolment,
                   reason: str = ExitReason.MANUAL) -> Enrolment:
    """Take a company out of a plan, with the reason; its open step tasks stay as they are."""
    if by is not None:
        ensure(by, "change", enrolment)
    if enrolment.status in (EnrolmentStatus.COMPLETED, EnrolmentStatus.EXITED):
        raise ValidationError({"status": [_("This enrolment has ended already.")]})
    if reason not in ExitReason.values:
        raise ValidationError({"reason": [_("Choose one of: %(values)s.")
                                          % {"values": ", ".join(ExitReason.values)}]})
    before = snapshot(enrolment, ["status", "exit_reason", "next_step", "next_due_at",
                                  "ended_at"])
    enrolment.status, enrolment.exit_reason = EnrolmentStatus.EXITED, reason
    enrolment.next_step, enrolment.next_due_at = None, None
    enrolment.ended_at = timezone.now()
    enrolment.save()
    record_change(actor=by, obj=enrolment, before=before)
    return enrolment


# ---------------------------------------------------------------- the periodic job

def step_task_key(enrolment_id: int, step_id: int) -> str:
    return f"enrolment:{enrolment_id}:step:{step_id}"


def _exit_reason(enrolment: Enrolment, step: PlanStep) -> str | None:
    company = enrolment.company
    if company.deleted_at is not None or company.lifecycle == Lifecycle.BLOCKED:
        return ExitReason.BLOCKED
    if company.lifecycle in (Lifecycle.CLIENT,):
        return ExitReason.BECAME_CLIENT
    if enrolment.lead is not None and enrolment.lead.status == LeadStatus.DISQUALIFIED:
        return ExitReason.DISQUALIFIED
    needed = CONSENT_CHANNEL.get(step.channel)
    if needed and needed in channels_withdrawn(company=company, contact=enrolment.contact):
        return ExitReason.OPTED_OUT
    return None


def _step_title(step: PlanStep, plan: ContactPlan, company: Company) -> str:
    title = _("%(channel)s %(company)s — %(plan)s, step %(order)s") % {
        "channel": step.get_channel_display(), "company": company, "plan": plan,
        "order": step.order}
    return title[:200]


@dataclass
class AdvanceResult:
    """What one run of the plan job did."""

    tasks: int = 0
    completed: int = 0
    exited: int = 0
    enrolments: int = 0


def _advance_one(enrolment_id: int, now: datetime, result: AdvanceResult) -> None:
    with transaction.atomic():
        enrolment = (Enrolment.objects.select_for_update(of=("self",))
                     .select_related("company", "contact", "lead", "plan", "next_step")
                     .filter(pk=enrolment_id, status=EnrolmentStatus.ACTIVE,
                             next_due_at__lte=now).first())
        if enrolment is None:
            return  # another run took it meanwhile
        result.enrolments += 1
        steps = list(enrolment.plan.steps.all())
        before = snapshot(enrolment, ["status", "exit_reason", "next_step", "next_due_at",
                                      "ended_at"])
        # A missed run is caught up: every step due by now gets its task, in order.
        while enrolment.next_step is not None and enrolment.next_due_at <= now:
            step = enrolment.next_step
            reason = _exit_reason(enrolment, step)
            if reason is not None:
                enrolment.status, enrolment.exit_reason = EnrolmentStatus.EXITED, reason
                enrolment.next_step, enrolment.next_due_at = None, None
                enrolment.ended_at = now
                result.exited += 1
                break
            key = step_task_key(enrolment.pk, step.pk)
            if not Task.objects.filter(key=key).exists():
                task = Task.objects.create(
                    key=key, title=_step_title(step, enrolment.plan, enrolment.company),
                    notes="\n\n".join(part for part in [step.instructions,
                                                        step.message_template] if part),
                    due_at=enrolment.next_due_at, assignee_id=enrolment.company.owner_id,
                    company=enrolment.company, contact=enrolment.contact,
                    lead=enrolment.lead, enrolment=enrolment, step=step)
                record_change(actor=None, obj=task, fields=["title", "due_at", "assignee",
                                                            "company"],
                              message=_("contact plan step came due"))
                result.tasks += 1
            later = [candidate for candidate in steps if candidate.order > step.order]
            if later:
                enrolment.next_step = later[0]
                enrolment.next_due_at = _due_after(enrolment.next_due_at, later[0].delay_days)
            else:
                enrolment.status = EnrolmentStatus.COMPLETED
                enrolment.next_step, enrolment.next_due_at = None, None
                enrolment.ended_at = now
                result.completed += 1
        enrolment.save()
        record_change(actor=None, obj=enrolment, before=before)


def plans_advance(*, now: datetime | None = None, batch: int = 1000) -> AdvanceResult:
    """Create the task of every plan step due by `now` and move each enrolment on; exits
    those whose company became a client, whose lead was dropped, or whose contact opted out
    of the step's channel. Idempotent: a second run creates nothing twice (task keys), and a
    missed run is caught up. Each enrolment is its own transaction."""
    now = now or timezone.now()
    result = AdvanceResult()
    last_id = 0
    while True:
        ids = list(Enrolment.objects.filter(status=EnrolmentStatus.ACTIVE,
                                            next_due_at__lte=now, pk__gt=last_id)
                   .order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            break
        for enrolment_id in ids:
            _advance_one(enrolment_id, now, result)
        last_id = ids[-1]
    return result


# ---------------------------------------------------------------- calendar feed

FEED_PREFIX = "kcal"


@transaction.atomic
def calendar_feed_create(*, by: User) -> tuple[CalendarFeed, str]:
    """A new secret feed address for `by`'s calendar; an older one stops working. The secret
    is returned once; only its hash is kept."""
    ensure_active(by)
    for old in CalendarFeed.objects.filter(user=by, revoked_at__isnull=True):
        calendar_feed_revoke(by=by, feed=old)
    prefix = secrets.token_hex(6)
    raw = f"{FEED_PREFIX}{prefix}{secrets.token_urlsafe(32)}"
    feed = CalendarFeed.objects.create(user=by, prefix=prefix, digest=secret_digest(raw))
    record_change(actor=by, obj=feed, fields=["prefix"])
    return feed, raw


@transaction.atomic
def calendar_feed_revoke(*, by: User, feed: CalendarFeed) -> CalendarFeed:
    """Stop a feed address from working, at once (calendar apps then get 404)."""
    ensure(by, "change", feed)
    if feed.revoked_at is None:
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at", "updated_at"])
        record_event(actor=by, action=ChangeAction.EVENT, obj=feed,
                     message=_("calendar feed revoked"))
    return feed


def calendar_feed_user(raw: str) -> User | None:
    """The active user whose feed secret this is, or None (unknown, revoked, left)."""
    raw = (raw or "").strip()
    if not raw.startswith(FEED_PREFIX) or len(raw) > 120:
        return None
    feed = CalendarFeed.objects.select_related("user").filter(digest=secret_digest(raw)).first()
    if feed is None or feed.revoked_at is not None or not feed.user.is_active:
        return None
    now = timezone.now()
    if feed.last_used_at is None or now - feed.last_used_at > timedelta(hours=1):
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    return feed.user
