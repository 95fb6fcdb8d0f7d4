"""Fixed vocabularies of planning: kinds of activity, task states, plan channels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityKind(models.TextChoices):
    """What kind of contact with a client an activity was (or will be)."""

    CALL = "call", _("Call")
    EMAIL = "email", _("E-mail")
    MEETING = "meeting", _("Meeting")
    FAX = "fax", _("Fax")
    PRESENTATION = "presentation", _("Presentation")
    VISIT = "visit", _("Visit")
    NOTE = "note", _("Note")


class ActivityStatus(models.TextChoices):
    """Planned for later, or already happened."""

    SCHEDULED = "scheduled", _("Scheduled")
    DONE = "done", _("Done")


class Direction(models.TextChoices):
    """Who reached out: we did, or the client did (a reply pauses the company's plans)."""

    OUTBOUND = "outbound", _("We reached out")
    INBOUND = "inbound", _("They replied or reached out")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    SKIPPED = "skipped", _("Skipped")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")


class StepChannel(models.TextChoices):
    """How a plan step reaches the client; e-mail, call and fax need the contact's consent."""

    EMAIL = "email", _("E-mail")
    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")
    FAX = "fax", _("Fax")
    TASK = "task", _("Other task")


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    COMPLETED = "completed", _("Completed")
    EXITED = "exited", _("Exited")


class ExitReason(models.TextChoices):
    """Why a company left a plan before its last step."""

    BECAME_CLIENT = "became_client", _("Became a client")
    DISQUALIFIED = "disqualified", _("Lead disqualified")
    OPTED_OUT = "opted_out", _("Opted out of the step's channel")
    BLOCKED = "blocked", _("Company blocked")
    MANUAL = "manual", _("Taken out by hand")
    MERGED = "merged", _("Company merged into one already in the plan")


# The consent channel (clients.choices.Channel) each plan channel needs; others need none.
CONSENT_CHANNEL = {StepChannel.EMAIL: "email", StepChannel.CALL: "phone",
                   StepChannel.FAX: "fax"}
