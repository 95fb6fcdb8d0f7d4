"""Choices shared by every app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeAction(models.TextChoices):
    """What happened to a record (or to a session, for the login events)."""

    CREATE = "create", _("created")
    UPDATE = "update", _("updated")
    DELETE = "delete", _("deleted")
    RESTORE = "restore", _("restored")
    LOGIN = "login", _("signed in")
    LOGOUT = "logout", _("signed out")
    LOGIN_FAILED = "login_failed", _("failed to sign in")
    # An action a user would name that is more than a field edit (hand-over, token revoked, …).
    EVENT = "event", _("event")


class TaskStatus(models.TextChoices):
    """Life of one background task run; mirrors django.tasks.TaskResultStatus."""

    READY = "READY", _("Queued")
    RUNNING = "RUNNING", _("Running")
    FAILED = "FAILED", _("Failed")
    SUCCESSFUL = "SUCCESSFUL", _("Done")


class ImportStatus(models.TextChoices):
    """Where an import stands."""

    UPLOADED = "uploaded", _("Waiting for your check")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class DuplicateAction(models.TextChoices):
    """What to do with a row that matches an existing record (or an earlier row)."""

    SKIP = "skip", _("Skip it")
    UPDATE = "update", _("Update the existing record")
    CREATE = "create", _("Create it anyway")
