"""Fixed vocabularies of prospecting: kinds of search method, lead states, segment rules."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MethodKind(models.TextChoices):
    """How a search method finds prospects."""

    REFERRAL = "referral", _("Referral")
    EXHIBITION = "exhibition", _("Exhibition or fair")
    WEB_FORM = "web_form", _("Web form")
    PURCHASED_LIST = "purchased_list", _("Purchased list")
    COLD_OUTREACH = "cold_outreach", _("Cold outreach")
    PARTNER = "partner", _("Partner")
    INBOUND_CALL = "inbound_call", _("Inbound call")
    OTHER = "other", _("Other")


class LeadStatus(models.TextChoices):
    """Where a lead stands: new, being worked, qualified into a company, or dropped."""

    NEW = "new", _("New")
    WORKING = "working", _("Working")
    QUALIFIED = "qualified", _("Qualified")
    DISQUALIFIED = "disqualified", _("Disqualified")


class Routing(models.TextChoices):
    """Who gets the leads a web form creates."""

    OWNER = "owner", _("The method's owner")
    ROUND_ROBIN = "round_robin", _("Round-robin among the chosen managers")
    BY_REGION = "by_region", _("By the region the visitor gives")


class FigureDimension(models.TextChoices):
    """What a stored figure is counted by (see models.AudienceFigure)."""

    INDUSTRY = "industry", _("Focus: industry (ISIC section)")
    SIZE_TIER = "size_tier", _("Level: size")
    NEEDS = "needs", _("Needs")
    REGION = "region", _("Region")
    SEGMENT = "segment", _("Segment")
    METHOD = "method", _("Search method")
    # Leads per month and search method: the key is "YYYY-MM-DD|<method id>".
    MONTH = "month", _("Month and search method")
