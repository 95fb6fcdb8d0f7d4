"""The client database: companies, their contacts, addresses, needs and consent."""

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Coalesce, Lower
from django.utils.translation import gettext_lazy as _

from khata.clients.choices import (
    AddressKind,
    BuyingRole,
    Channel,
    ConsentMethod,
    ConsentStatus,
    Lifecycle,
    PreferredChannel,
    RevenueBand,
    SizeTier,
    TaxScheme,
)
from khata.core.models import TimeStampedModel


class Industry(models.Model):
    """An ISIC Rev. 4 section (A–U) or division (01–99); seeded, shared by everyone."""

    code = models.CharField(_("code"), max_length=4, unique=True)
    name = models.CharField(_("name"), max_length=200)
    section = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="divisions", verbose_name=_("section"))

    access_scope = "shared"  # reference data: every user reads it, the head edits it

    class Meta:
        ordering = ["code"]
        verbose_name = _("industry")
        verbose_name_plural = _("industries")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_section(self) -> bool:
        return self.section_id is None


class Need(TimeStampedModel):
    """Something a client needs (a tag from a vocabulary the managers extend)."""

    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    access_scope = "shared"
    access_shared_create = True  # managers extend the vocabulary; the head tidies it

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="need_name_unique_ci")]
        verbose_name = _("need")

    def __str__(self) -> str:
        return self.name


