"""A learned, calibrated and explainable model of serious delinquency.

Target: the company paid an invoice 90 or more days beyond terms (or left one open that long)
within the 12 months after the day the features were read.

Model: L2-regularised logistic regression on standardised features (scikit-learn), then a
monotone calibration fitted on a separate split: isotonic regression when the calibration
split holds at least 100 positives, Platt scaling (a logistic curve on the log-odds) below
that, because isotonic steps over-fit small samples. The data are split 60 / 20 / 20 into
fitting, calibration and test rows (stratified, seeded); the stored metrics are on the test
rows, which neither step saw.

Explanation: each feature's contribution is ``coefficient x standardised value``, in log-odds
points relative to the average training company (missing values take the training median, so
they contribute about nothing and are listed as imputed). The contributions plus the
intercept give the raw log-odds; calibration is monotone, so it never changes the order.

Uncertainty: the covariance of the coefficients is the inverse of the penalised Fisher
information at the fit, and the standard error of a company's log-odds comes from the delta
method, ``sqrt(x' S x)``. It reflects how much history stands behind the model, not missing
inputs; ``assessment.py`` widens the interval for those.

Training refuses (``NotEnoughHistory``) when there are fewer than 50 positives or 50
negatives, or fewer than 300 rows: below that the test split cannot say whether the model
works. A model is stored as JSON (``to_json`` / ``from_json``), never as a pickle, so loading a
stored model cannot run code.

Size features (log revenue, log total assets) assume one reporting currency across the client
base; the caller converts amounts before building features.
"""

import json
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date

import numpy as np

from .altman import Statement, ratio_arrays, statement_columns
from .checklist import (
    REFERENCE_CODES,
    REGISTRY_CODES,
    Checklist,
    References,
    RegistryStatus,
    checklist_columns,
)
from .payments import PaymentBehaviour, payment_columns

FORMAT_VERSION = 1
MIN_POSITIVES = 50
MIN_NEGATIVES = 50
MIN_ROWS = 300
ISOTONIC_MIN_POSITIVES = 100
Z90 = 1.6448536269514722  # two-sided 90 % normal quantile

ALTMAN_FEATURES = ("has_statement", "x1", "x2", "x3", "x4b", "x5", "log_total_assets")
PAYMENT_FEATURES = (
    "has_payments",
    "dbt_weighted",
    "dbt_trend",
    "share_late",
    "log_longest_delay",
    "open_overdue_share",
    "open_90",
    "log_invoices",
)
CHECKLIST_FEATURES = (
    "log_years",
    "registry_active",
    "legal_disputes",
    "references_good",
    "references_poor",
    "ownership_known",
)
SIZE_FEATURES = ("log_revenue",)
FEATURES: tuple[str, ...] = ALTMAN_FEATURES + PAYMENT_FEATURES + CHECKLIST_FEATURES + SIZE_FEATURES

# Ratios far outside these ranges are data accidents or tiny denominators; clipping keeps one
# such value from dominating a linear model.
CLIP: Mapping[str, tuple[float, float]] = {
    "x1": (-2.0, 1.0),
    "x2": (-5.0, 1.0),
    "x3": (-2.0, 1.0),
    "x4b": (-2.0, 20.0),
    "x5": (0.0, 10.0),
    "dbt_weighted": (0.0, 365.0),
    "dbt_trend": (-30.0, 30.0),
    "open_overdue_share": (0.0, 5.0),
}

