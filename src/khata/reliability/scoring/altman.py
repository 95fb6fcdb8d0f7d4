"""Altman's Z-score family, exactly as published, with the inputs checked before use.

Variants (coefficients and zones as published; zones are "safe" above the upper cut-off,
"distress" below the lower one, "grey" in between, both cut-offs included in grey):

==========  =====================================================  ==============  ============
variant     score                                                  zones           source
==========  =====================================================  ==============  ============
``Z``       1.2 X1 + 1.4 X2 + 3.3 X3 + 0.6 X4m + 1.0 X5            1.81 / 2.99     Altman 1968
``Z'``      0.717 X1 + 0.847 X2 + 3.107 X3 + 0.420 X4b + 0.998 X5  1.23 / 2.90     Altman 1983
``Z''``     6.56 X1 + 3.26 X2 + 6.72 X3 + 1.05 X4b                 1.10 / 2.60     Altman 1983
``Z''-EM``  6.56 X1 + 3.26 X2 + 6.72 X3 + 1.05 X4b + 3.25          4.35 / 5.85     AHP 1995
==========  =====================================================  ==============  ============

X1 = working capital / total assets, X2 = retained earnings / total assets,
X3 = EBIT / total assets, X4m = market value of equity / total liabilities,
X4b = book value of equity / total liabilities, X5 = sales / total assets.

References:

- E. I. Altman, "Financial Ratios, Discriminant Analysis and the Prediction of Corporate
  Bankruptcy", Journal of Finance 23(4), 589-609, 1968 (the original Z, public manufacturers;
  the paper prints X1-X4 in per cent with 0.012/0.014/0.033/0.006 and X5 with 0.999, which the
  later papers restate as 1.2/1.4/3.3/0.6/1.0 on plain ratios).
- E. I. Altman, "Corporate Financial Distress", Wiley, 1983, restated in "Predicting Financial
  Distress of Companies: Revisiting the Z-Score and ZETA Models", NYU Stern working paper,
  July 2000 (Z' for private firms with book equity; Z'' without X5 for non-manufacturers).
- E. I. Altman, J. Hartzell and M. Peck, "Emerging Markets Corporate Bonds: A Scoring
  System", Salomon Brothers, 1995 (reprinted in Emerging Market Capital Flows, Springer 1997):
  the EM score is Z'' plus the constant 3.25, which standardises the score so that 0 matches a
  D (default) bond-rating equivalent. Its zones here are Z'''s zones shifted by the same 3.25
  (the score is the same linear function, so the same firms fall in the same zone).

Some secondary web pages print Z'' with 6.5 and with Z''s zones (2.9 / 1.23); the 2000 paper
gives 6.56 and 2.60 / 1.10, which is what this module uses.

Checks, each with a machine code, a sentence, and the ratios it sets aside (the rest of the
score is still computed and marked partial): a missing value, total assets of zero or less,
current assets above total assets, current liabilities above total liabilities, a negative
amount that cannot be negative, total liabilities of zero (X4 has no value), a listed
manufacturer without a market value (Z' is used instead), and across years: differing
currencies, missing years and duplicated years.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

import numpy as np

FIELDS: tuple[str, ...] = (
    "revenue",
    "ebit",
    "net_income",
    "total_assets",
    "current_assets",
    "total_liabilities",
    "current_liabilities",
    "retained_earnings",
    "book_equity",
    "market_equity",
)

RATIOS: tuple[str, ...] = ("x1", "x2", "x3", "x4m", "x4b", "x5")

RATIO_LABELS: Mapping[str, str] = {
    "x1": "working capital / total assets",
    "x2": "retained earnings / total assets",
    "x3": "EBIT / total assets",
    "x4m": "market value of equity / total liabilities",
    "x4b": "book value of equity / total liabilities",
    "x5": "sales / total assets",
}

# The fields each ratio is built from; a check on a field sets aside these ratios.
RATIO_FIELDS: Mapping[str, tuple[str, ...]] = {
    "x1": ("current_assets", "current_liabilities", "total_assets"),
    "x2": ("retained_earnings", "total_assets"),
    "x3": ("ebit", "total_assets"),
    "x4m": ("market_equity", "total_liabilities"),
    "x4b": ("book_equity", "total_liabilities"),
    "x5": ("revenue", "total_assets"),
}


class Variant(StrEnum):
    """Which member of the Z-score family was used."""

    Z = "z"
    Z_PRIME = "z_prime"
    Z_DOUBLE_PRIME = "z_double_prime"
    Z_DOUBLE_PRIME_EM = "z_double_prime_em"


class Zone(StrEnum):
    """Altman's published zones of discrimination."""

    SAFE = "safe"
    GREY = "grey"
    DISTRESS = "distress"


