"""Roles and other fixed vocabularies of the team app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a person is in the company; the access layer decides rights from it."""

    HEAD = "head", _("Head of the company")
    MANAGER = "manager", _("Account manager")
