"""The reliability assessment: Altman, payment behaviour and the checklist combined.

One rule set, written once over numpy arrays, serves both ``assess`` (one company, with the
full explanation) and ``assess_many`` (a batch of any size), so the two always agree.

Probability of serious delinquency (90+ days beyond terms within 12 months)
---------------------------------------------------------------------------
With a trained model (``learned.TrainedModel``) the model's calibrated probability is used.
Without one, documented rules add log-odds points to the prior odds (``Policy.prior``, 4 %):

- Altman, full score only: with t = (score - distress cut-off) / (safe cut-off - distress
  cut-off) of the variant used, points = clip(0.9 - 1.6 t, -0.8, 1.5): +0.9 at the distress
  cut-off, -0.7 at the safe one. A partial score gives no points (its zone is unknown).
- Days beyond terms, amount-weighted: 0.03 x min(DBT, 60) - 0.3 (on time -0.3, 10 days 0,
  60+ days +1.5). Trend: 0.05 x clip(days per month, -10, 10).
- Open overdue amount as a share of the last 12 months' invoicing: + min(share, 1).
  Any invoice open more than 90 days beyond terms: +2.0 (the event is under way).
- Checklist: the points of ``checklist.py``.

Interval (90 %)
---------------
The log-odds get a standard deviation built from what is missing, in quadrature: 0.3 for the
rules themselves (0 with a model, whose own standard error is used instead); no statement
0.9, a partial or old (3+ years) one 0.5; no invoice history 0.8, fewer than 6 paid invoices
0.4; 0.25 for each unanswered checklist question. A new prospect known only by its checklist
thus spans about +-2 log-odds: from under 1 % to over 20 %, never one precise figure.

Bands (on the probability)
--------------------------
A < 1 %, B < 3 %, C < 8 %, D < 20 %, E otherwise; a registry hard stop (struck off, in
liquidation) is always E. ``band_range`` gives the bands of the interval's ends.

Credit limit and terms
----------------------
Capacity from the latest statement: min(revenue / 12, 20 % of book equity) when both are
known (0 when equity is zero or negative), revenue / 24 with revenue alone, 10 % of equity
with equity alone; without a statement, two months of what we invoiced in the last 12 months.
The limit is capacity x (A 1.0, B 0.75, C 0.5, D 0.25, E 0), rounded down to two significant
figures, in the statement's currency (or the invoices'). No basis: no limit is suggested.
Terms: A net 60, B net 45, C net 30, D net 15 or 50 % prepayment, E prepayment only; thin data
(completeness under 0.5) caps terms at net 30.

Completeness and validity
-------------------------
Completeness = 0.45 x statement (1 full, 0.5 partial or old) + 0.35 x min(paid invoices / 6, 1)
+ 0.20 x share of checklist questions answered. Valid for A 365, B 270, C 180, D 90, E 30
days, times (0.5 + 0.5 x completeness), at least 14 days.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum

import numpy as np

from .altman import (
    FIELDS,
    SPECS,
    VARIANT_CODES,
    AltmanReport,
    Issue,
    Profile,
    Statement,
    Zone,
    altman_report,
    profile_columns,
    ratio_arrays,
    score_arrays,
    statement_columns,
    variant_codes,
)
from .checklist import (
    ITEM_LABELS,
    ITEMS,
    Checklist,
    ChecklistScore,
    checklist_columns,
    checklist_points,
    score_checklist,
)
from .learned import FEATURE_LABELS, FEATURES, SOURCES, TrainedModel, feature_matrix
from .payments import (
    PAYMENT_COLUMNS,
    Invoice,
    InvoiceIssue,
    PaymentBehaviour,
    payment_behaviour_by_currency,
    payment_columns,
)

Z90 = 1.6448536269514722


class Band(StrEnum):
    """Reliability bands, best first."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"


