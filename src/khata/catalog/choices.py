"""Vocabularies of the product catalogue."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.TextChoices):
    """How a product is counted and priced."""

    PIECE = "piece", _("piece")
    HOUR = "hour", _("hour")
    DAY = "day", _("day")
    MONTH = "month", _("month (subscription)")
    YEAR = "year", _("year (subscription)")
    KG = "kg", _("kilogram")
    TONNE = "tonne", _("tonne")
    LITRE = "litre", _("litre")
    METRE = "metre", _("metre")
    LICENCE = "licence", _("licence")
    PROJECT = "project", _("project")
