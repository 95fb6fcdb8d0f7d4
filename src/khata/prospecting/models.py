"""Prospecting: search methods, the leads they find, why leads are dropped, and segments."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from khata.clients.choices import SizeTier
from khata.core.models import TimeStampedModel
from khata.prospecting.choices import FigureDimension, LeadStatus, MethodKind, Routing


class SearchMethod(TimeStampedModel):
    """A way of finding clients (a fair, a purchased list, referrals…) with what it cost, so
    its figures can show whether it pays off. Every manager reads every method; its owner
    and the head change it."""

    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=MethodKind.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="search_methods", verbose_name=_("owner"))
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("until"), null=True, blank=True)
    cost = models.DecimalField(_("cost"), max_digits=14, decimal_places=2, default=Decimal("0"),
                               validators=[MinValueValidator(Decimal("0"))])
    currency = models.CharField(_("currency"), max_length=3, default="INR")
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    # The public web-to-lead form of this method (kind "web form" or any other).
    form_enabled = models.BooleanField(_("public web form"), default=False)
    routing = models.CharField(_("who gets the form's leads"), max_length=20,
                               choices=Routing.choices, default=Routing.OWNER)
    routing_managers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                              related_name="+",
                                              verbose_name=_("managers in the rotation"))
    routing_regions = models.JSONField(_("region → manager id"), default=dict, blank=True)
    routing_next = models.PositiveIntegerField(default=0, editable=False)

    access_scope = "shared"  # everyone reads; the owner (and the head) change it
    access_owner_path = "owner"
    access_shared_create = True
    access_handover_field = "owner"

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("search method")
        constraints = [models.UniqueConstraint(models.functions.Lower("name"),
                                               name="search_method_name_unique")]

    def __str__(self) -> str:
        return self.name


class DisqualifyReason(models.Model):
    """Why a lead was dropped (a managed list: no budget, wrong size, competitor…)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_active = models.BooleanField(_("in use"), default=True)

    access_scope = "shared"

    class Meta:
        ordering = ["name"]
        verbose_name = _("disqualification reason")

    def __str__(self) -> str:
        return self.name


class Lead(TimeStampedModel):
    """An unqualified prospect a search method found: who, how to reach them, what they need.

    Qualifying it makes (or joins) a company and a contact in the client database."""

    search_method = models.ForeignKey(SearchMethod, on_delete=models.PROTECT,
                                      related_name="leads", verbose_name=_("search method"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="leads", verbose_name=_("owner"))
    company_name = models.CharField(_("company"), max_length=200)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    website = models.URLField(_("website"), max_length=300, blank=True)
    domain = models.CharField(_("web domain"), max_length=253, blank=True, editable=False)
    country = models.CharField(_("country"), max_length=2, blank=True)
    region = models.CharField(_("region / state"), max_length=100, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    industry = models.ForeignKey("clients.Industry", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("industry"))
    size_tier = models.CharField(_("size"), max_length=20, blank=True, choices=SizeTier.choices)
    needs = models.ManyToManyField("clients.Need", blank=True, related_name="leads",
                                   verbose_name=_("needs"))
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=LeadStatus.choices,
                              default=LeadStatus.NEW)
    disqualify_reason = models.ForeignKey(DisqualifyReason, null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="leads",
                                          verbose_name=_("why dropped"))
    # Set at intake when the lead looks like a company already in the database.
    matches_company = models.ForeignKey("clients.Company", null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+",
                                        verbose_name=_("looks like"))
    company = models.ForeignKey("clients.Company", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="leads",
                                verbose_name=_("qualified into"))
    contact = models.ForeignKey("clients.Contact", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+",
                                verbose_name=_("contact"))
    closed_at = models.DateTimeField(_("qualified or dropped"), null=True, blank=True)
    # A web-form lead sent during a burst of submissions: kept, but someone checks that it is
    # genuine before working it (lead_release, or disqualify it as spam).
    held = models.BooleanField(_("held for review"), default=False)

    access_owner_path = "owner"
    access_portfolio = True
    access_handover_field = "owner"
    access_handover_split_fields = ("region", "country", "industry")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lead")
        indexes = [
            models.Index(fields=["owner", "status", "-created_at"], name="lead_owner_status_idx"),
            models.Index(fields=["search_method", "status"], name="lead_method_status_idx"),
            models.Index(fields=["email"], name="lead_email_idx"),
            models.Index(fields=["domain"], name="lead_domain_idx"),
            models.Index(fields=["owner", "-created_at"], condition=models.Q(held=True),
                         name="lead_held_idx"),
        ]

    def __str__(self) -> str:
        return self.company_name


class Segment(TimeStampedModel):
    """A named group of companies defined by rules over their fields (no code, no SQL):
    what campaigns and contact plans target. Members are computed when asked."""

    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="segments", verbose_name=_("owner"))
    rules = models.JSONField(_("rules"), default=dict)

    access_scope = "shared"  # the team shares segments; the owner and the head change them
    access_owner_path = "owner"
    access_shared_create = True
    access_handover_field = "owner"

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("segment")

    def __str__(self) -> str:
        return self.name


