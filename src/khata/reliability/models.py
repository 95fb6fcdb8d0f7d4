"""What the reliability forecast keeps: its inputs per company (financial statements, invoices,
the manager's checklist), the assessments computed from them, the head's band overrides and the
trained model (issue 7; docs/reliability.md)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from khata.core.models import TimeStampedModel
from khata.reliability.choices import (
    Band,
    Method,
    References,
    RegistryStatus,
    StatementSource,
    Variant,
)

AMOUNT = {"max_digits": 16, "decimal_places": 2}


class FinancialStatement(TimeStampedModel):
    """One fiscal year's figures of a company, in one currency (the Altman inputs).

    Figures that may be negative in real accounts (EBIT, net income, retained earnings, book
    equity) are kept as given; the scoring core names and sets aside what does not add up."""

    company = models.ForeignKey("clients.Company", on_delete=models.CASCADE,
                                related_name="financial_statements", verbose_name=_("company"))
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    currency = models.CharField(_("currency"), max_length=3)
    revenue = models.DecimalField(_("revenue"), null=True, blank=True, **AMOUNT)
    ebit = models.DecimalField(_("EBIT"), null=True, blank=True, **AMOUNT)
    net_income = models.DecimalField(_("net income"), null=True, blank=True, **AMOUNT)
    total_assets = models.DecimalField(_("total assets"), null=True, blank=True, **AMOUNT)
    current_assets = models.DecimalField(_("current assets"), null=True, blank=True, **AMOUNT)
    total_liabilities = models.DecimalField(_("total liabilities"), null=True, blank=True,
                                            **AMOUNT)
    current_liabilities = models.DecimalField(_("current liabilities"), null=True, blank=True,
                                              **AMOUNT)
    retained_earnings = models.DecimalField(_("retained earnings"), null=True, blank=True,
                                            **AMOUNT)
    book_equity = models.DecimalField(_("book equity"), null=True, blank=True, **AMOUNT)
    listed = models.BooleanField(_("listed on a stock exchange"), default=False)
    market_equity = models.DecimalField(_("market value of equity"), null=True, blank=True,
                                        **AMOUNT)
    source = models.CharField(_("source"), max_length=20, choices=StatementSource.choices,
                              default=StatementSource.ENTERED)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("entered by"))

    access_owner_path = "company__owner"
    access_portfolio = True
    access_live_path = "company__deleted_at"

    class Meta:
        ordering = ["company", "-fiscal_year"]
        verbose_name = _("financial statement")
        constraints = [models.UniqueConstraint(fields=["company", "fiscal_year"],
                                               name="statement_company_year_unique")]

    def __str__(self) -> str:
        return f"FY{self.fiscal_year} ({self.currency})"


class Invoice(TimeStampedModel):
    """An invoice we sent a company and whether (and when) it was paid: payment behaviour."""

    company = models.ForeignKey("clients.Company", on_delete=models.CASCADE,
                                related_name="invoices", verbose_name=_("company"))
    number = models.CharField(_("invoice number"), max_length=50)
    currency = models.CharField(_("currency"), max_length=3)
    amount = models.DecimalField(_("amount"), **AMOUNT)
    issued_on = models.DateField(_("issued"))
    due_on = models.DateField(_("due"))
    paid_on = models.DateField(_("paid"), null=True, blank=True)
    paid_amount = models.DecimalField(_("amount paid"), null=True, blank=True, **AMOUNT)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("entered by"))

    access_owner_path = "company__owner"
    access_portfolio = True
    access_live_path = "company__deleted_at"

    class Meta:
        ordering = ["company", "-issued_on", "-id"]
        verbose_name = _("invoice")
        constraints = [models.UniqueConstraint(fields=["company", "number"],
                                               name="invoice_company_number_unique")]
        indexes = [models.Index(fields=["company", "issued_on"], name="invoice_company_idx")]

    def __str__(self) -> str:
        return self.number


class ChecklistAnswer(models.Model):
    """The manager's answers to the qualitative checklist, as given at one moment; the latest
    row per company is the one scored, earlier rows are its history."""

    company = models.ForeignKey("clients.Company", on_delete=models.CASCADE,
                                related_name="checklist_answers", verbose_name=_("company"))
    years_in_business = models.DecimalField(_("years in business"), max_digits=5,
                                            decimal_places=1, null=True, blank=True)
    registry_status = models.CharField(_("registry status"), max_length=20,
                                       choices=RegistryStatus.choices,
                                       default=RegistryStatus.UNKNOWN)
    legal_disputes = models.BooleanField(_("open legal disputes"), null=True, blank=True)
    references = models.CharField(_("trade references"), max_length=20,
                                  choices=References.choices, default=References.NOT_CHECKED)
    ownership_known = models.BooleanField(_("beneficial ownership known"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("answered by"))
    answered_at = models.DateTimeField(_("answered"))

    access_owner_path = "company__owner"
    access_portfolio = True
    access_live_path = "company__deleted_at"

    class Meta:
        ordering = ["company", "-answered_at", "-id"]
        verbose_name = _("checklist answer")
        indexes = [models.Index(fields=["company", "-answered_at"], name="checklist_company_idx")]

    def __str__(self) -> str:
        return f"checklist {self.answered_at:%Y-%m-%d}"


class LearnedModel(models.Model):
    """A model of serious delinquency trained on the client base's history (scoring.learned),
    stored as its JSON document; the latest one scores until the next retraining."""

    trained_at = models.DateTimeField(_("trained"), auto_now_add=True)
    document = models.TextField(_("model (JSON)"))
    training_size = models.PositiveIntegerField(_("companies trained on"))
    positives = models.PositiveIntegerField(_("serious delinquencies"))
    metrics = models.JSONField(_("test metrics"), default=dict)

    class Meta:
        ordering = ["-trained_at", "-id"]
        verbose_name = _("learned model")

    def __str__(self) -> str:
        return f"model {self.trained_at:%Y-%m-%d} ({self.training_size})"


class Assessment(models.Model):
    """A dated reliability assessment of one company: the chance of serious late payment with
    its interval, the band, a suggested credit limit and terms, and what drove it. The newest
    row per company is current (`is_current`); the rest is its history."""

    # No index of its own on company or model: "assessment_history_idx" starts with the
    # company, and a model is only looked up when it is deleted (weekly, at most). Each index
    # costs every batch row an entry twice (the new row, the old one's flag cleared).
    company = models.ForeignKey("clients.Company", on_delete=models.CASCADE,
                                related_name="assessments", verbose_name=_("company"),
                                db_index=False)
    computed_at = models.DateTimeField(_("computed"))
    as_of = models.DateField(_("as of"))
    probability = models.FloatField(_("probability of serious late payment"))
    low = models.FloatField(_("lower bound (90 %)"))
    high = models.FloatField(_("upper bound (90 %)"))
    band = models.CharField(_("band"), max_length=1, choices=Band.choices)
    band_low = models.CharField(_("best band in the interval"), max_length=1,
                                choices=Band.choices)
    band_high = models.CharField(_("worst band in the interval"), max_length=1,
                                 choices=Band.choices)
    thin_data = models.BooleanField(_("thin data"), default=False)
    hard_stop = models.BooleanField(_("registry hard stop"), default=False)
    credit_limit = models.DecimalField(_("suggested credit limit"), null=True, blank=True,
                                       **AMOUNT)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    terms_days = models.PositiveSmallIntegerField(
        _("payment terms (days)"), null=True, blank=True,
        help_text=_("Empty: prepayment (in part for band D, in full for band E)."))
    terms = models.CharField(_("payment terms"), max_length=60, blank=True)
    factors = models.JSONField(_("what drove it"), default=list)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    missing = models.JSONField(_("missing inputs"), default=list)
    set_aside = models.JSONField(_("inputs set aside"), default=list)
    completeness = models.FloatField(_("data completeness"))
    valid_until = models.DateField(_("valid until"))
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    variant = models.CharField(_("Altman variant"), max_length=20, choices=Variant.choices,
                               blank=True)
    z_score = models.FloatField(_("Z-score"), null=True, blank=True)
    model = models.ForeignKey(LearnedModel, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("learned model"), db_index=False)
    model_training_size = models.PositiveIntegerField(null=True, blank=True)
    model_trained_at = models.DateTimeField(null=True, blank=True)
    is_current = models.BooleanField(_("current"), default=True)
    # The band of the assessment this one replaced (empty: the first one), so "a client
    # dropping a band" is a filter on current rows, not a look-up of the one before per company.
    previous_band = models.CharField(_("band before"), max_length=1, blank=True,
                                     choices=Band.choices)

    access_owner_path = "company__owner"
    access_portfolio = True
    access_live_path = "company__deleted_at"

    class Meta:
        ordering = ["company", "-computed_at", "-id"]
        verbose_name = _("assessment")
        constraints = [models.UniqueConstraint(fields=["company"], condition=Q(is_current=True),
                                               name="assessment_one_current")]
        indexes = [
            models.Index(fields=["company", "-computed_at"], name="assessment_history_idx"),
            models.Index(fields=["band", "company"], condition=Q(is_current=True),
                         name="assessment_band_idx"),
            models.Index(fields=["valid_until"], condition=Q(is_current=True),
                         name="assessment_valid_idx"),
            models.Index(fields=["company"], name="assessment_dropped_idx",
                         condition=Q(is_current=True) & ~Q(previous_band="")
                         & Q(band__gt=F("previous_band"))),
        ]

    def __str__(self) -> str:
        return f"{self.band} {self.probability:.1%} ({self.as_of})"


class BandOverride(models.Model):
    """The head's decision to hold a company in another band than computed, with the reason;
    it applies from `starts_at` until it expires or is revoked."""

    company = models.ForeignKey("clients.Company", on_delete=models.CASCADE,
                                related_name="band_overrides", verbose_name=_("company"))
    band = models.CharField(_("band"), max_length=1, choices=Band.choices)
    reason = models.CharField(_("reason"), max_length=500)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                           verbose_name=_("set by"))
    starts_at = models.DateTimeField(_("from"))
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("revoked by"))

    access_owner_path = "company__owner"
    access_portfolio = True
    access_live_path = "company__deleted_at"

    class Meta:
        ordering = ["company", "-starts_at", "-id"]
        verbose_name = _("band override")
        indexes = [models.Index(fields=["company", "expires_at"], name="override_company_idx")]

    def __str__(self) -> str:
        return f"{self.band} until {self.expires_at:%Y-%m-%d}"
