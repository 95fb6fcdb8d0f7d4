"""Vocabularies of the client database."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Lifecycle(models.TextChoices):
    """Where the company stands with us."""

    PROSPECT = "prospect", _("Prospect")
    CLIENT = "client", _("Client")
    FORMER = "former", _("Former client")
    BLOCKED = "blocked", _("Blocked")  # do not contact or sell (fraud, legal, own request)


class SizeTier(models.TextChoices):
    """Size by head count (the EU/OECD bands, which Indian MSME rules roughly follow)."""

    MICRO = "micro", _("Micro (1–9)")
    SMALL = "small", _("Small (10–49)")
    MEDIUM = "medium", _("Medium (50–249)")
    LARGE = "large", _("Large (250–999)")
    ENTERPRISE = "enterprise", _("Enterprise (1,000+)")


class RevenueBand(models.TextChoices):
    """Yearly revenue, in US dollar equivalents so international clients compare."""

    UNDER_1M = "lt1m", _("under $1 M")
    UP_TO_10M = "1m-10m", _("$1–10 M")
    UP_TO_50M = "10m-50m", _("$10–50 M")
    UP_TO_250M = "50m-250m", _("$50–250 M")
    OVER_250M = "gt250m", _("over $250 M")


class TaxScheme(models.TextChoices):
    """Which tax or registration number a company gave; each is checked with python-stdnum."""

    GSTIN = "in_gstin", _("India GSTIN")
    PAN = "in_pan", _("India PAN")
    EU_VAT = "eu_vat", _("EU VAT number")
    GB_VAT = "gb_vat", _("UK VAT number")
    US_EIN = "us_ein", _("US EIN")
    OTHER = "other", _("Other (not checked)")


class BuyingRole(models.TextChoices):
    """The contact's part in a buying decision."""

    DECISION_MAKER = "decision_maker", _("Decision maker")
    ECONOMIC_BUYER = "economic_buyer", _("Economic buyer (signs off the budget)")
    INFLUENCER = "influencer", _("Influencer")
    CHAMPION = "champion", _("Champion")
    USER = "user", _("User")
    GATEKEEPER = "gatekeeper", _("Gatekeeper")
    OTHER = "other", _("Other")


class Channel(models.TextChoices):
    """Ways to reach a contact; consent is kept per channel."""

    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    FAX = "fax", _("Fax")


class PreferredChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    FAX = "fax", _("Fax")
    MEETING = "meeting", _("In person")
    POST = "post", _("Post")


class ConsentStatus(models.TextChoices):
    GRANTED = "granted", _("Given")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ConsentMethod(models.TextChoices):
    """How consent was given or withdrawn (the evidence a regulator asks for)."""

    WEB_FORM = "web_form", _("Web form")
    EMAIL = "email", _("By e-mail")
    PHONE = "phone", _("On the phone")
    IN_PERSON = "in_person", _("In person")
    CONTRACT = "contract", _("In the contract")
    IMPORT = "import", _("Imported with the record")
    UNSUBSCRIBE = "unsubscribe", _("Unsubscribe link")


class AddressKind(models.TextChoices):
    OFFICE = "office", _("Office")
    BILLING = "billing", _("Billing")
    SHIPPING = "shipping", _("Shipping")
    HOME = "home", _("Home")
    OTHER = "other", _("Other")