@dataclass(frozen=True)
class VariantSpec:
    """Coefficients, constant and zone cut-offs of one published variant."""

    variant: Variant
    name: str
    weights: Mapping[str, float]
    constant: float
    distress_below: float
    safe_above: float
    citation: str


SPECS: Mapping[Variant, VariantSpec] = {
    Variant.Z: VariantSpec(
        Variant.Z,
        "Z (Altman 1968, public manufacturers)",
        {"x1": 1.2, "x2": 1.4, "x3": 3.3, "x4m": 0.6, "x5": 1.0},
        0.0,
        1.81,
        2.99,
        "Altman (1968), Journal of Finance 23(4)",
    ),
    Variant.Z_PRIME: VariantSpec(
        Variant.Z_PRIME,
        "Z' (Altman 1983, private firms)",
        {"x1": 0.717, "x2": 0.847, "x3": 3.107, "x4b": 0.420, "x5": 0.998},
        0.0,
        1.23,
        2.90,
        "Altman (1983; 2000), Predicting Financial Distress of Companies",
    ),
    Variant.Z_DOUBLE_PRIME: VariantSpec(
        Variant.Z_DOUBLE_PRIME,
        "Z'' (Altman 1983, non-manufacturers)",
        {"x1": 6.56, "x2": 3.26, "x3": 6.72, "x4b": 1.05},
        0.0,
        1.10,
        2.60,
        "Altman (1983; 2000), Predicting Financial Distress of Companies",
    ),
    Variant.Z_DOUBLE_PRIME_EM: VariantSpec(
        Variant.Z_DOUBLE_PRIME_EM,
        "Z'' emerging-market score (Altman, Hartzell & Peck 1995, Z'' + 3.25)",
        {"x1": 6.56, "x2": 3.26, "x3": 6.72, "x4b": 1.05},
        3.25,
        1.10 + 3.25,
        2.60 + 3.25,
        "Altman, Hartzell & Peck (1995), Emerging Markets Corporate Bonds: A Scoring System",
    ),
}

VARIANT_CODES: tuple[Variant, ...] = tuple(Variant)


@dataclass(frozen=True)
class Statement:
    """One fiscal year's figures for a company, in one currency (None = not given)."""

    fiscal_year: int
    currency: str
    revenue: Decimal | None = None
    ebit: Decimal | None = None
    net_income: Decimal | None = None
    total_assets: Decimal | None = None
    current_assets: Decimal | None = None
    total_liabilities: Decimal | None = None
    current_liabilities: Decimal | None = None
    retained_earnings: Decimal | None = None
    book_equity: Decimal | None = None
    market_equity: Decimal | None = None


@dataclass(frozen=True)
class Profile:
    """What kind of company it is, which decides the variant (None = not known)."""

    listed: bool = False
    manufacturer: bool | None = None
    emerging_market: bool = False


@dataclass(frozen=True)
class Issue:
    """A problem found in the input: a machine code, a sentence, what it sets aside."""

    code: str
    message: str
    fiscal_year: int | None = None
    fields: tuple[str, ...] = ()
    ratios_set_aside: tuple[str, ...] = ()


@dataclass(frozen=True)
class RatioValue:
    """One ratio of a score: its value (None when set aside), weight and contribution."""

    name: str
    label: str
    weight: float
    value: float | None
    contribution: float | None


@dataclass(frozen=True)
class ZScoreResult:
    """The score of one statement under one variant, and what was set aside to get it.

    ``score`` is None when no ratio could be computed. When ``partial`` is true the score is
    the sum of the ratios that could be computed; ``zone`` is then None, because the
    published zones apply to the full score only.
    """

    variant: Variant
    variant_name: str
    fiscal_year: int
    currency: str
    score: float | None
    zone: Zone | None
    partial: bool
    ratios: tuple[RatioValue, ...]
    issues: tuple[Issue, ...]
    distress_below: float
    safe_above: float

    @property
    def set_aside(self) -> tuple[str, ...]:
        """The ratios left out of the score."""
        return tuple(r.name for r in self.ratios if r.value is None)


@dataclass(frozen=True)
class AltmanReport:
    """The latest usable year's score with the history behind it and cross-year issues."""

    latest: ZScoreResult | None
    history: tuple[ZScoreResult, ...]
    issues: tuple[Issue, ...] = field(default=())
    statements_set_aside: tuple[int, ...] = ()

    @property
    def trend(self) -> float | None:
        """Change of the full score from the year before the latest (None if not comparable)."""
        full = [r for r in self.history if r.score is not None and not r.partial]
        if len(full) < 2 or full[-1].fiscal_year - full[-2].fiscal_year != 1:
            return None
        if full[-1].variant != full[-2].variant:
            return None
        return full[-1].score - full[-2].score  # type: ignore[operator]


