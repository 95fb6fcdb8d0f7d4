"""Writes of contact plans and enrolments: build a plan, enrol a company or a segment,
pause, resume and exit.

Each service is atomic, checks the access layer and records the change log."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from khata.clients.choices import Lifecycle
from khata.clients.models import Company, Contact
from khata.clients.validation import clean_fields, text_cleaner
from khata.core.changelog import record_change, record_event, save_changes, snapshot
from khata.core.choices import ChangeAction
from khata.planning.choices import (
    CONSENT_CHANNEL,
    EnrolmentStatus,
    ExitReason,
    StepChannel,
)
from khata.planning.models import (
    MAX_DELAY_DAYS,
    ContactPlan,
    Enrolment,
    PlanStep,
)
from khata.planning.selectors import channels_withdrawn, segment_companies
from khata.planning.services.cleaning import (
    _check_links,
    _company_cleaner,
    _related,
)
from khata.prospecting.models import Lead, Segment
from khata.team.access import ensure, ensure_active
from khata.team.models import User

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
    save_changes(actor=by, obj=plan, values=cleaned, extra=extra)
    return plan


# ---------------------------------------------------------------- enrolments

def due_after(start: datetime, days: int) -> datetime:
    """When a step falls due: `days` after the previous one (or the enrolment)."""
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
        next_step=steps[0], next_due_at=due_after(now, steps[0].delay_days))
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
        "lead": _related(Lead, _("Choose one of your leads."), by=by, action="change")})
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
def enrolment_exit(*, by: User | None, enrolment: Enrolment, reason: str = ExitReason.MANUAL,
                   message: str = "") -> Enrolment:
    """Take a company out of a plan, with the reason (and a note for its timeline); its open
    step tasks stay as they are."""
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
    record_change(actor=by, obj=enrolment, before=before, message=message)
    return enrolment


def enrolments_settle_merge(*, by: User, survivor: Company, other: Company) -> list[dict]:
    """Before a company merge moves `other`'s enrolments to `survivor`: a plan both run (or
    hold paused) keeps the survivor's enrolment, and `other`'s is exited (a company runs a
    plan once). Runs inside the merge's transaction; returns how each exited one stood, for
    `enrolments_revive_unmerged` (kept with the merge)."""
    running = [EnrolmentStatus.ACTIVE, EnrolmentStatus.PAUSED]
    plans = Enrolment.objects.filter(company=survivor, status__in=running).values("plan_id")
    clashing = list(Enrolment.objects.filter(company=other, status__in=running,
                                             plan_id__in=plans))
    stood = [snapshot(enrolment, ["status", "next_step", "next_due_at", "paused_at"])
             | {"id": enrolment.pk} for enrolment in clashing]
    for enrolment in clashing:
        enrolment_exit(by=by, enrolment=enrolment, reason=ExitReason.MERGED,
                       message=_("merged into %(name)s, already in this plan")
                       % {"name": survivor.display_name})
    return stood


def enrolments_revive_unmerged(*, by: User, survivor: Company, other: Company,
                               settled: list[dict] | None) -> int:
    """When a merge is undone: `other`'s enrolments that the merge exited run again as they
    stood (a step that fell due meanwhile is due now), unless they were changed since, the
    plan was retired or it runs for `other` again. Inside the undo's transaction; returns how
    many."""
    revived = 0
    for stood in settled or []:
        enrolment = Enrolment.objects.select_for_update(of=("self",)).select_related(
            "plan").filter(pk=stood["id"], company=other, status=EnrolmentStatus.EXITED,
            exit_reason=ExitReason.MERGED).first()
        if enrolment is None or not enrolment.plan.is_active or Enrolment.objects.filter(
                plan_id=enrolment.plan_id, company=other,
                status__in=[EnrolmentStatus.ACTIVE, EnrolmentStatus.PAUSED]).exists():
            continue
        ensure(by, "change", enrolment)
        before = snapshot(enrolment, ["status", "exit_reason", "next_step", "next_due_at",
                                      "paused_at", "ended_at"])
        now = timezone.now()
        due = parse_datetime(stood["next_due_at"]) if stood["next_due_at"] else None
        enrolment.status, enrolment.exit_reason = stood["status"], ""
        enrolment.next_step_id = stood["next_step"]
        enrolment.next_due_at = max(due, now) if due is not None else None
        enrolment.paused_at = parse_datetime(stood["paused_at"]) if stood["paused_at"] else None
        enrolment.ended_at = None
        enrolment.save()
        record_change(actor=by, obj=enrolment, before=before,
                      message=_("back in the plan: the merge with %(name)s was undone")
                      % {"name": survivor.display_name})
        revived += 1
    return revived
