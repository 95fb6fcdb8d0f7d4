"""Writes of tasks: create, change, complete, skip, reopen and snooze.

Each service is atomic, checks the access layer and records the change log."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from khata.clients.models import Contact
from khata.clients.validation import choice_cleaner, clean_fields, text_cleaner
from khata.core.changelog import record_change, save_changes, snapshot
from khata.planning.choices import (
    Priority,
    TaskStatus,
)
from khata.planning.models import (
    Task,
)
from khata.planning.services.cleaning import (
    _check_links,
    _company_cleaner,
    _related,
    _when,
)
from khata.prospecting.models import Lead
from khata.team.access import can, ensure, ensure_active, may_act_for
from khata.team.models import User
from khata.team.services import user_by_reference

TASK_FIELDS = ["title", "notes", "due_at", "priority", "assignee", "company", "contact", "lead"]



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
        "lead": _related(Lead, _("Choose one of your leads."), by=by, action="change"),
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
    save_changes(actor=by, obj=task, values=cleaned)
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