FEATURE_LABELS: Mapping[str, str] = {
    "has_statement": "financial statement on file",
    "x1": "working capital / total assets",
    "x2": "retained earnings / total assets",
    "x3": "EBIT / total assets",
    "x4b": "book equity / total liabilities",
    "x5": "sales / total assets",
    "log_total_assets": "size: log10 total assets",
    "has_payments": "invoice history on file",
    "dbt_weighted": "days beyond terms, weighted by amount",
    "dbt_trend": "trend of days beyond terms (days per month)",
    "share_late": "share of invoices paid late",
    "log_longest_delay": "longest delay: log(1 + days)",
    "open_overdue_share": "open overdue / last 12 months invoiced",
    "open_90": "an invoice open 90+ days beyond terms",
    "log_invoices": "number of invoices: log(1 + n)",
    "log_years": "years in business: log(1 + years)",
    "registry_active": "registry status active",
    "legal_disputes": "open legal disputes",
    "references_good": "trade references good",
    "references_poor": "trade references poor",
    "ownership_known": "beneficial ownership known",
    "log_revenue": "size: log10 revenue",
}

SOURCES: Mapping[str, str] = {
    **dict.fromkeys(ALTMAN_FEATURES, "statement"),
    **dict.fromkeys(PAYMENT_FEATURES, "invoices"),
    **dict.fromkeys(CHECKLIST_FEATURES, "checklist"),
    **dict.fromkeys(SIZE_FEATURES, "statement"),
}


@dataclass(frozen=True)
class FeatureRow:
    """One company's features as of a day (NaN = not known)."""

    has_statement: float = 0.0
    x1: float = math.nan
    x2: float = math.nan
    x3: float = math.nan
    x4b: float = math.nan
    x5: float = math.nan
    log_total_assets: float = math.nan
    has_payments: float = 0.0
    dbt_weighted: float = math.nan
    dbt_trend: float = math.nan
    share_late: float = math.nan
    log_longest_delay: float = math.nan
    open_overdue_share: float = math.nan
    open_90: float = math.nan
    log_invoices: float = 0.0
    log_years: float = math.nan
    registry_active: float = math.nan
    legal_disputes: float = math.nan
    references_good: float = 0.0
    references_poor: float = 0.0
    ownership_known: float = math.nan
    log_revenue: float = math.nan

    def vector(self, names: Sequence[str] = FEATURES) -> np.ndarray:
        """The features in the given order as a float array."""
        return np.array([getattr(self, n) for n in names], dtype=float)


assert tuple(f.name for f in fields(FeatureRow)) == FEATURES


