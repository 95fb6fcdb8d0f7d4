"""Reading list filters from a request's query string (the UI's filter bar)."""

from django.http import QueryDict

from khata.clients.choices import Lifecycle, SizeTier
from khata.clients.selectors import COMPANY_SORTS, QUALITY_CHECKS, CompanyFilters
from khata.core.ids import record_id


def company_filters_from(params: QueryDict) -> CompanyFilters:
    """Filters from the query string; unknown values are ignored rather than failing the page."""
    return CompanyFilters(
        q=params.get("q", "").strip()[:200],
        industry=params.get("industry", "").strip()[:4],
        size_tier=[v for v in params.getlist("size_tier") if v in SizeTier.values],
        lifecycle=[v for v in params.getlist("lifecycle") if v in Lifecycle.values],
        country=params.get("country", "").strip()[:2],
        region=params.get("region", "").strip()[:100],
        owner=record_id(params.get("owner")),
        needs=[need for need in map(record_id, params.getlist("needs")) if need is not None],
        freshness=params.get("freshness", "") if params.get("freshness") in {
            "stale", "fresh", "never"} else "",
        quality=params.get("quality", "") if params.get("quality") in QUALITY_CHECKS else "",
        sort=params.get("sort", "name") if params.get("sort") in COMPANY_SORTS else "name",
    )
