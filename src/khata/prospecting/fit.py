"""Ideal-client fit, the pure part: learn which attributes the companies we won share, score a
company by them, and say why in points. Plain rows in, plain results out (no database), so
fit_services.py does the reading and writing and the tests need no fixtures.

The model is a regularised logistic regression (scikit-learn) on one-hot attributes: ISIC
section and division, size tier, revenue band, region, country, source, and each need. A
company's score is the model's chance, in 100, that a company like it is among the won. Its
log-odds are the intercept plus one weight per attribute it has, so each attribute's share is
exact: the score moves from the "starting point" (a company with none of the attributes, the
intercept alone) to the final score, and each attribute gets the part of that move in
proportion to its weight (integrated gradients along the logistic curve, which for a sum of
weights is exactly this proportion), rounded so the points add up to the score.
"""

import hashlib
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# Fewer won or not-won companies than this and the model would learn noise: it refuses.
MIN_WON = 30
MIN_NOT_WON = 30
# An attribute value seen on fewer training companies than this (a one-off region, a typo in a
# source) gets no weight: a handful of rows cannot say anything about it.
MIN_SUPPORT = 3
# Inverse strength of the L2 penalty; 1.0 shrinks weights of thin evidence towards zero while
# letting an attribute shared by dozens of won clients speak.
REGULARISATION_C = 1.0


@dataclass(frozen=True)
class Facts:
    """What the fit looks at in one company (names are only for the words)."""

    company_id: int
    industry_code: str = ""  # an ISIC division ("62") or a section ("J")
    industry_name: str = ""
    section_code: str = ""  # the division's section, or the section itself
    section_name: str = ""
    size_tier: str = ""
    revenue_band: str = ""
    region: str = ""
    country: str = ""
    source: str = ""
    needs: tuple[tuple[int, str], ...] = ()  # (need id, name)


def features(facts: Facts) -> dict[str, tuple[str, str, str]]:
    """The company's one-hot attributes: key → (kind, value, name) for the words."""
    found: dict[str, tuple[str, str, str]] = {}
    if facts.section_code:
        found[f"section:{facts.section_code}"] = ("section", facts.section_code,
                                                  facts.section_name)
    if facts.industry_code and facts.industry_code != facts.section_code:
        found[f"industry:{facts.industry_code}"] = ("industry", facts.industry_code,
                                                    facts.industry_name)
    for kind, value in (("size", facts.size_tier), ("revenue", facts.revenue_band),
                        ("country", facts.country.upper())):
        if value:
            found[f"{kind}:{value}"] = (kind, value, "")
    # Free text: the same region or source however it was capitalised or spaced.
    for kind, value in (("region", facts.region), ("source", facts.source)):
        key = " ".join((value or "").split()).casefold()
        if key:
            found[f"{kind}:{key}"] = (kind, " ".join(value.split()), "")
    for need_id, name in facts.needs:
        found[f"need:{need_id}"] = ("need", str(need_id), name)
    return found


class NotEnoughData(Exception):
    """The history is too thin to learn from; the message says how thin, in words."""

    def __init__(self, *, won: int, not_won: int, min_won: int = MIN_WON,
                 min_not_won: int = MIN_NOT_WON, mature_days: int | None = None):
        self.won, self.not_won = won, not_won
        self.min_won, self.min_not_won = min_won, min_not_won
        parts = []
        if won < min_won:
            parts.append(_("not enough won clients yet: %(have)d of the %(need)d needed")
                         % {"have": won, "need": min_won})
        if not_won < min_not_won:
            if mature_days:
                parts.append(_("not enough prospects that were not won yet (older than %(days)d "
                               "days): %(have)d of the %(need)d needed")
                             % {"days": mature_days, "have": not_won, "need": min_not_won})
            else:
                parts.append(_("not enough companies that were not won yet: %(have)d of the "
                               "%(need)d needed") % {"have": not_won, "need": min_not_won})
        message = "; ".join(parts)
        super().__init__(message[:1].upper() + message[1:] + ".")

    @property
    def message(self) -> str:
        return str(self)


def ensure_enough(*, won: int, not_won: int, min_won: int = MIN_WON,
                  min_not_won: int = MIN_NOT_WON, mature_days: int | None = None) -> None:
    """Raise NotEnoughData unless there are enough won and not-won companies to learn from."""
    if won < min_won or not_won < min_not_won:
        raise NotEnoughData(won=won, not_won=not_won, min_won=min_won,
                            min_not_won=min_not_won, mature_days=mature_days)


@dataclass
class Trained:
    """A learned fit: the starting log-odds, a weight per attribute, and what it came from."""

    intercept: float
    weights: dict[str, float]
    labels: dict[str, list[str]]  # key → [kind, value, name]
    companies: int
    won: int
    not_won: int
    fingerprint: str = ""

    @property
    def base_rate(self) -> float:
        return self.won / self.companies if self.companies else 0.0


