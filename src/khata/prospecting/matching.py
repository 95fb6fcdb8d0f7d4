"""Product match: which products of the catalogue suit a prospect, to guide the first
conversation. A product hits when it answers one of the company's needs, is made for its
industry (a section target covers every division in it) or for its size; products are ranked
by how many of the three they hit, then by how many needs they answer."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from khata.catalog.selectors import products_visible
from khata.clients.choices import SizeTier
from khata.prospecting.fit import Facts
from khata.prospecting.fit_selectors import facts_of


@dataclass(frozen=True)
class Targets:
    """Whom one product is for: industry codes → names, size tiers, need ids → names."""

    product: object
    industries: dict[str, str] = field(default_factory=dict)
    size_tiers: frozenset[str] = frozenset()
    needs: dict[int, str] = field(default_factory=dict)


@dataclass
class Match:
    """A product that suits the company, how many criteria it hits and why, in words."""

    product: object
    hits: int
    needs: list[str]
    industry: str  # the target code that matched ("62", or its section "J"), or ""
    size: bool
    reasons: list[str]


def match_products(facts: Facts, products: Iterable[Targets]) -> list[Match]:
    """The products that hit at least one of needs, industry and size, best first."""
    company_needs = dict(facts.needs)
    tiers = dict(SizeTier.choices)
    matches = []
    for targets in products:
        reasons = []
        shared = sorted(name for need_id, name in company_needs.items()
                        if need_id in targets.needs)
        if shared:
            reasons.append(_("answers its needs: %(needs)s") % {"needs": ", ".join(shared)})
        industry = ""
        if facts.industry_code and facts.industry_code in targets.industries:
            industry = facts.industry_code
            reasons.append(_("made for its industry: %(code)s %(name)s")
                           % {"code": industry, "name": targets.industries[industry]})
        elif facts.section_code and facts.section_code in targets.industries:
            industry = facts.section_code
            reasons.append(_("made for its industry section %(code)s %(name)s, which includes "
                             "%(own)s") % {"code": industry,
                                           "name": targets.industries[industry],
                                           "own": facts.industry_code})
        size = bool(facts.size_tier) and facts.size_tier in targets.size_tiers
        if size:
            reasons.append(_("made for its size: %(tier)s")
                           % {"tier": tiers.get(facts.size_tier, facts.size_tier)})
        hits = bool(shared) + bool(industry) + size
        if hits:
            matches.append(Match(product=targets.product, hits=hits, needs=shared,
                                 industry=industry, size=size, reasons=reasons))
    matches.sort(key=lambda match: (-match.hits, -len(match.needs),
                                    str(getattr(match.product, "name", match.product)),
                                    getattr(match.product, "pk", 0)))
    return matches


def products_for_company(*, user, company, limit: int | None = None) -> list[Match]:
    """Products on sale that suit a company the caller may see, best first (the catalogue is
    read through its selector, which fetches targets in three queries whatever its size)."""
    facts = facts_of(company)
    catalogue = (Targets(product=product,
                         industries={industry.code: industry.name
                                     for industry in product.target_industries.all()},
                         size_tiers=frozenset(product.target_size_tiers or ()),
                         needs={need.pk: need.name for need in product.target_needs.all()})
                 for product in products_visible(user=user, active=True))
    matches = match_products(facts, catalogue)
    return matches[:limit] if limit else matches