def feature_matrix(cols: Mapping[str, np.ndarray]) -> np.ndarray:
    """Features (n x len(FEATURES), NaN unknown) from batch columns.

    ``cols`` holds the statement columns of ``altman.statement_columns``, the payment columns
    of ``payments.payment_columns`` and the checklist columns of
    ``checklist.checklist_columns`` (``assessment.CompanyBatch.columns()`` gives all three).
    """
    ratios, _ = ratio_arrays(cols)
    n = cols["has_statement"].shape[0]
    has_statement = cols["has_statement"].astype(bool)
    has_payments = cols["invoice_count"] > 0
    nan = np.full(n, np.nan)

    def log10_positive(values: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(values > 0, np.log10(np.where(values > 0, values, 1.0)), np.nan)

    with np.errstate(divide="ignore", invalid="ignore"):
        overdue_share = np.where(
            cols["invoiced_12m"] > 0, cols["open_overdue_amount"] / cols["invoiced_12m"], np.nan
        )
    registry, references = cols["registry"], cols["references"]
    unknown_registry = registry == REGISTRY_CODES.index(RegistryStatus.UNKNOWN)
    out = {
        "has_statement": has_statement.astype(float),
        **{name: np.where(has_statement, ratios[name], nan) for name in ("x1", "x2", "x3")},
        "x4b": np.where(has_statement, ratios["x4b"], nan),
        "x5": np.where(has_statement, ratios["x5"], nan),
        "log_total_assets": log10_positive(cols["total_assets"]),
        "has_payments": has_payments.astype(float),
        "dbt_weighted": np.where(has_payments, cols["dbt_weighted"], nan),
        "dbt_trend": np.where(has_payments, cols["dbt_trend"], nan),
        "share_late": np.where(has_payments, cols["share_late"], nan),
        "log_longest_delay": np.log1p(np.where(has_payments, cols["longest_delay"], nan)),
        "open_overdue_share": np.where(has_payments, overdue_share, nan),
        "open_90": np.where(has_payments, (cols["open_90_amount"] > 0).astype(float), nan),
        "log_invoices": np.log1p(cols["invoice_count"]),
        "log_years": np.log1p(np.maximum(cols["years"], 0.0)),
        "registry_active": np.where(
            unknown_registry, nan, (registry == REGISTRY_CODES.index(RegistryStatus.ACTIVE))
        ).astype(float),
        "legal_disputes": np.where(cols["disputes"] < 0, nan, cols["disputes"]).astype(float),
        "references_good": (references == REFERENCE_CODES.index(References.GOOD)).astype(float),
        "references_poor": (references == REFERENCE_CODES.index(References.POOR)).astype(float),
        "ownership_known": np.where(cols["ownership"] < 0, nan, cols["ownership"]).astype(float),
        "log_revenue": log10_positive(cols["revenue"]),
    }
    return np.stack([out[name] for name in FEATURES], axis=1)


def build_features(
    *,
    statement: Statement | None = None,
    payments: PaymentBehaviour | None = None,
    checklist: Checklist | None = None,
) -> FeatureRow:
    """Features from what is known about one company; anything missing stays NaN.

    The ratios are read from the statement directly (all six, whatever variant the profile
    calls for), through the same checks as the Z-score, so a broken ratio is NaN here too.
    """
    cols = {
        **statement_columns([statement]),
        **payment_columns([payments]),
        **checklist_columns([checklist]),
    }
    return FeatureRow(*map(float, feature_matrix(cols)[0]))


@dataclass(frozen=True)
class TrainingRow:
    """Features read on some day and whether serious delinquency followed within 12 months."""

    features: FeatureRow
    delinquent: bool


class NotEnoughHistory(ValueError):
    """Too little history to train and test a model; says what is missing."""

    code = "not_enough_history"

    def __init__(self, rows: int, positives: int, negatives: int):
        self.rows, self.positives, self.negatives = rows, positives, negatives
        super().__init__(
            f"Not enough history to train: {rows} rows with {positives} serious delinquencies "
            f"and {negatives} without; at least {MIN_ROWS} rows, {MIN_POSITIVES} of each kind "
            "are needed."
        )


@dataclass(frozen=True)
class Contribution:
    """What one feature did to the log-odds of one company."""

    name: str
    source: str
    value: float
    imputed: bool
    points: float


@dataclass(frozen=True)
class Prediction:
    """A calibrated probability with a 90 % interval from model uncertainty, explained."""

    probability: float
    low: float
    high: float
    log_odds: float
    log_odds_se: float
    intercept: float
    contributions: tuple[Contribution, ...]


@dataclass(frozen=True)
class TrainedModel:
    """Everything needed to score, explain and describe a trained model; JSON-serialisable."""

    features: tuple[str, ...]
    medians: tuple[float, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]
    coefficients: tuple[float, ...]
    intercept: float
    covariance: tuple[tuple[float, ...], ...]
    calibration: str  # "isotonic" or "platt"
    calibration_x: tuple[float, ...]
    calibration_y: tuple[float, ...]
    trained_on: date
    training_size: int
    positives: int
    negatives: int
    metrics: Mapping[str, float] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    # --- scoring ---------------------------------------------------------------------------

    def _prepare(self, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = np.array(matrix, dtype=float, copy=True)
        missing = np.isnan(x)
        x = np.where(missing, np.asarray(self.medians), x)
        for j, name in enumerate(self.features):
            if name in CLIP:
                lo, hi = CLIP[name]
                x[:, j] = np.clip(x[:, j], lo, hi)
        z = (x - np.asarray(self.means)) / np.asarray(self.scales)
        return z, missing

    def calibrate(self, log_odds: np.ndarray) -> np.ndarray:
        """Map raw log-odds to calibrated probabilities (monotone)."""
        if self.calibration == "isotonic":
            return np.interp(log_odds, self.calibration_x, self.calibration_y)
        a, b = self.calibration_x[0], self.calibration_x[1]
        return 1.0 / (1.0 + np.exp(-(a * log_odds + b)))

    def predict_many(self, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Calibrated probability, raw log-odds and its standard error for each row.

        ``matrix`` has one column per name in ``self.features``, NaN where unknown.
        """
        z, _ = self._prepare(matrix)
        eta = z @ np.asarray(self.coefficients) + self.intercept
        design = np.hstack([np.ones((z.shape[0], 1)), z])
        cov = np.asarray(self.covariance)
        se = np.sqrt(np.einsum("ij,jk,ik->i", design, cov, design))
        return self.calibrate(eta), eta, se

    def predict(self, features: FeatureRow) -> Prediction:
        """Score one company and say which features moved it, in log-odds points."""
        matrix = features.vector(self.features)[None, :]
        z, missing = self._prepare(matrix)
        p, eta, se = self.predict_many(matrix)
        coef = np.asarray(self.coefficients)
        contributions = tuple(
            Contribution(
                name,
                SOURCES.get(name, "model"),
                float(matrix[0, j]),
                bool(missing[0, j]),
                float(coef[j] * z[0, j]),
            )
            for j, name in enumerate(self.features)
        )
        bounds = self.calibrate(np.array([eta[0] - Z90 * se[0], eta[0] + Z90 * se[0]]))
        return Prediction(
            probability=float(p[0]),
            low=float(bounds[0]),
            high=float(bounds[1]),
            log_odds=float(eta[0]),
            log_odds_se=float(se[0]),
            intercept=self.intercept,
            contributions=tuple(sorted(contributions, key=lambda c: -abs(c.points))),
        )

    @property
    def description(self) -> str:
        """One line for a person: how much history and when."""
        return (
            f"learned model trained on {self.training_size} companies "
            f"({self.positives} serious delinquencies) on {self.trained_on.isoformat()}"
        )

    # --- storage ---------------------------------------------------------------------------

    def to_json(self) -> str:
        """The model as a JSON document (stable keys; floats round-trip exactly)."""
        data = asdict(self)
        data["trained_on"] = self.trained_on.isoformat()
        data["metrics"] = dict(self.metrics)
        return json.dumps(data, sort_keys=True)

    def to_bytes(self) -> bytes:
        """The JSON document as UTF-8 bytes, for a binary column."""
        return self.to_json().encode()

    @classmethod
    def from_json(cls, document: str | bytes) -> "TrainedModel":
        """Read a model written by ``to_json``; refuses an unknown format version."""
        data = json.loads(document)
        if data.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"Unknown model format version {data.get('format_version')!r}.")
        data["trained_on"] = date.fromisoformat(data["trained_on"])
        for key in ("features", "medians", "means", "scales", "coefficients"):
            data[key] = tuple(data[key])
        data["calibration_x"] = tuple(data["calibration_x"])
        data["calibration_y"] = tuple(data["calibration_y"])
        data["covariance"] = tuple(tuple(row) for row in data["covariance"])
        return cls(**data)


def _fit_calibration(eta: np.ndarray, y: np.ndarray) -> tuple[str, tuple, tuple]:
    from sklearn.isotonic import IsotonicRegression
    from sklearn.linear_model import LogisticRegression

    if int(y.sum()) >= ISOTONIC_MIN_POSITIVES:
        iso = IsotonicRegression(out_of_bounds="clip", y_min=1e-4, y_max=1 - 1e-4)
        iso.fit(eta, y)
        xs, ys = iso.X_thresholds_, iso.y_thresholds_
        return "isotonic", tuple(map(float, xs)), tuple(map(float, ys))
    platt = LogisticRegression(C=1e6, max_iter=1000).fit(eta[:, None], y)
    return "platt", (float(platt.coef_[0, 0]), float(platt.intercept_[0])), ()


def train(
    rows: Sequence[TrainingRow],
    *,
    trained_on: date,
    features: Sequence[str] = FEATURES,
    seed: int = 0,
    regularisation: float = 1.0,
) -> TrainedModel:
    """Fit, calibrate and test a model on the client base's history.

    Raises NotEnoughHistory when the history is too small to tell whether the model works.
    ``features`` may be a subset of FEATURES (the evaluation compares sources this way).
    """
    names = tuple(features)
    matrix = np.array([r.features.vector(names) for r in rows], dtype=float).reshape(
        len(rows), len(names)
    )
    outcomes = np.array([r.delinquent for r in rows], dtype=bool)
    return train_matrix(
        matrix,
        outcomes,
        trained_on=trained_on,
        features=names,
        seed=seed,
        regularisation=regularisation,
    )


def train_matrix(
    matrix: np.ndarray,
    outcomes: np.ndarray,
    *,
    trained_on: date,
    features: Sequence[str] = FEATURES,
    seed: int = 0,
    regularisation: float = 1.0,
) -> TrainedModel:
    """``train`` on a ready feature matrix (columns in the order of ``features``)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import brier_score_loss, roc_auc_score
    from sklearn.model_selection import train_test_split

    names = tuple(features)
    y = np.asarray(outcomes, dtype=int)
    positives = int(y.sum())
    negatives = len(y) - positives
    if len(y) < MIN_ROWS or positives < MIN_POSITIVES or negatives < MIN_NEGATIVES:
        raise NotEnoughHistory(len(y), positives, negatives)
    x = np.asarray(matrix, dtype=float)

    index = np.arange(len(y))
    fit_idx, rest = train_test_split(index, test_size=0.4, stratify=y, random_state=seed)
    cal_idx, test_idx = train_test_split(rest, test_size=0.5, stratify=y[rest], random_state=seed)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a column never known: median 0 below
        medians = np.nanmedian(x[fit_idx], axis=0)
    medians = np.where(np.isnan(medians), 0.0, medians)
    filled = np.where(np.isnan(x), medians, x)
    for j, name in enumerate(names):
        if name in CLIP:
            filled[:, j] = np.clip(filled[:, j], *CLIP[name])
    means = filled[fit_idx].mean(axis=0)
    scales = filled[fit_idx].std(axis=0)
    scales = np.where(scales > 1e-12, scales, 1.0)
    z = (filled - means) / scales

    model = LogisticRegression(C=regularisation, max_iter=2000)
    model.fit(z[fit_idx], y[fit_idx])
    coef, intercept = model.coef_[0], float(model.intercept_[0])

    # Penalised Fisher information; sklearn's L2 term is ||w||^2 / (2C) and spares the intercept.
    design = np.hstack([np.ones((len(fit_idx), 1)), z[fit_idx]])
    p_fit = model.predict_proba(z[fit_idx])[:, 1]
    info = design.T @ (design * (p_fit * (1 - p_fit))[:, None])
    info[1:, 1:] += np.eye(len(names)) / regularisation
    covariance = np.linalg.pinv(info)

    eta = z @ coef + intercept
    kind, cal_x, cal_y = _fit_calibration(eta[cal_idx], y[cal_idx])
    trained = TrainedModel(
        features=names,
        medians=tuple(map(float, medians)),
        means=tuple(map(float, means)),
        scales=tuple(map(float, scales)),
        coefficients=tuple(map(float, coef)),
        intercept=intercept,
        covariance=tuple(tuple(map(float, row)) for row in covariance),
        calibration=kind,
        calibration_x=cal_x,
        calibration_y=cal_y,
        trained_on=trained_on,
        training_size=len(y),
        positives=positives,
        negatives=negatives,
    )
    p_test = trained.calibrate(eta[test_idx])
    metrics = {
        "test_rows": float(len(test_idx)),
        "test_positives": float(y[test_idx].sum()),
        "auc": float(roc_auc_score(y[test_idx], p_test)),
        "brier": float(brier_score_loss(y[test_idx], p_test)),
        "base_rate": float(y.mean()),
    }
    return replace(trained, metrics=metrics)
