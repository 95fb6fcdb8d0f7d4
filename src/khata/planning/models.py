"""Planning: activities with clients, tasks, contact plans (cadences) and calendar feeds."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from khata.core.models import TimeStampedModel
from khata.planning.choices import (
    ActivityKind,
    ActivityStatus,
    Direction,
    EnrolmentStatus,
    ExitReason,
    Priority,
    StepChannel,
    TaskStatus,
)

MAX_DURATION_MINUTES = 7 * 24 * 60
MAX_DELAY_DAYS = 365


class Activity(TimeStampedModel):
    """A contact with a client — a call, an e-mail, a meeting… — planned or done, with who
    took part, what came of it and what happens next. It belongs to the company's timeline."""

    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    status = models.CharField(_("status"), max_length=20, choices=ActivityStatus.choices,
                              default=ActivityStatus.DONE)
    direction = models.CharField(_("who reached out"), max_length=10, choices=Direction.choices,
                                 default=Direction.OUTBOUND)
    subject = models.CharField(_("subject"), max_length=200)
    starts_at = models.DateTimeField(_("when"))
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), default=30,
        validators=[MaxValueValidator(MAX_DURATION_MINUTES)])
    location = models.CharField(_("where"), max_length=200, blank=True)
    company = models.ForeignKey("clients.Company", on_delete=models.CASCADE,
                                related_name="activities", verbose_name=_("company"))
    contact = models.ForeignKey("clients.Contact", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="activities",
                                verbose_name=_("contact"))
    lead = models.ForeignKey("prospecting.Lead", null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="activities",
                             verbose_name=_("lead"))
    contacts = models.ManyToManyField("clients.Contact", blank=True, related_name="+",
                                      verbose_name=_("participants"))
    colleagues = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                        related_name="activities_joined",
                                        verbose_name=_("colleagues taking part"))
    outcome = models.TextField(_("outcome"), blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("logged by"))

    access_owner_path = "company__owner"
    access_portfolio = True  # a substitute holds it; colleagues may read it
    access_live_path = "company__deleted_at"

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["company", "-starts_at"], name="activity_company_idx"),
            models.Index(fields=["starts_at", "id"], name="activity_start_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"


class ContactPlan(TimeStampedModel):
    """A reusable contact scheme (a cadence): ordered steps by e-mail, call, meeting or fax,
    each some days after the one before. A manager's own, held by their substitute too."""

    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="contact_plans", verbose_name=_("owner"))
    is_active = models.BooleanField(_("in use"), default=True)

    access_owner_path = "owner"
    access_portfolio = True  # a substitute enrols the absent manager's companies with it
    access_handover_field = "owner"

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("contact plan")

    def __str__(self) -> str:
        return self.name


class PlanStep(models.Model):
    """One step of a contact plan: how, how many days after the previous step, and what to
    do (or say: an optional message template)."""

    plan = models.ForeignKey(ContactPlan, on_delete=models.CASCADE, related_name="steps",
                             verbose_name=_("plan"))
    order = models.PositiveSmallIntegerField(_("order"))
    channel = models.CharField(_("channel"), max_length=10, choices=StepChannel.choices)
    delay_days = models.PositiveSmallIntegerField(
        _("days after the previous step"), default=0,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_DELAY_DAYS)])
    instructions = models.CharField(_("instructions"), max_length=500, blank=True)
    message_template = models.TextField(_("message template"), blank=True)

    access_owner_path = "plan__owner"
    access_portfolio = True

    class Meta:
        ordering = ["plan", "order"]
        verbose_name = _("plan step")
        constraints = [models.UniqueConstraint(fields=["plan", "order"],
                                               name="plan_step_order_unique")]

    def __str__(self) -> str:
        return f"{self.order}. {self.get_channel_display()}"


