"""Read side of the ideal-client fit: a company's score with its reasons, prospects by fit."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from khata.clients.choices import Lifecycle
from khata.clients.models import Company
from khata.prospecting.fit import MIN_NOT_WON, MIN_WON, Facts, NotEnoughData, factor_words
from khata.prospecting.models import FitModel, FitScore
from khata.team.access import visible_to

# A prospect we have known this long without winning it counts as "not won" (a B2B sale
# usually closes within three to six months; younger prospects are still open, so they are
# scored, not learned from).
MATURE_DAYS = 180
WON = (Lifecycle.CLIENT, Lifecycle.FORMER)


def mature_before(now: datetime | None = None) -> datetime:
    """Prospects created before this moment are old enough to count as not won."""
    return (now or timezone.now()) - timedelta(days=MATURE_DAYS)


def training_counts(now: datetime | None = None) -> tuple[int, int]:
    """(won, not won) companies the fit would learn from now, over the whole database."""
    won = Company.objects.filter(lifecycle__in=WON).count()
    not_won = Company.objects.filter(lifecycle=Lifecycle.PROSPECT,
                                     created_at__lt=mature_before(now)).count()
    return won, not_won


def not_enough_data_message(now: datetime | None = None) -> str | None:
    """Why the fit cannot be learned yet ("Not enough won clients yet: 12 of the 30 needed."),
    or None when there is enough history."""
    won, not_won = training_counts(now)
    if won >= MIN_WON and not_won >= MIN_NOT_WON:
        return None
    return NotEnoughData(won=won, not_won=not_won, mature_days=MATURE_DAYS).message


def fit_model_latest() -> FitModel | None:
    """The fit model the scores come from (the latest training)."""
    return FitModel.objects.order_by("-trained_at", "-id").first()


def facts_of(company: Company, needs: list[tuple[int, str]] | None = None) -> Facts:
    """What the fit and the product match look at in one company."""
    industry = company.industry
    section = (industry.section if industry is not None and industry.section_id else industry)
    if needs is None:
        needs = [(need.pk, need.name) for need in company.needs.all()]
    return Facts(
        company_id=company.pk,
        industry_code=industry.code if industry else "",
        industry_name=industry.name if industry else "",
        section_code=section.code if section else "",
        section_name=section.name if section else "",
        size_tier=company.size_tier, revenue_band=company.revenue_band, region=company.region,
        country=company.country, source=company.source, needs=tuple(needs),
    )


@dataclass
class CompanyFit:
    """A company's fit as the card and the API show it: "scored" (with score and reasons),
    "not_enough_data" (the history is too thin: `message` says how thin) or "not_scored"
    (a company added since the last run)."""

    company: Company
    status: str
    message: str = ""
    score: int | None = None
    baseline: int | None = None
    factors: list[dict] = field(default_factory=list)
    computed_at: datetime | None = None
    model: FitModel | None = None

    @property
    def raising(self) -> list[dict]:
        return [factor for factor in self.factors if factor["points"] > 0]

    @property
    def lowering(self) -> list[dict]:
        return [factor for factor in self.factors if factor["points"] < 0]


def with_words(factors: list[dict]) -> list[dict]:
    """Stored factors with their sentence ("+12 points: industry 62 (IT services)")."""
    return [{**factor, "words": factor_words(factor)} for factor in factors]


def fit_for_company(*, user, company: Company) -> CompanyFit:
    """The fit of a company the caller has already been allowed to see, with its reasons."""
    row = (visible_to(user, FitScore.objects.filter(company_id=company.pk))
           .select_related("model").first())
    if row is not None:
        return CompanyFit(company=company, status="scored", score=row.score,
                          baseline=row.baseline, factors=with_words(row.factors),
                          computed_at=row.computed_at, model=row.model,
                          message=_("Fit %(score)d of 100, learned from %(count)d companies.")
                          % {"score": row.score, "count": row.model.companies})
    model = fit_model_latest()
    if model is None:
        message = not_enough_data_message()
        if message:
            return CompanyFit(company=company, status="not_enough_data", message=message)
    return CompanyFit(company=company, status="not_scored", model=model,
                      message=_("Not scored yet: the fit is recomputed every night."))


def prospects_by_fit(*, user) -> QuerySet[FitScore]:
    """Prospects in the user's reach, best fit first (only those the last run scored)."""
    queryset = visible_to(user, FitScore.objects.filter(company__lifecycle=Lifecycle.PROSPECT))
    return (queryset.select_related("company", "company__industry", "company__owner", "model")
            .order_by("-score", "company_id"))