def choose_variant(profile: Profile, *, has_market_equity: bool = True) -> Variant:
    """The variant Altman recommends for this kind of company.

    Emerging-market companies get the EM score, listed manufacturers with a market value the
    original Z, other manufacturers Z', everyone else (and unknown industry) Z'', which Altman
    (2000) presents as usable for manufacturers and non-manufacturers alike.
    """
    if profile.emerging_market:
        return Variant.Z_DOUBLE_PRIME_EM
    if profile.manufacturer:
        if profile.listed and has_market_equity:
            return Variant.Z
        return Variant.Z_PRIME
    return Variant.Z_DOUBLE_PRIME


def zone_of(score: float, variant: Variant) -> Zone:
    """The published zone of a full score (cut-offs belong to the grey zone)."""
    spec = SPECS[variant]
    if score > spec.safe_above:
        return Zone.SAFE
    if score < spec.distress_below:
        return Zone.DISTRESS
    return Zone.GREY


# --- the checks, written once over arrays so the batch path and the single path agree ------


@dataclass(frozen=True)
class Check:
    """One input rule: its code, the fields it concerns and the ratios it sets aside."""

    code: str
    fields: tuple[str, ...]
    ratios: tuple[str, ...]
    sentence: str


def _ratios_using(*names: str) -> tuple[str, ...]:
    return tuple(r for r in RATIOS if any(n in RATIO_FIELDS[r] for n in names))


CHECKS: tuple[Check, ...] = (
    *(
        Check(
            "missing_value",
            (name,),
            _ratios_using(name),
            f"{name.replace('_', ' ')} is missing",
        )
        for name in FIELDS
        if _ratios_using(name)
    ),
    Check(
        "total_assets_not_positive",
        ("total_assets",),
        _ratios_using("total_assets"),
        "total assets are zero or negative, so no ratio over total assets has a value",
    ),
    Check(
        "current_assets_exceed_total_assets",
        ("current_assets", "total_assets"),
        ("x1",),
        "current assets are larger than total assets, so the statement does not add up",
    ),
    Check(
        "current_liabilities_exceed_total_liabilities",
        ("current_liabilities", "total_liabilities"),
        # Which of the two is wrong cannot be told, so both ratios that use them are set aside.
        ("x1", "x4m", "x4b"),
        "current liabilities are larger than total liabilities, so the statement does not add up",
    ),
    Check(
        "negative_amount",
        ("current_assets",),
        ("x1",),
        "current assets are negative",
    ),
    Check(
        "negative_amount",
        ("current_liabilities",),
        ("x1",),
        "current liabilities are negative",
    ),
    Check(
        "negative_amount",
        ("total_liabilities",),
        ("x4m", "x4b"),
        "total liabilities are negative",
    ),
    Check("negative_amount", ("revenue",), ("x5",), "revenue is negative"),
    Check("negative_amount", ("market_equity",), ("x4m",), "market value of equity is negative"),
    Check(
        "zero_denominator",
        ("total_liabilities",),
        ("x4m", "x4b"),
        "total liabilities are zero, so equity / total liabilities has no value",
    ),
)


def check_masks(cols: Mapping[str, np.ndarray]) -> list[np.ndarray]:
    """For each rule in CHECKS, a boolean array: where the rule is broken.

    ``cols`` maps every name in FIELDS to a float array, NaN where the value is missing.
    """
    ta, tl = cols["total_assets"], cols["total_liabilities"]
    ca, cl = cols["current_assets"], cols["current_liabilities"]
    masks: list[np.ndarray] = []
    with np.errstate(invalid="ignore"):
        for check in CHECKS:
            if check.code == "missing_value":
                masks.append(np.isnan(cols[check.fields[0]]))
            elif check.code == "total_assets_not_positive":
                masks.append(ta <= 0)
            elif check.code == "current_assets_exceed_total_assets":
                masks.append(ca > ta)
            elif check.code == "current_liabilities_exceed_total_liabilities":
                masks.append(cl > tl)
            elif check.code == "negative_amount":
                masks.append(cols[check.fields[0]] < 0)
            elif check.code == "zero_denominator":
                masks.append(tl == 0)
            else:  # pragma: no cover - every rule above is handled
                raise AssertionError(check.code)
    return masks


