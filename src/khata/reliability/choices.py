"""Choices of the reliability app (labels translatable; values match the scoring core)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Band(models.TextChoices):
    """Reliability band, best first (the meaning of each is in scoring/assessment.py)."""

    A = "A", _("A: very reliable")
    B = "B", _("B: reliable")
    C = "C", _("C: acceptable, watch payments")
    D = "D", _("D: weak, secure the sale")
    E = "E", _("E: do not extend credit")


class StatementSource(models.TextChoices):
    """Where a financial statement's figures came from."""

    ENTERED = "entered", _("Entered by hand")
    IMPORTED = "imported", _("Imported from a file")
    API = "api", _("Sent through the API")
    REGISTRY = "registry", _("Company registry filing")
    DEMO = "demo", _("Demo data")


class RegistryStatus(models.TextChoices):
    """What the company registry says (values of scoring.checklist.RegistryStatus)."""

    ACTIVE = "active", _("Active")
    STRUCK_OFF = "struck_off", _("Struck off")
    IN_LIQUIDATION = "in_liquidation", _("In liquidation")
    UNKNOWN = "unknown", _("Unknown")


class References(models.TextChoices):
    """What the trade references said (values of scoring.checklist.References)."""

    NOT_CHECKED = "not_checked", _("Not checked")
    GOOD = "good", _("Good")
    POOR = "poor", _("Poor")


class Method(models.TextChoices):
    """How an assessment's probability was computed."""

    RULES = "rules", _("Documented rules")
    LEARNED = "learned", _("Learned model")


class Variant(models.TextChoices):
    """The Altman Z-score variant used (values of scoring.altman.Variant); empty: no statement."""

    Z = "z", _("Z (public manufacturers)")
    Z_PRIME = "z_prime", _("Z′ (private manufacturers)")
    Z_DOUBLE_PRIME = "z_double_prime", _("Z″ (non-manufacturers)")
    Z_DOUBLE_PRIME_EM = "z_double_prime_em", _("Z″ emerging market")