BANDS: tuple[Band, ...] = tuple(Band)
BAND_MEANINGS: dict[Band, str] = {
    Band.A: "Very reliable: serious late payment is rare (under 1 in 100). Normal terms.",
    Band.B: "Reliable: serious late payment is unlikely (1 to 3 in 100).",
    Band.C: "Acceptable: some risk (3 to 8 in 100); watch payments and keep terms short.",
    Band.D: "Weak: serious late payment is likely enough (8 to 20 in 100) to secure the sale.",
    Band.E: "Do not extend credit: serious late payment is likely (20 in 100 or more) "
    "or the registry says the company is gone or being wound up. Prepayment only.",
}
TERMS: tuple[str, ...] = (
    "net 60 days",
    "net 45 days",
    "net 30 days",
    "net 15 days, or 50% prepayment",
    "prepayment only",
)


@dataclass(frozen=True)
class Policy:
    """The documented constants of the rules (see the module docstring)."""

    prior: float = 0.04
    band_upper: tuple[float, ...] = (0.01, 0.03, 0.08, 0.20)
    limit_multiplier: tuple[float, ...] = (1.0, 0.75, 0.5, 0.25, 0.0)
    valid_days: tuple[int, ...] = (365, 270, 180, 90, 30)
    min_valid_days: int = 14
    old_statement_years: int = 3
    thin_completeness: float = 0.5


# --- batch input -------------------------------------------------------------------------