def ratio_arrays(cols: Mapping[str, np.ndarray]) -> tuple[dict[str, np.ndarray], list[np.ndarray]]:
    """All six ratios as float arrays (NaN where a check set the ratio aside) and the masks."""
    masks = check_masks(cols)
    ta, tl = cols["total_assets"], cols["total_liabilities"]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = {
            "x1": (cols["current_assets"] - cols["current_liabilities"]) / ta,
            "x2": cols["retained_earnings"] / ta,
            "x3": cols["ebit"] / ta,
            "x4m": cols["market_equity"] / tl,
            "x4b": cols["book_equity"] / tl,
            "x5": cols["revenue"] / ta,
        }
    for check, mask in zip(CHECKS, masks, strict=True):
        for name in check.ratios:
            ratios[name] = np.where(mask, np.nan, ratios[name])
    for name in RATIOS:
        ratios[name] = np.where(np.isfinite(ratios[name]), ratios[name], np.nan)
    return ratios, masks


def variant_codes(
    listed: np.ndarray, manufacturer: np.ndarray, emerging: np.ndarray, market_equity: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised choose_variant: index into VARIANT_CODES, and where Z fell back to Z'.

    ``manufacturer`` is 1 (yes), 0 (no) or -1 (unknown).
    """
    code = np.full(listed.shape, VARIANT_CODES.index(Variant.Z_DOUBLE_PRIME), dtype=np.int8)
    manuf = manufacturer == 1
    code[manuf] = VARIANT_CODES.index(Variant.Z_PRIME)
    wants_z = manuf & listed.astype(bool)
    has_market = np.isfinite(market_equity)
    code[wants_z & has_market] = VARIANT_CODES.index(Variant.Z)
    code[emerging.astype(bool)] = VARIANT_CODES.index(Variant.Z_DOUBLE_PRIME_EM)
    fallback = wants_z & ~has_market & ~emerging.astype(bool)
    return code, fallback


def score_arrays(
    ratios: Mapping[str, np.ndarray], codes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Score, partial flag and zone (0 safe, 1 grey, 2 distress, -1 none) for each row."""
    n = codes.shape[0]
    score = np.zeros(n)
    used = np.zeros(n, dtype=np.int8)
    needed = np.zeros(n, dtype=np.int8)
    lower = np.zeros(n)
    upper = np.zeros(n)
    for index, variant in enumerate(VARIANT_CODES):
        rows = codes == index
        if not rows.any():
            continue
        spec = SPECS[variant]
        lower[rows], upper[rows] = spec.distress_below, spec.safe_above
        score[rows] += spec.constant
        for name, weight in spec.weights.items():
            value = ratios[name][rows]
            ok = ~np.isnan(value)
            score[rows] += np.where(ok, weight * value, 0.0)
            used[rows] += ok
            needed[rows] += 1
    score = np.where(used > 0, score, np.nan)
    partial = (used < needed) & (used > 0)
    zone = np.full(n, -1, dtype=np.int8)
    full = (used == needed) & (used > 0)
    zone[full & (score > upper)] = 0
    zone[full & (score <= upper) & (score >= lower)] = 1
    zone[full & (score < lower)] = 2
    return score, partial, zone


# --- the single-company path --------------------------------------------------------------


def _as_float(value: Decimal | None) -> float:
    return float("nan") if value is None else float(value)


def statement_columns(statements: Sequence[Statement | None]) -> dict[str, np.ndarray]:
    """The statements' figures as float arrays, one per field, NaN where missing.

    Also ``has_statement`` (bool) and ``fiscal_year`` (float, NaN without a statement).
    """
    cols = {
        name: np.array(
            [math.nan if s is None else _as_float(getattr(s, name)) for s in statements],
            dtype=float,
        )
        for name in FIELDS
    }
    cols["has_statement"] = np.array([s is not None for s in statements], dtype=bool)
    cols["fiscal_year"] = np.array(
        [math.nan if s is None else float(s.fiscal_year) for s in statements], dtype=float
    )
    return cols


def profile_columns(profiles: Sequence[Profile]) -> dict[str, np.ndarray]:
    """Profiles as arrays: listed and emerging (bool), manufacturer (1, 0, -1 unknown)."""
    return {
        "listed": np.array([p.listed for p in profiles], dtype=bool),
        "manufacturer": np.array(
            [-1 if p.manufacturer is None else int(p.manufacturer) for p in profiles],
            dtype=np.int8,
        ),
        "emerging": np.array([p.emerging_market for p in profiles], dtype=bool),
    }


def z_score(statement: Statement, profile: Profile) -> ZScoreResult:
    """Score one statement with the variant the profile calls for, checking the inputs first."""
    cols = statement_columns([statement])
    prof = profile_columns([profile])
    codes, fallback = variant_codes(
        prof["listed"], prof["manufacturer"], prof["emerging"], cols["market_equity"]
    )
    variant = VARIANT_CODES[int(codes[0])]
    spec = SPECS[variant]
    ratios, masks = ratio_arrays(cols)
    issues: list[Issue] = []
    if fallback[0]:
        issues.append(
            Issue(
                "market_equity_missing",
                f"FY{statement.fiscal_year}: a listed manufacturer without a market value of "
                "equity; Z' (book equity) was used instead of the original Z.",
                statement.fiscal_year,
                ("market_equity",),
            )
        )
    for check, mask in zip(CHECKS, masks, strict=True):
        relevant = tuple(r for r in check.ratios if r in spec.weights)
        if mask[0] and relevant:
            labels = ", ".join(f"{r.upper()} ({RATIO_LABELS[r]})" for r in relevant)
            issues.append(
                Issue(
                    check.code,
                    f"FY{statement.fiscal_year}: {check.sentence}; set aside: {labels}.",
                    statement.fiscal_year,
                    check.fields,
                    relevant,
                )
            )
    score, partial, zone = score_arrays(ratios, codes)
    values = []
    for name, weight in spec.weights.items():
        value = float(ratios[name][0])
        ok = not np.isnan(value)
        values.append(
            RatioValue(
                name,
                RATIO_LABELS[name],
                weight,
                value if ok else None,
                weight * value if ok else None,
            )
        )
    zone_code = int(zone[0])
    return ZScoreResult(
        variant=variant,
        variant_name=spec.name,
        fiscal_year=statement.fiscal_year,
        currency=statement.currency,
        score=None if np.isnan(score[0]) else float(score[0]),
        zone=None if zone_code < 0 else (Zone.SAFE, Zone.GREY, Zone.DISTRESS)[zone_code],
        partial=bool(partial[0]),
        ratios=tuple(values),
        issues=tuple(issues),
        distress_below=spec.distress_below,
        safe_above=spec.safe_above,
    )


def altman_report(statements: Sequence[Statement], profile: Profile) -> AltmanReport:
    """Score every year, most recent last, after the cross-year checks.

    The latest year's currency is the reference: a year in another currency is set aside
    (its ratios are unit-free, but its trend would compare figures nobody checked together).
    A repeated year keeps the first statement given and sets the others aside; gaps between
    years are reported, and the trend is only computed across consecutive years.
    """
    if not statements:
        return AltmanReport(
            None,
            (),
            (Issue("no_statements", "No financial statements were given."),),
        )
    issues: list[Issue] = []
    set_aside: list[int] = []
    by_year: dict[int, Statement] = {}
    for statement in statements:
        if statement.fiscal_year in by_year:
            issues.append(
                Issue(
                    "duplicate_year",
                    f"FY{statement.fiscal_year} was given twice; the first statement is used "
                    "and the other set aside.",
                    statement.fiscal_year,
                )
            )
            set_aside.append(statement.fiscal_year)
            continue
        by_year[statement.fiscal_year] = statement
    years = sorted(by_year)
    reference = by_year[years[-1]].currency
    kept: list[Statement] = []
    for year in years:
        statement = by_year[year]
        if statement.currency != reference:
            issues.append(
                Issue(
                    "currency_mismatch",
                    f"FY{year} is in {statement.currency} but the latest year is in {reference}; "
                    f"FY{year} is set aside.",
                    year,
                    ("currency",),
                )
            )
            set_aside.append(year)
            continue
        kept.append(statement)
    kept_years = [s.fiscal_year for s in kept]
    missing = sorted(set(range(kept_years[0], kept_years[-1] + 1)) - set(kept_years))
    if missing:
        listed = ", ".join(f"FY{y}" for y in missing)
        issues.append(
            Issue(
                "missing_years",
                f"No statement for {listed}; the trend is only read across consecutive years.",
            )
        )
    history = tuple(z_score(s, profile) for s in kept)
    usable = [r for r in history if r.score is not None]
    latest = usable[-1] if usable else None
    if latest is not None and latest.fiscal_year != kept_years[-1]:
        issues.append(
            Issue(
                "latest_year_unusable",
                f"FY{kept_years[-1]} has no usable ratio; FY{latest.fiscal_year} is used.",
                kept_years[-1],
            )
        )
    return AltmanReport(latest, history, tuple(issues), tuple(set_aside))