class SegmentCount(models.Model):
    """A segment's member count at one moment (its history, for the trend)."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="counts")
    at = models.DateTimeField(_("when"), auto_now_add=True)
    count = models.PositiveIntegerField(_("members"))

    access_scope = "shared"

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["segment", "-at"], name="segment_count_idx")]

    def __str__(self) -> str:
        return f"{self.segment_id}: {self.count} at {self.at:%Y-%m-%d %H:%M}"


class FigureRun(models.Model):
    """One refresh of the stored figures (prospecting/figures_services.py): when it ran and
    how long it took, so the pages can say "figures as of 10:05 (12 minutes ago)"."""

    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"))
    seconds = models.FloatField(_("seconds taken"))
    rows = models.PositiveIntegerField(_("figures stored"), default=0)

    access_scope = "shared"  # when the figures were counted is the same for everyone

    class Meta:
        ordering = ["-finished_at", "-id"]
        verbose_name = _("figures refresh")

    def __str__(self) -> str:
        return f"figures {self.finished_at:%Y-%m-%d %H:%M} ({self.seconds:.1f} s)"


class AudienceFigure(models.Model):
    """Pre-counted figures of one manager's portfolio for one value of a dimension (an
    industry section, a size, a need, a region, a segment, a search method, a month), as of
    the last refresh. The analysis pages add up the rows of the owners the user may see
    (team.access.owners_in_reach) instead of counting a million companies per request."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="+", verbose_name=_("owner"))
    dimension = models.CharField(_("counted by"), max_length=20,
                                 choices=FigureDimension.choices)
    key = models.CharField(_("value"), max_length=150)
    # Companies (audience dimensions and segments).
    total = models.PositiveIntegerField(_("companies"), default=0)
    prospects = models.PositiveIntegerField(_("prospects"), default=0)
    clients = models.PositiveIntegerField(_("clients"), default=0)
    former = models.PositiveIntegerField(_("former clients"), default=0)
    # Leads (search methods and months).
    leads = models.PositiveIntegerField(_("leads"), default=0)
    qualified = models.PositiveIntegerField(_("qualified"), default=0)
    disqualified = models.PositiveIntegerField(_("dropped"), default=0)
    converted = models.PositiveIntegerField(_("became clients"), default=0)
    # Time from intake to qualification, summed over `timed` qualified leads (for an average
    # over any set of owners).
    qualify_seconds = models.FloatField(_("seconds to qualify, summed"), default=0)
    timed = models.PositiveIntegerField(_("qualified leads timed"), default=0)
    # When the counting began (a figure is at least as fresh as this).
    counted_at = models.DateTimeField(_("counted"))

    # No access path: read only through team.access.owners_in_reach (figures_selectors).

    class Meta:
        ordering = ["dimension", "key", "owner"]
        verbose_name = _("audience figure")
        indexes = [models.Index(fields=["dimension", "key"], name="figure_dimension_idx")]

    def __str__(self) -> str:
        return f"{self.dimension}:{self.key} @ {self.owner_id}"


class FitModel(models.Model):
    """One training of the ideal-client fit: which attributes won clients share, learned from
    the whole client database (prospecting/fit.py), and what it was learned from."""

    trained_at = models.DateTimeField(_("trained"), auto_now_add=True)
    companies = models.PositiveIntegerField(_("companies learned from"))
    won = models.PositiveIntegerField(_("won (clients and former clients)"))
    not_won = models.PositiveIntegerField(_("not won (old prospects)"))
    base_rate = models.FloatField(_("share won"))
    intercept = models.FloatField(_("starting log-odds"))
    # Feature key ("industry:62", "need:7") → its weight in log-odds, and what it says in words.
    weights = models.JSONField(_("weights"), default=dict)
    labels = models.JSONField(_("feature labels"), default=dict)
    # A digest of the training rows: retraining on the same data reuses this model.
    fingerprint = models.CharField(max_length=64, db_index=True)

    access_scope = "shared"  # what the team's history teaches is the same for everyone

    class Meta:
        ordering = ["-trained_at", "-id"]
        verbose_name = _("fit model")

    def __str__(self) -> str:
        return f"fit {self.trained_at:%Y-%m-%d %H:%M} ({self.won}/{self.companies})"


class FitScore(models.Model):
    """How well one company fits the clients we have won (0–100), with the attributes that
    raised or lowered it; recomputed by the nightly fit run."""

    company = models.OneToOneField("clients.Company", on_delete=models.CASCADE,
                                   related_name="fit", verbose_name=_("company"))
    model = models.ForeignKey(FitModel, on_delete=models.CASCADE, related_name="scores",
                              verbose_name=_("fit model"))
    score = models.PositiveSmallIntegerField(_("fit"))
    baseline = models.PositiveSmallIntegerField(_("starting point"))
    factors = models.JSONField(_("what raised or lowered it"), default=list)
    computed_at = models.DateTimeField(_("computed"))

    access_owner_path = "company__owner"
    access_portfolio = True  # a substitute holds it; colleagues may read it
    access_live_path = "company__deleted_at"  # hidden with a deleted company

    class Meta:
        ordering = ["-score", "company_id"]
        verbose_name = _("fit score")
        indexes = [models.Index(fields=["-score", "company"], name="fit_score_rank_idx")]

    def __str__(self) -> str:
        return f"{self.company_id}: {self.score}"
