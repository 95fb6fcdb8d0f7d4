"""The periodic plan job: due plan steps become tasks, enrolments move on, exit or complete.

Set-based (issue 6: 100,000 enrolments in ≤ 60 s): due enrolments are taken a batch at a time,
each batch in one transaction with a fixed number of queries whatever its size — the batch
(locked, so two runs never take the same rows), its plans' steps (once per run), the consent
withdrawn by its companies and contacts, the step tasks already made, then bulk inserts of
the new tasks and change-log entries and a bulk update of the enrolments."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from khata.clients.choices import Lifecycle
from khata.clients.models import Company
from khata.clients.selectors import channels_withdrawn_many
from khata.core.changelog import changes_since, record_changes, snapshot
from khata.core.choices import ChangeAction
from khata.planning.choices import CONSENT_CHANNEL, EnrolmentStatus, ExitReason
from khata.planning.models import ContactPlan, Enrolment, PlanStep, Task
from khata.planning.services.plans import due_after
from khata.prospecting.choices import LeadStatus

BATCH = 1000
# What the job changes on an enrolment (and records in the change log).
MOVED_FIELDS = ["status", "exit_reason", "next_step", "next_due_at", "ended_at"]
# What the job reads of a due enrolment, its company and its lead (a company row is wide).
BATCH_FIELDS = ["plan", "company", "contact", "lead", *MOVED_FIELDS, "company__display_name",
                "company__lifecycle", "company__owner", "company__deleted_at", "lead__status"]
# What the change log says about a step's new task.
TASK_LOGGED_FIELDS = ["title", "due_at", "assignee", "company"]


def step_task_key(enrolment_id: int, step_id: int) -> str:
    return f"enrolment:{enrolment_id}:step:{step_id}"


def _standing_exit(enrolment: Enrolment) -> str | None:
    """A reason to leave the plan whatever the step: the company is gone, blocked or a client
    now, or the lead it came from was disqualified."""
    company = enrolment.company
    if company.deleted_at is not None or company.lifecycle == Lifecycle.BLOCKED:
        return ExitReason.BLOCKED
    if company.lifecycle == Lifecycle.CLIENT:
        return ExitReason.BECAME_CLIENT
    if enrolment.lead is not None and enrolment.lead.status == LeadStatus.DISQUALIFIED:
        return ExitReason.DISQUALIFIED
    return None


class _Titles:
    """Titles of step tasks: "Call Acme Ltd — Winter outreach, step 2". The wording and each
    step's channel name are looked up once per batch, not once per task (a tenth of the job's
    time went to translating channel names)."""

    def __init__(self, plans: "_PlanSteps") -> None:
        self.wording = _("%(channel)s %(company)s — %(plan)s, step %(order)s")
        self.plans = plans
        self.steps: dict[tuple[int, int], dict] = {}

    def __call__(self, step: PlanStep, plan_id: int, company: Company) -> str:
        known = self.steps.get((step.pk, plan_id))
        if known is None:
            known = self.steps[step.pk, plan_id] = {
                "channel": str(step.get_channel_display()),
                "plan": str(self.plans.plans[plan_id]), "order": step.order}
        return (self.wording % {**known, "company": company})[:200]


@dataclass
class AdvanceResult:
    """What one run of the plan job did."""

    tasks: int = 0
    completed: int = 0
    exited: int = 0
    enrolments: int = 0


class _PlanSteps:
    """The plans of a run and their steps in order, each read once per run."""

    def __init__(self) -> None:
        self.plans: dict[int, ContactPlan] = {}
        self.ordered: dict[int, list[PlanStep]] = {}
        self.steps: dict[int, PlanStep] = {}

    def load(self, enrolments: list[Enrolment]) -> None:
        missing = {enrolment.plan_id for enrolment in enrolments} - self.plans.keys()
        if missing:
            self.plans.update(ContactPlan.objects.in_bulk(missing))
            for step in PlanStep.objects.filter(plan_id__in=missing).order_by("plan_id",
                                                                               "order"):
                self.ordered.setdefault(step.plan_id, []).append(step)
                self.steps[step.pk] = step
        strays = {enrolment.next_step_id for enrolment in enrolments} - self.steps.keys()
        strays.discard(None)
        if strays:  # a step of another plan: not made by our services, but keep going
            self.steps.update(PlanStep.objects.in_bulk(strays))

    def after(self, step: PlanStep) -> PlanStep | None:
        later = [candidate for candidate in self.ordered.get(step.plan_id, [])
                 if candidate.order > step.order]
        return later[0] if later else None


def _advance_batch(*, after_id: int, now: datetime, size: int, plans: _PlanSteps,
                   result: AdvanceResult) -> int | None:
    """Advance the next batch of due enrolments (by id after `after_id`) in one transaction;
    returns the last id looked at, or None when nothing is due any more."""
    with transaction.atomic():
        # Rows another run holds are skipped: that run advances them (PostgreSQL; SQLite
        # lets one writer in at a time anyway).
        enrolments = list(Enrolment.objects.select_for_update(skip_locked=True, of=("self",))
                          .select_related("company", "lead").only(*BATCH_FIELDS)
                          .filter(status=EnrolmentStatus.ACTIVE, next_due_at__lte=now,
                                  pk__gt=after_id)
                          .order_by("pk")[:size])
        if not enrolments:
            return None
        plans.load(enrolments)
        by_company, by_contact = channels_withdrawn_many(
            company_ids=[e.company_id for e in enrolments if e.contact_id is None],
            contact_ids=[e.contact_id for e in enrolments if e.contact_id is not None])
        made = set(Task.objects.filter(enrolment_id__gt=after_id,
                                       enrolment_id__lte=enrolments[-1].pk,
                                       key__isnull=False).values_list("key", flat=True))
        tasks: list[Task] = []
        title = _Titles(plans)
        moved: list[tuple[Enrolment, dict, int]] = []  # with its changes and days moved
        for enrolment in enrolments:
            result.enrolments += 1
            before = snapshot(enrolment, MOVED_FIELDS)
            shift = 0  # days the next step moved by (a missed run walks several steps)
            standing = _standing_exit(enrolment)
            withdrawn = (by_contact.get(enrolment.contact_id, set()) if enrolment.contact_id
                         else by_company.get(enrolment.company_id, set()))
            # A missed run is caught up: every step due by now gets its task, in order.
            while enrolment.next_step_id is not None and enrolment.next_due_at <= now:
                step = plans.steps[enrolment.next_step_id]
                reason = standing or (ExitReason.OPTED_OUT
                                      if CONSENT_CHANNEL.get(step.channel) in withdrawn
                                      else None)
                if reason is not None:
                    enrolment.status, enrolment.exit_reason = EnrolmentStatus.EXITED, reason
                    enrolment.next_step, enrolment.next_due_at = None, None
                    enrolment.ended_at = now
                    result.exited += 1
                    break
                key = step_task_key(enrolment.pk, step.pk)
                if key not in made:
                    company = enrolment.company
                    tasks.append(Task(
                        key=key, title=title(step, enrolment.plan_id, company),
                        notes="\n\n".join(part for part in [step.instructions,
                                                            step.message_template] if part),
                        due_at=enrolment.next_due_at, assignee_id=company.owner_id,
                        company=company, contact_id=enrolment.contact_id,
                        lead_id=enrolment.lead_id, enrolment=enrolment, step=step))
                    made.add(key)
                    result.tasks += 1
                following = plans.after(step)
                if following is not None:
                    enrolment.next_step = following
                    enrolment.next_due_at = due_after(enrolment.next_due_at,
                                                       following.delay_days)
                    shift += following.delay_days
                else:
                    enrolment.status = EnrolmentStatus.COMPLETED
                    enrolment.next_step, enrolment.next_due_at = None, None
                    enrolment.ended_at = now
                    result.completed += 1
            changes = changes_since(enrolment, before)
            if changes:
                moved.append((enrolment, changes, shift))
        Task.objects.bulk_create(tasks)
        record_changes(actor=None, message=_("contact plan step came due"), entries=(
            (task, ChangeAction.CREATE,
             {name: [None, value] for name, value in snapshot(task, TASK_LOGGED_FIELDS).items()})
            for task in tasks))
        record_changes(actor=None, entries=((enrolment, ChangeAction.UPDATE, changes)
                                            for enrolment, changes, _shift in moved))
        _save_moves(moved)
        return enrolments[-1].pk


def _save_moves(moved: list[tuple[Enrolment, dict, int]]) -> None:
    """Write the enrolments' new state in a few UPDATEs, one per outcome: enrolments that
    ended alike, or moved to the same step by the same number of days (their due times
    differ, so the days are added in SQL). Django's bulk_update writes a CASE per row and
    field, which took two thirds of the job's time (issue 6)."""
    groups: dict[tuple, list[int]] = {}
    for enrolment, _changes, shift in moved:
        running = enrolment.next_due_at is not None
        groups.setdefault((enrolment.status, enrolment.exit_reason, enrolment.ended_at,
                           enrolment.next_step_id, shift if running else None),
                          []).append(enrolment.pk)
    stamp = timezone.now()
    for (status, exit_reason, ended_at, next_step_id, shift), pks in groups.items():
        Enrolment.objects.filter(pk__in=pks).update(
            status=status, exit_reason=exit_reason, ended_at=ended_at, next_step_id=next_step_id,
            next_due_at=None if shift is None else F("next_due_at") + timedelta(days=shift),
            updated_at=stamp)


def plans_advance(*, now: datetime | None = None, batch: int = BATCH) -> AdvanceResult:
    """Create the task of every plan step due by `now` and move each enrolment on; exits
    those whose company became a client, was blocked or deleted, whose lead was dropped, or
    whose contact opted out of the step's channel. Idempotent: a second run creates nothing
    twice (task keys), and a missed run is caught up step by step. Works in batches of
    `batch` enrolments, each batch one transaction."""
    now = now or timezone.now()
    result, plans = AdvanceResult(), _PlanSteps()
    after_id: int | None = 0
    while after_id is not None:
        after_id = _advance_batch(after_id=after_id, now=now, size=batch, plans=plans,
                                  result=result)
    return result