class LiveManager(models.Manager):
    """Only records that were not (soft-)deleted."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class SoftDeleteModel(TimeStampedModel):
    """A record that is hidden, not destroyed, when deleted, so the deletion can be undone."""

    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True, editable=False)

    objects = LiveManager()
    all_objects = models.Manager()

    class Meta:
        abstract = True
        base_manager_name = "all_objects"


class Company(SoftDeleteModel):
    """An account: a business we sell to or want to, owned by one account manager."""

    display_name = models.CharField(_("name"), max_length=200)
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    registration_number = models.CharField(_("registration number"), max_length=64, blank=True)
    tax_scheme = models.CharField(_("tax number type"), max_length=20, blank=True,
                                  choices=TaxScheme.choices)
    tax_number = models.CharField(_("tax number"), max_length=64, blank=True)
    industry = models.ForeignKey(Industry, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="companies", verbose_name=_("industry"))
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    size_tier = models.CharField(_("size"), max_length=20, blank=True, choices=SizeTier.choices)
    revenue_band = models.CharField(_("revenue"), max_length=20, blank=True,
                                    choices=RevenueBand.choices)
    country = models.CharField(_("country"), max_length=2, blank=True,
                               help_text=_("Two-letter ISO code, e.g. IN, DE, US."))
    region = models.CharField(_("region / state"), max_length=100, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    website = models.URLField(_("website"), max_length=300, blank=True)
    domain = models.CharField(_("web domain"), max_length=253, blank=True, editable=False)
    lifecycle = models.CharField(_("lifecycle"), max_length=20, choices=Lifecycle.choices,
                                 default=Lifecycle.PROSPECT)
    # Its lookups go by the indexes that start with the owner (Meta), not one of its own.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="companies", verbose_name=_("owner"), db_index=False)
    source = models.CharField(_("source"), max_length=100, blank=True,
                              help_text=_("How we found them: referral, exhibition, web form…"))
    needs = models.ManyToManyField(Need, blank=True, related_name="companies",
                                   verbose_name=_("needs"))
    notes = models.TextField(_("notes"), blank=True)
    last_verified_at = models.DateTimeField(_("last verified"), null=True, blank=True)
    # These two are empty on most companies: partial indexes in Meta hold only the others.
    last_verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+",
                                         verbose_name=_("verified by"), db_index=False)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", editable=False,
                                    verbose_name=_("merged into"), db_index=False)

    access_owner_path = "owner"
    access_portfolio = True  # a substitute holds it; colleagues may read it
    # A dismissed manager's companies move to the receivers (team/services.py); the head may
    # split them by one of these fields.
    access_handover_field = "owner"
    access_handover_split_fields = ("region", "country", "industry")

    class Meta:
        ordering = ["display_name", "id"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        indexes = [
            models.Index(fields=["owner", "lifecycle"], name="company_owner_lifecycle_idx"),
            models.Index(fields=["display_name", "id"], name="company_name_idx"),
            # A manager's list in name order: through the name index alone PostgreSQL read
            # 28,000 rows for a page of one portfolio among 500 (100 ms at 1,000,000).
            models.Index(fields=["owner", "display_name", "id"], name="company_owner_name_idx"),
            # Equality (duplicates) and prefix (the search box) alike: domains are stored in
            # lower case, and a pattern index answers LIKE 'x%' whatever the collation.
            models.Index(fields=["domain"], name="company_domain_idx",
                         opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["tax_number"], name="company_tax_idx"),
            models.Index(fields=["last_verified_at"], name="company_verified_idx"),
            # The Today page's "records to verify", oldest first, and its capped counts.
            models.Index(Coalesce("last_verified_at", "created_at"), F("id"),
                         name="company_freshness_idx"),
            models.Index(fields=["country", "region", "city"], name="company_place_idx"),
            # The segment rules used most (issue 5): "industry and region", "lifecycle and
            # size". Without deleted_at: with it (in the key or as a partial index's
            # condition) PostgreSQL preferred these to the trigram indexes for a name search
            # on a small table; the live-company check costs a heap visit per member instead
            # (a 210,000-member count in 0.22 s at 1,000,000 companies).
            models.Index(fields=["region", "industry"], name="company_region_industry_idx"),
            # Also the lifecycle alone (the Today page's counts): a second index on it cost
            # every new company a write for nothing.
            models.Index(fields=["lifecycle", "size_tier"], name="company_lifecycle_size_idx"),
            models.Index(fields=["last_verified_by"], name="company_verified_by_idx",
                         condition=models.Q(last_verified_by__isnull=False)),
            models.Index(fields=["merged_into"], name="company_merged_into_idx",
                         condition=models.Q(merged_into__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.display_name


class Contact(SoftDeleteModel):
    """A person at a company; reached through the channels they consented to."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="contacts",
                                verbose_name=_("company"))
    also_at = models.ManyToManyField(Company, blank=True, related_name="linked_contacts",
                                     verbose_name=_("also works with"))
    name = models.CharField(_("name"), max_length=200)
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    buying_role = models.CharField(_("role in buying"), max_length=20, blank=True,
                                   choices=BuyingRole.choices)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    email_alt = models.EmailField(_("other e-mail"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True,
                             help_text=_("Stored in international form, e.g. +91 98200 12345."))
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    fax = models.CharField(_("fax"), max_length=20, blank=True)
    preferred_channel = models.CharField(_("preferred channel"), max_length=20, blank=True,
                                         choices=PreferredChannel.choices)
    notes = models.TextField(_("notes"), blank=True)

    access_owner_path = "company__owner"
    access_portfolio = True  # a substitute holds it; colleagues may read it
    access_live_path = "company__deleted_at"  # hidden with a deleted company

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("contact")
        indexes = [
            models.Index(fields=["email"], name="contact_email_idx"),
            models.Index(fields=["phone"], name="contact_phone_idx"),
            models.Index(fields=["mobile"], name="contact_mobile_idx"),
            models.Index(fields=["company", "name"], name="contact_company_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Consent(models.Model):
    """One consent event: a contact gave or withdrew permission for a channel, when and how.

    The latest event per channel is the current state; the rest is the evidence trail.
    """

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("consent"), max_length=10, choices=ConsentStatus.choices)
    method = models.CharField(_("how"), max_length=20, choices=ConsentMethod.choices)
    at = models.DateTimeField(_("when"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    access_owner_path = "contact__company__owner"
    access_portfolio = True  # a substitute holds it; colleagues may read it
    access_live_path = ("contact__deleted_at", "contact__company__deleted_at")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["contact", "channel", "-at"], name="consent_current_idx")]
        verbose_name = _("consent")

    def __str__(self) -> str:
        return f"{self.contact} {self.channel} {self.status}"


class Address(TimeStampedModel):
    """A postal address of a company, or of one of its contacts."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="addresses")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="addresses")
    kind = models.CharField(_("kind"), max_length=20, choices=AddressKind.choices,
                            default=AddressKind.OFFICE)
    line1 = models.CharField(_("address"), max_length=200)
    line2 = models.CharField(_("address, line 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("region / state"), max_length=100, blank=True)
    postcode = models.CharField(_("postcode / PIN"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)

    access_owner_path = "company__owner"
    access_portfolio = True  # a substitute holds it; colleagues may read it
    access_live_path = "company__deleted_at"

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        return ", ".join(part for part in [self.line1, self.city, self.country] if part)


class FreshnessRule(models.Model):
    """How long a company's data stays fresh after it was last verified, per lifecycle.

    The head sets these; a company never verified counts from when it was created.
    """

    lifecycle = models.CharField(_("lifecycle"), max_length=20, choices=Lifecycle.choices,
                                 unique=True)
    max_age_days = models.PositiveIntegerField(
        _("stale after (days)"), null=True, blank=True,
        help_text=_("Empty: never goes stale."))

    access_scope = "shared"

    class Meta:
        ordering = ["lifecycle"]
        verbose_name = _("freshness rule")

    def __str__(self) -> str:
        return f"{self.get_lifecycle_display()}: {self.max_age_days or '∞'}"


DEFAULT_FRESHNESS_DAYS = {
    Lifecycle.CLIENT: 180,
    Lifecycle.PROSPECT: 90,
    Lifecycle.FORMER: 365,
    Lifecycle.BLOCKED: None,
}


class Merge(models.Model):
    """Two duplicate companies made one: what the survivor looked like before, and which
    related records moved, so the merge can be undone exactly."""

    survivor = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="merges")
    merged = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                           related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    survivor_before = models.JSONField(default=dict)  # field → value before the merge
    moved = models.JSONField(default=dict)  # "app.Model.field" → ids moved to the survivor
    needs_added = models.JSONField(default=list)
    # What other apps' merge hooks settled first (clients.panels), by hook: their undo's input.
    settled = models.JSONField(default=dict, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    access_owner_path = "survivor__owner"
    access_portfolio = True  # a substitute holds it; colleagues may read it

    class Meta:
        ordering = ["-at"]
        verbose_name = _("merge")

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.survivor_id}"


class SavedView(models.Model):
    """A list's filters and sort saved under a name by one user ("My stale clients in Pune")."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="saved_views")
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filters"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    access_owner_path = "user"

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"],
                                               name="saved_view_name_unique")]
        verbose_name = _("saved view")

    def __str__(self) -> str:
        return self.name
