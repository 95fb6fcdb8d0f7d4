"""Roles and other fixed vocabularies of the team app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a person is in the company; the access layer decides rights from it."""

    HEAD = "head", _("Head of the company")
    MANAGER = "manager", _("Account manager")


class AbsenceReason(models.TextChoices):
    """Why a manager is away; shown to colleagues and on the team page."""

    ILLNESS = "illness", _("Illness")
    VACATION = "vacation", _("Vacation")
    BUSINESS_TRIP = "business_trip", _("Business trip")
    OTHER = "other", _("Other")


class AppointmentKind(models.TextChoices):
    """What the head did to a person's place in the team."""

    APPOINTED = "appointed", _("Appointed")
    DISMISSED = "dismissed", _("Dismissed")
    PORTFOLIO = "portfolio", _("Portfolio assigned")
