"""API of the ideal-client fit and the product match: a company's fit with its reasons,
prospects by fit, "retrain now" for the head, and the products that suit a company."""

from datetime import datetime

from ninja import Router, Schema, Status
from ninja.pagination import paginate

from khata.clients.models import Company
from khata.prospecting.fit_selectors import fit_for_company, prospects_by_fit, with_words
from khata.prospecting.fit_services import fit_retrain_request
from khata.prospecting.matching import products_for_company
from khata.team.access import get_visible_or_404

router = Router(tags=["fit"])


class FactorOut(Schema):
    kind: str  # industry, section, size, revenue, region, country, source, need
    value: str
    name: str
    weight: float  # log-odds the attribute adds
    points: int  # points of the 0–100 score it moved
    words: str  # "+12 points: industry 62 (IT services)"


class FitModelOut(Schema):
    id: int
    trained_at: datetime
    companies: int
    won: int
    not_won: int
    base_rate: float


class FitOut(Schema):
    company: int
    status: str  # scored | not_enough_data | not_scored
    message: str
    score: int | None
    baseline: int | None  # the score of a company with none of the attributes
    factors: list[FactorOut]
    computed_at: datetime | None
    model: FitModelOut | None


class CompanyRef(Schema):
    id: int
    display_name: str
    industry: str | None
    size_tier: str
    region: str
    country: str
    owner: int


class ProspectFitOut(Schema):
    company: CompanyRef
    score: int
    baseline: int
    factors: list[FactorOut]
    computed_at: datetime

    @staticmethod
    def resolve_company(obj) -> dict:
        company = obj.company
        return {"id": company.pk, "display_name": company.display_name,
                "industry": company.industry.code if company.industry else None,
                "size_tier": company.size_tier, "region": company.region,
                "country": company.country, "owner": company.owner_id}

    @staticmethod
    def resolve_factors(obj) -> list[dict]:
        return with_words(obj.factors)


class QueuedOut(Schema):
    queued: bool
    message: str


class ProductRef(Schema):
    id: int
    sku: str
    name: str
    purpose: str


class ProductMatchOut(Schema):
    product: ProductRef
    hits: int  # how many of needs, industry and size it hits (1–3)
    needs: list[str]
    industry: str
    size: bool
    reasons: list[str]


def _company(user, company_id: int) -> Company:
    queryset = Company.objects.select_related("industry", "industry__section").prefetch_related(
        "needs")
    return get_visible_or_404(user, queryset, company_id)


@router.get("/companies/{company_id}/fit", response=FitOut,
            summary="How well a company fits the clients we won, and why")
def company_fit(request, company_id: int):
    fit = fit_for_company(user=request.auth_user, company=_company(request.auth_user, company_id))
    return {"company": fit.company.pk, "status": fit.status, "message": fit.message,
            "score": fit.score, "baseline": fit.baseline, "factors": fit.factors,
            "computed_at": fit.computed_at, "model": fit.model}


@router.get("/fit/prospects", response=list[ProspectFitOut],
            summary="Prospects in my reach, best fit first")
@paginate
def prospects(request):
    return prospects_by_fit(user=request.auth_user)


@router.post("/fit/retrain", response={202: QueuedOut},
             summary="Learn the fit again now (the head only)")
def retrain(request):
    fit_retrain_request(by=request.auth_user)
    return Status(202, {"queued": True,
                        "message": "The fit is being learned again; scores follow shortly."})


@router.get("/companies/{company_id}/products", response=list[ProductMatchOut],
            summary="Products that suit a company, best first, with the reasons")
def company_products(request, company_id: int):
    matches = products_for_company(user=request.auth_user,
                                   company=_company(request.auth_user, company_id))
    return [{"product": {"id": match.product.pk, "sku": match.product.sku,
                         "name": match.product.name, "purpose": match.product.purpose},
             "hits": match.hits, "needs": match.needs, "industry": match.industry,
             "size": match.size, "reasons": match.reasons} for match in matches]