@dataclass(frozen=True)
class CompanyBatch:
    """Columns for n companies (NaN, -1 or False = unknown), the input of ``assess_many``.

    Statement columns are the latest usable year's figures (``altman.FIELDS``), payment
    columns those of ``payments.PAYMENT_COLUMNS``, checklist columns as encoded by
    ``checklist.checklist_columns``; ``currency`` is an array of 3-letter codes or None.
    """

    revenue: np.ndarray
    ebit: np.ndarray
    net_income: np.ndarray
    total_assets: np.ndarray
    current_assets: np.ndarray
    total_liabilities: np.ndarray
    current_liabilities: np.ndarray
    retained_earnings: np.ndarray
    book_equity: np.ndarray
    market_equity: np.ndarray
    has_statement: np.ndarray
    fiscal_year: np.ndarray
    listed: np.ndarray
    manufacturer: np.ndarray
    emerging: np.ndarray
    invoice_count: np.ndarray
    paid_count: np.ndarray
    dbt_weighted: np.ndarray
    dbt_trend: np.ndarray
    share_late: np.ndarray
    longest_delay: np.ndarray
    open_overdue_amount: np.ndarray
    open_90_amount: np.ndarray
    invoiced_12m: np.ndarray
    years: np.ndarray
    registry: np.ndarray
    disputes: np.ndarray
    references: np.ndarray
    ownership: np.ndarray

    def __len__(self) -> int:
        return int(self.revenue.shape[0])

    def columns(self) -> dict[str, np.ndarray]:
        """The columns by name."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_columns(cls, cols: dict[str, np.ndarray]) -> "CompanyBatch":
        """Build from a mapping holding every column."""
        return cls(**{f.name: np.asarray(cols[f.name]) for f in fields(cls)})


assert set(FIELDS) <= {f.name for f in fields(CompanyBatch)}
assert set(PAYMENT_COLUMNS) <= {f.name for f in fields(CompanyBatch)}


@dataclass(frozen=True)
class BatchResult:
    """Per-company results of ``assess_many`` as arrays (band: 0=A … 4=E)."""

    probability: np.ndarray
    low: np.ndarray
    high: np.ndarray
    band: np.ndarray
    band_low: np.ndarray
    band_high: np.ndarray
    completeness: np.ndarray
    valid_days: np.ndarray
    credit_capacity: np.ndarray
    credit_limit: np.ndarray
    terms: np.ndarray
    hard_stop: np.ndarray
    z_score: np.ndarray
    z_variant: np.ndarray
    z_zone: np.ndarray
    z_partial: np.ndarray
    points: np.ndarray  # rules path: n x len(RULE_FACTORS); model path: n x len(features)
    point_names: tuple[str, ...]


RULE_FACTORS: tuple[str, ...] = (
    "altman",
    "dbt_weighted",
    "dbt_trend",
    "open_overdue_share",
    "open_90",
    *ITEMS,
)


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _round_down_2sf(values: np.ndarray) -> np.ndarray:
    out = np.full(values.shape, np.nan)
    positive = values > 0
    exponent = np.floor(np.log10(np.where(positive, values, 1.0))) - 1
    scale = 10.0**exponent
    out[positive] = np.floor(values[positive] / scale[positive] + 1e-9) * scale[positive]
    out[values == 0] = 0.0
    return out


def _core(
    batch: CompanyBatch, *, as_of_year: int, model: TrainedModel | None, policy: Policy
) -> BatchResult:
    cols = batch.columns()
    has_statement = batch.has_statement.astype(bool)

    # Altman
    ratios, _ = ratio_arrays(cols)
    codes, _ = variant_codes(batch.listed, batch.manufacturer, batch.emerging, batch.market_equity)
    z, z_partial, z_zone = score_arrays(ratios, codes)
    z = np.where(has_statement, z, np.nan)
    z_zone = np.where(has_statement, z_zone, -1).astype(np.int8)
    z_partial = z_partial & has_statement
    lower = np.array([SPECS[v].distress_below for v in VARIANT_CODES])[codes]
    upper = np.array([SPECS[v].safe_above for v in VARIANT_CODES])[codes]
    full_z = has_statement & (z_zone >= 0)
    t = (z - lower) / (upper - lower)
    altman_points = np.where(full_z, np.clip(0.9 - 1.6 * t, -0.8, 1.5), 0.0)

    # Payments
    has_pay = batch.invoice_count > 0
    paid = np.nan_to_num(batch.paid_count)
    dbt_points = np.where(
        np.isfinite(batch.dbt_weighted), 0.03 * np.minimum(batch.dbt_weighted, 60.0) - 0.3, 0.0
    )
    trend_points = np.where(
        np.isfinite(batch.dbt_trend), 0.05 * np.clip(batch.dbt_trend, -10.0, 10.0), 0.0
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(
            batch.invoiced_12m > 0, batch.open_overdue_amount / batch.invoiced_12m, np.nan
        )
    overdue_points = np.where(np.isfinite(share), np.minimum(share, 1.0), 0.0)
    open90_points = np.where(np.nan_to_num(batch.open_90_amount) > 0, 2.0, 0.0)

    # Checklist
    check_points, hard_stop, informative = checklist_points(
        batch.years, batch.registry, batch.disputes, batch.references, batch.ownership
    )

    rule_points = np.column_stack(
        [altman_points, dbt_points, trend_points, overdue_points, open90_points, check_points]
    )

    # Uncertainty from what is missing (module docstring)
    old = has_statement & (as_of_year - batch.fiscal_year >= policy.old_statement_years)
    statement_sd = np.where(~has_statement, 0.9, np.where(z_partial | ~full_z | old, 0.5, 0.0))
    payment_sd = np.where(~has_pay, 0.8, np.where(paid < 6, 0.4, 0.0))
    checklist_var = (0.25**2) * (~informative).sum(axis=1)
    missing_var = statement_sd**2 + payment_sd**2 + checklist_var

    if model is None:
        eta = _logit(policy.prior) + rule_points.sum(axis=1)
        sd = np.sqrt(0.3**2 + missing_var)
        probability = _expit(eta)
        low, high = _expit(eta - Z90 * sd), _expit(eta + Z90 * sd)
        points, point_names = rule_points, RULE_FACTORS
    else:
        matrix = feature_matrix(cols)
        index = [FEATURES.index(name) for name in model.features]
        matrix = matrix[:, index]
        probability, eta, se = model.predict_many(matrix)
        sd = np.sqrt(se**2 + missing_var)
        low, high = model.calibrate(eta - Z90 * sd), model.calibrate(eta + Z90 * sd)
        prepared, _ = model._prepare(matrix)
        points = prepared * np.asarray(model.coefficients)
        point_names = model.features
        # Struck off or in liquidation is decisive whatever the model learned.
    thresholds = np.asarray(policy.band_upper)
    band = np.searchsorted(thresholds, probability, side="right").astype(np.int8)
    band_low = np.searchsorted(thresholds, low, side="right").astype(np.int8)
    band_high = np.searchsorted(thresholds, high, side="right").astype(np.int8)
    band[hard_stop] = band_low[hard_stop] = band_high[hard_stop] = 4

    # Completeness
    statement_part = np.where(~has_statement, 0.0, np.where(z_partial | ~full_z | old, 0.5, 1.0))
    completeness = (
        0.45 * statement_part + 0.35 * np.minimum(paid / 6.0, 1.0) + 0.20 * informative.mean(axis=1)
    )

    # Credit capacity and limit
    revenue = np.where(has_statement & (batch.revenue > 0), batch.revenue, np.nan)
    equity = np.where(has_statement, batch.book_equity, np.nan)
    with np.errstate(invalid="ignore"):
        capacity = np.select(
            [
                np.isfinite(revenue) & np.isfinite(equity),
                np.isfinite(revenue),
                np.isfinite(equity),
                batch.invoiced_12m > 0,
            ],
            [
                np.minimum(revenue / 12.0, 0.2 * np.maximum(equity, 0.0)),
                revenue / 24.0,
                0.1 * np.maximum(equity, 0.0),
                batch.invoiced_12m / 6.0,
            ],
            np.nan,
        )
    multiplier = np.asarray(policy.limit_multiplier)[band]
    limit = _round_down_2sf(capacity * multiplier)
    thin = completeness < policy.thin_completeness
    terms = np.where(thin, np.maximum(band, 2), band).astype(np.int8)
    terms[band == 4] = 4

    valid = np.asarray(policy.valid_days)[band] * (0.5 + 0.5 * completeness)
    valid_days = np.maximum(np.floor(valid), policy.min_valid_days).astype(np.int32)

    return BatchResult(
        probability=probability,
        low=low,
        high=high,
        band=band,
        band_low=band_low,
        band_high=band_high,
        completeness=completeness,
        valid_days=valid_days,
        credit_capacity=capacity,
        credit_limit=limit,
        terms=terms,
        hard_stop=hard_stop,
        z_score=z,
        z_variant=codes,
        z_zone=z_zone,
        z_partial=z_partial,
        points=points,
        point_names=tuple(point_names),
    )


def assess_many(
    batch: CompanyBatch,
    *,
    as_of: date,
    model: TrainedModel | None = None,
    policy: Policy | None = None,
    chunk: int = 250_000,
) -> BatchResult:
    """Assess every company of the batch at once (vectorised; processed in chunks)."""
    policy = policy or Policy()
    n = len(batch)
    if n <= chunk:
        return _core(batch, as_of_year=as_of.year, model=model, policy=policy)
    cols = batch.columns()
    parts = [
        _core(
            CompanyBatch.from_columns({k: v[start : start + chunk] for k, v in cols.items()}),
            as_of_year=as_of.year,
            model=model,
            policy=policy,
        )
        for start in range(0, n, chunk)
    ]
    merged = {}
    for f in fields(BatchResult):
        if f.name == "point_names":
            merged[f.name] = parts[0].point_names
        else:
            merged[f.name] = np.concatenate([getattr(p, f.name) for p in parts])
    return BatchResult(**merged)


# --- one company, explained --------------------------------------------------------------


@dataclass(frozen=True)
class CompanyInput:
    """What is known about one company on the day of the assessment."""

    as_of: date
    profile: Profile = field(default_factory=Profile)
    statements: Sequence[Statement] = ()
    invoices: Sequence[Invoice] = ()
    checklist: Checklist | None = None


@dataclass(frozen=True)
class Factor:
    """One thing that drove the assessment: its value, its log-odds points, its source."""

    name: str
    label: str
    value: str
    points: float
    source: str


@dataclass(frozen=True)
class Assessment:
    """The reliability assessment of one company on one day."""

    as_of: date
    probability: float
    low: float
    high: float
    band: Band
    band_meaning: str
    band_range: tuple[Band, Band]
    thin_data: bool
    summary: str
    method: str
    credit_limit: Decimal | None
    currency: str | None
    terms: str
    factors: tuple[Factor, ...]
    completeness: float
    missing: tuple[str, ...]
    valid_until: date
    hard_stop: bool
    set_aside: tuple[str, ...]
    altman: AltmanReport | None
    payments: PaymentBehaviour | None
    checklist: ChecklistScore | None


def _choose_payments(
    invoices: Sequence[Invoice], as_of: date, currency: str | None
) -> tuple[PaymentBehaviour | None, list[str]]:
    by_currency = payment_behaviour_by_currency(invoices, as_of)
    if not by_currency:
        return None, []
    if currency not in by_currency:
        currency = max(by_currency, key=lambda c: (by_currency[c].invoice_count, c))
    notes = [
        f"invoices in {other} ({by_currency[other].invoice_count}) set aside: amounts are only "
        f"read in {currency}"
        for other in sorted(by_currency)
        if other != currency
    ]
    chosen = by_currency[currency]
    return chosen, notes


def _fmt(value: float | None, spec: str = ".2f") -> str:
    return "unknown" if value is None or not math.isfinite(value) else format(value, spec)


def assess(
    company: CompanyInput, *, model: TrainedModel | None = None, policy: Policy | None = None
) -> Assessment:
    """Assess one company and explain it: every number says where it came from."""
    policy = policy or Policy()
    as_of = company.as_of
    report = altman_report(company.statements, company.profile) if company.statements else None
    latest = report.latest if report else None
    statement = None
    if latest is not None:
        statement = next(
            s
            for s in company.statements
            if s.fiscal_year == latest.fiscal_year and s.currency == latest.currency
        )
    currency = statement.currency if statement else None
    payments, payment_notes = _choose_payments(company.invoices, as_of, currency)
    currency = currency or (payments.currency if payments else None)
    check = score_checklist(company.checklist) if company.checklist else None

    cols = {
        **statement_columns([statement]),
        **profile_columns([company.profile]),
        **payment_columns([payments]),
        **checklist_columns([company.checklist]),
    }
    result = _core(
        CompanyBatch.from_columns(cols), as_of_year=as_of.year, model=model, policy=policy
    )

    band = BANDS[int(result.band[0])]
    probability, low, high = (
        float(result.probability[0]),
        float(result.low[0]),
        float(result.high[0]),
    )
    completeness = float(result.completeness[0])
    statement_source = f"statement FY{statement.fiscal_year}" if statement else "statement"
    invoice_source = f"invoices to {as_of.isoformat()}"
    checklist_source = company.checklist.source if company.checklist else "checklist"
    sources = {
        "statement": statement_source,
        "invoices": invoice_source,
        "checklist": checklist_source,
    }

    values = dict(zip(FEATURES, feature_matrix(cols)[0], strict=True)) if model else {}
    factors = _factors(result, latest, payments, check, sources, model, values)

    missing: list[str] = []
    if statement is None:
        missing.append("financial statements")
    elif latest is not None and (latest.partial or latest.zone is None):
        missing.append(f"a complete statement (FY{statement.fiscal_year} is partial)")
    if statement is not None and as_of.year - statement.fiscal_year >= policy.old_statement_years:
        missing.append(f"a recent statement (the latest is FY{statement.fiscal_year})")
    if payments is None:
        missing.append("invoice history")
    elif payments.paid_count < 6:
        missing.append(f"more paid invoices ({payments.paid_count} of the 6 wanted)")
    if check is None:
        missing.append("the checklist")
    else:
        missing.extend(f"checklist: {ITEM_LABELS[name]}" for name in check.unanswered)

    set_aside = [i.message for i in (report.issues if report else ())]
    for r in report.history if report else ():
        set_aside.extend(i.message for i in r.issues)
    if payments is not None:
        set_aside.extend(i.message for i in payments.issues)
    set_aside.extend(payment_notes)

    limit_value = float(result.credit_limit[0])
    credit_limit = (
        None
        if not math.isfinite(limit_value)
        else Decimal(repr(limit_value)).quantize(Decimal(1), rounding=ROUND_FLOOR)
    )
    thin = completeness < policy.thin_completeness
    band_range = (BANDS[int(result.band_low[0])], BANDS[int(result.band_high[0])])
    hard_stop = bool(result.hard_stop[0])
    method = model.description if model is not None else "documented rules (no trained model)"
    summary = _summary(band, probability, low, high, thin, hard_stop, missing)
    return Assessment(
        as_of=as_of,
        probability=probability,
        low=low,
        high=high,
        band=band,
        band_meaning=BAND_MEANINGS[band],
        band_range=band_range,
        thin_data=thin,
        summary=summary,
        method=method,
        credit_limit=credit_limit,
        currency=currency if credit_limit is not None else None,
        terms=TERMS[int(result.terms[0])],
        factors=factors,
        completeness=completeness,
        missing=tuple(missing),
        valid_until=as_of + timedelta(days=int(result.valid_days[0])),
        hard_stop=hard_stop,
        set_aside=tuple(set_aside),
        altman=report,
        payments=payments,
        checklist=check,
    )


def _summary(
    band: Band,
    probability: float,
    low: float,
    high: float,
    thin: bool,
    hard_stop: bool,
    missing: list[str],
) -> str:
    if hard_stop:
        return "Band E: the registry says the company is struck off or being wound up."
    span = f"between {low:.1%} and {high:.1%}"
    if thin:
        return (
            f"Thin data ({', '.join(missing[:3]) or 'little known'} missing): the chance of "
            f"serious late payment is uncertain, {span}; band {band} is provisional."
        )
    return f"Band {band}: chance of serious late payment {probability:.1%} ({span})."


def _factors(
    result: BatchResult,
    latest,
    payments: PaymentBehaviour | None,
    check: ChecklistScore | None,
    sources: dict[str, str],
    model: TrainedModel | None,
    values: dict[str, float],
) -> tuple[Factor, ...]:
    points = result.points[0]
    out: list[Factor] = []
    if model is None:
        if latest is not None:
            zone = latest.zone.value if latest.zone else "no zone: partial score"
            out.append(
                Factor(
                    "altman",
                    latest.variant_name,
                    f"{_fmt(latest.score)} ({zone})",
                    float(points[0]),
                    sources["statement"],
                )
            )
        if payments is not None and payments.has_history:
            out.append(
                Factor(
                    "dbt_weighted",
                    "days beyond terms, weighted by amount",
                    _fmt(payments.dbt_weighted, ".1f"),
                    float(points[1]),
                    sources["invoices"],
                )
            )
            out.append(
                Factor(
                    "dbt_trend",
                    "trend of days beyond terms (days per month)",
                    _fmt(payments.trend_days_per_month, "+.1f"),
                    float(points[2]),
                    sources["invoices"],
                )
            )
            out.append(
                Factor(
                    "open_overdue",
                    "open overdue amount",
                    f"{payments.open_overdue_amount} {payments.currency}",
                    float(points[3]),
                    sources["invoices"],
                )
            )
            out.append(
                Factor(
                    "open_90",
                    "open more than 90 days beyond terms",
                    f"{payments.open_overdue_90_amount} {payments.currency}",
                    float(points[4]),
                    sources["invoices"],
                )
            )
        if check is not None:
            for k, item in enumerate(check.items):
                out.append(
                    Factor(item.name, item.label, item.answer, float(points[5 + k]), check.source)
                )
    else:
        for name, value in zip(result.point_names, points, strict=True):
            raw = values.get(name, math.nan)
            shown = _fmt(raw, ".3g") if math.isfinite(raw) else "not known (median used)"
            out.append(
                Factor(
                    name,
                    FEATURE_LABELS.get(name, name.replace("_", " ")),
                    shown,
                    float(value),
                    sources.get(SOURCES.get(name, ""), "model"),
                )
            )
    return tuple(sorted(out, key=lambda f: -abs(f.points)))


__all__ = [
    "Assessment",
    "BatchResult",
    "Band",
    "CompanyBatch",
    "CompanyInput",
    "Factor",
    "Issue",
    "InvoiceIssue",
    "Policy",
    "Zone",
    "assess",
    "assess_many",
]