class Enrolment(TimeStampedModel):
    """One company (optionally one contact) going through a contact plan: where it stands
    and when its next step is due."""

    plan = models.ForeignKey(ContactPlan, on_delete=models.PROTECT, related_name="enrolments",
                             verbose_name=_("plan"))
    company = models.ForeignKey("clients.Company", on_delete=models.CASCADE,
                                related_name="enrolments", verbose_name=_("company"))
    contact = models.ForeignKey("clients.Contact", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+",
                                verbose_name=_("contact"))
    lead = models.ForeignKey("prospecting.Lead", null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("lead"))
    status = models.CharField(_("status"), max_length=10, choices=EnrolmentStatus.choices,
                              default=EnrolmentStatus.ACTIVE)
    exit_reason = models.CharField(_("why it left"), max_length=20, blank=True,
                                   choices=ExitReason.choices)
    next_step = models.ForeignKey(PlanStep, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("next step"))
    next_due_at = models.DateTimeField(_("next step due"), null=True, blank=True)
    enrolled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    paused_at = models.DateTimeField(_("paused"), null=True, blank=True)
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True)
    meeting_at = models.DateTimeField(_("meeting booked"), null=True, blank=True)
    ended_at = models.DateTimeField(_("completed or exited"), null=True, blank=True)

    access_owner_path = "company__owner"
    access_portfolio = True
    access_live_path = "company__deleted_at"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("enrolment")
        constraints = [models.UniqueConstraint(
            fields=["plan", "company"], condition=Q(status__in=["active", "paused"]),
            name="enrolment_one_running_per_company")]
        indexes = [
            models.Index(fields=["status", "next_due_at"], name="enrolment_due_idx"),
            models.Index(fields=["company", "status"], name="enrolment_company_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.company_id} in {self.plan_id} ({self.status})"


class Task(TimeStampedModel):
    """Something a person has to do by a time: by hand, or a contact-plan step come due."""

    title = models.CharField(_("title"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    due_at = models.DateTimeField(_("due"))
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices,
                                default=Priority.NORMAL)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="tasks", verbose_name=_("assignee"))
    status = models.CharField(_("status"), max_length=10, choices=TaskStatus.choices,
                              default=TaskStatus.OPEN)
    company = models.ForeignKey("clients.Company", null=True, blank=True,
                                on_delete=models.CASCADE, related_name="tasks",
                                verbose_name=_("company"))
    contact = models.ForeignKey("clients.Contact", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+",
                                verbose_name=_("contact"))
    lead = models.ForeignKey("prospecting.Lead", null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("lead"))
    enrolment = models.ForeignKey(Enrolment, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="tasks", verbose_name=_("plan enrolment"))
    step = models.ForeignKey(PlanStep, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="tasks", verbose_name=_("plan step"))
    # Idempotency: a plan step's task carries "enrolment:<id>:step:<id>", made at most once.
    key = models.CharField(max_length=80, null=True, blank=True, unique=True, editable=False)
    snoozed_count = models.PositiveSmallIntegerField(_("times snoozed"), default=0)
    closed_at = models.DateTimeField(_("done or skipped"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    # The assignee's, and the company owner's when it is about a company.
    access_owner_path = ("assignee", "company__owner")
    access_portfolio = True
    access_handover_field = "assignee"

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("task")
        indexes = [
            models.Index(fields=["assignee", "status", "due_at"], name="task_assignee_due_idx"),
            models.Index(fields=["company", "status"], name="task_company_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class CalendarFeed(TimeStampedModel):
    """A secret address at which a calendar app reads the user's activities and tasks
    (iCalendar, RFC 5545); only a hash of the secret is kept, and it can be revoked."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="calendar_feeds", verbose_name=_("user"))
    prefix = models.CharField(max_length=16, unique=True)  # shown, so the user knows which
    digest = models.CharField(max_length=64, unique=True)  # sha256 of the whole secret
    last_used_at = models.DateTimeField(_("last read"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    access_owner_path = "user"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("calendar feed")

    def __str__(self) -> str:
        return f"{self.prefix}…"