def fingerprint(rows: Iterable[tuple[Facts, bool]]) -> str:
    """A digest of what training would see: the same data gives the same model."""
    digest = hashlib.sha256()
    for facts, won in sorted(rows, key=lambda row: row[0].company_id):
        digest.update(f"{facts.company_id}|{int(won)}|".encode())
        digest.update(",".join(sorted(features(facts))).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def train(rows: Sequence[tuple[Facts, bool]], *, min_won: int = MIN_WON,
          min_not_won: int = MIN_NOT_WON, min_support: int = MIN_SUPPORT,
          c: float = REGULARISATION_C, mature_days: int | None = None) -> Trained:
    """Learn the fit from (facts, won?) rows; NotEnoughData when history is too thin."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    won = sum(1 for _facts, is_won in rows if is_won)
    not_won = len(rows) - won
    ensure_enough(won=won, not_won=not_won, min_won=min_won, min_not_won=min_not_won,
                  mature_days=mature_days)

    present = [features(facts) for facts, _won in rows]
    support = Counter(key for found in present for key in found)
    vocabulary = sorted(key for key, count in support.items() if count >= min_support)
    column = {key: index for index, key in enumerate(vocabulary)}
    labels: dict[str, list[str]] = {}
    indptr, indices = [0], []
    for found in present:
        for key, label in found.items():
            if key in column:
                indices.append(column[key])
                labels.setdefault(key, list(label))
        indptr.append(len(indices))
    matrix = csr_matrix((np.ones(len(indices)), indices, indptr),
                        shape=(len(rows), max(len(vocabulary), 1)))
    target = np.array([1 if is_won else 0 for _facts, is_won in rows])

    model = LogisticRegression(C=c, max_iter=1000)
    model.fit(matrix, target)
    weights = {key: float(model.coef_[0][column[key]]) for key in vocabulary}
    return Trained(intercept=float(model.intercept_[0]), weights=weights, labels=labels,
                   companies=len(rows), won=won, not_won=not_won, fingerprint=fingerprint(rows))


def _sigmoid(value: float) -> float:
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    exp = math.exp(value)
    return exp / (1.0 + exp)


@dataclass(frozen=True)
class Factor:
    """One attribute's part in a score: its weight (log-odds) and the points it moved."""

    key: str
    kind: str
    value: str
    name: str
    weight: float
    points: int

    def as_dict(self) -> dict:
        return {"key": self.key, "kind": self.kind, "value": self.value, "name": self.name,
                "weight": round(self.weight, 4), "points": self.points}


@dataclass(frozen=True)
class Explanation:
    """A company's fit (0–100), where it started and what moved it there."""

    score: int
    baseline: int
    factors: list[Factor] = field(default_factory=list)


def _share_points(raw: list[float], total: int) -> list[int]:
    """Round `raw` to integers that add up to `total` (largest remainders get the ones)."""
    floors = [math.floor(value) for value in raw]
    remaining = total - sum(floors)
    order = sorted(range(len(raw)), key=lambda index: raw[index] - floors[index], reverse=True)
    for index in order[:max(remaining, 0)]:
        floors[index] += 1
    return floors


def explain(facts: Facts, trained: Trained) -> Explanation:
    """Score one company and split the score into its attributes' points."""
    found = features(facts)
    present = [(key, trained.weights[key]) for key in sorted(found) if key in trained.weights]
    total = sum(weight for _key, weight in present)
    start, end = trained.intercept, trained.intercept + total
    probability, base = _sigmoid(end), _sigmoid(start)
    # The average slope of the curve between start and end (its slope at start when they meet).
    slope = (probability - base) / total if abs(total) > 1e-12 else base * (1 - base)
    score, baseline = round(100 * probability), round(100 * base)
    points = _share_points([100 * weight * slope for _key, weight in present], score - baseline)
    factors = [Factor(key, *found[key], weight=weight, points=share)
               for (key, weight), share in zip(present, points, strict=True)]
    factors.sort(key=lambda factor: (-abs(factor.points), -abs(factor.weight), factor.key))
    return Explanation(score=score, baseline=baseline, factors=factors)


def attribute_words(kind: str, value: str, name: str = "") -> str:
    """An attribute as a person reads it: "industry 62 (IT services)", "size: medium"."""
    from khata.clients.choices import RevenueBand, SizeTier

    if kind == "industry":
        return _("industry %(code)s (%(name)s)") % {"code": value, "name": name} if name \
            else _("industry %(code)s") % {"code": value}
    if kind == "section":
        return _("industry section %(code)s (%(name)s)") % {"code": value, "name": name} \
            if name else _("industry section %(code)s") % {"code": value}
    if kind == "size":
        label = dict(SizeTier.choices).get(value, value)
        return _("size %(tier)s") % {"tier": label}
    if kind == "revenue":
        label = dict(RevenueBand.choices).get(value, value)
        return _("revenue %(band)s") % {"band": label}
    if kind == "region":
        return _("region %(region)s") % {"region": value}
    if kind == "country":
        return _("country %(country)s") % {"country": value}
    if kind == "source":
        return _("found by %(source)s") % {"source": value}
    if kind == "need":
        return _("needs %(need)s") % {"need": name or value}
    return f"{kind} {value}"


def factor_words(factor: dict | Factor) -> str:
    """"+12 points: industry 62 (IT services)" for one factor."""
    data = factor.as_dict() if isinstance(factor, Factor) else factor
    points = data["points"]
    amount = ngettext("%(sign)s%(points)d point", "%(sign)s%(points)d points", abs(points)) % {
        "sign": "+" if points > 0 else "−" if points < 0 else "±", "points": abs(points)}
    return f"{amount}: {attribute_words(data['kind'], data['value'], data.get('name', ''))}"
