"""Reproducible evaluation of the reliability models on a generated population.

    .venv/bin/python bench/reliability_eval.py                # evaluation + SVG (about 1 min)
    .venv/bin/python bench/reliability_eval.py --batch 1000000  # also time assess_many

Hidden process (the models never see h, d or "deteriorating"; they see noisy traces of them):

- financial health h ~ N(0, 1); payment discipline d = 0.6 h + 0.8 e, e ~ N(0, 1);
  10 % of companies are "deteriorating" (their delays grow over the last 12 months).
- profile: manufacturer with p = 0.35, listed with p = 0.10 (market value = book equity x
  lognormal(0.3, 0.5)), no emerging-market companies.
- statements (60 % of companies; 3 % of those with one broken or missing figure):
  total assets lognormal(ln 5e7, 1.5); equity / assets = clip(0.35 + 0.12 h + N(0, 0.12),
  -0.5, 0.9); X1 = 0.12 + 0.10 h + N(0, 0.10); X2 = 0.10 + 0.18 h + N(0, 0.15);
  X3 = 0.05 + 0.05 h + N(0, 0.05); X5 = lognormal(ln 1.2, 0.4) (industry noise only).
- invoices (70 % of companies): 1 + Poisson(18) invoices over the 24 months before the day of
  scoring, 30-day terms, amounts lognormal; an invoice is late with p = sigmoid(-0.5 - 1.2 d),
  by Exponential(mean 12 exp(-0.6 d)) days; for deteriorating companies the delay of an
  invoice issued m months before scoring is multiplied by 1 + 0.25 (12 - m) in the last year.
  Invoices still unpaid on the day of scoring are open.
- checklist (90 %): years in business lognormal(ln 9, 0.9); open disputes with
  p = sigmoid(-2.2 - 0.7 h); ownership known with p = 0.85; references checked half the time,
  poor with p = sigmoid(-1.5 - d); registry active 97 %, unknown 2 %, struck off 1 %.
- outcome, serious delinquency in the next 12 months: logit p = -4.5 - 1.0 h - 0.9 d
  + 0.8 [years < 2] + 0.7 [disputes] + 0.4 [ownership unknown] + 1.2 [deteriorating]
  + 0.8 [h < -1.5 and d < -0.5]; struck-off companies have p = 0.6.

Companies are split 50 / 50 into a training and a test half (seeded); everything reported is
on the test half. Models: Altman alone (the profile's Z-score, mapped to a probability by a
one-variable logistic fit on the training half; companies without a full score get the
training base rate), payment behaviour alone (``learned`` on the payment features), the
combined learned model (all features), and the documented rules used when no model is trained.
"""

import argparse
import math
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from khata.reliability.scoring.altman import (  # noqa: E402
    FIELDS,
    ratio_arrays,
    score_arrays,
    variant_codes,
)
from khata.reliability.scoring.assessment import CompanyBatch, assess_many  # noqa: E402
from khata.reliability.scoring.checklist import (  # noqa: E402
    REFERENCE_CODES,
    REGISTRY_CODES,
    References,
    RegistryStatus,
)
from khata.reliability.scoring.learned import (  # noqa: E402
    FEATURES,
    PAYMENT_FEATURES,
    feature_matrix,
    train_matrix,
)
from khata.reliability.scoring.payments import Invoice, payment_behaviour, payment_columns  # noqa: E402

AS_OF = date(2026, 3, 31)
SEED = 20260331


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def generate(n: int, seed: int) -> tuple[CompanyBatch, np.ndarray]:
    """The population of the module docstring as batch columns, and the outcomes."""
    rng = np.random.default_rng(seed)
    h = rng.normal(size=n)
    d = 0.6 * h + 0.8 * rng.normal(size=n)
    deteriorating = rng.random(n) < 0.10

    manufacturer = (rng.random(n) < 0.35).astype(np.int8)
    listed = rng.random(n) < 0.10

    ta = np.exp(rng.normal(math.log(5e7), 1.5, n))
    eq_share = np.clip(0.35 + 0.12 * h + rng.normal(0, 0.12, n), -0.5, 0.9)
    x1 = 0.12 + 0.10 * h + rng.normal(0, 0.10, n)
    x2 = 0.10 + 0.18 * h + rng.normal(0, 0.15, n)
    x3 = 0.05 + 0.05 * h + rng.normal(0, 0.05, n)
    x5 = np.exp(rng.normal(math.log(1.2), 0.4, n))
    ca = ta * rng.uniform(0.3, 0.7, n)
    cl = np.maximum(ca - x1 * ta, 0.0)
    be = eq_share * ta
    tl = ta - be
    cl = np.minimum(cl, tl)
    cols = {
        "revenue": x5 * ta,
        "ebit": x3 * ta,
        "net_income": 0.7 * x3 * ta,
        "total_assets": ta,
        "current_assets": ca,
        "total_liabilities": tl,
        "current_liabilities": cl,
        "retained_earnings": x2 * ta,
        "book_equity": be,
        "market_equity": np.where(listed, be * np.exp(rng.normal(0.3, 0.5, n)), np.nan),
    }
    has_statement = rng.random(n) < 0.60
    for name in FIELDS:
        cols[name] = np.where(has_statement, cols[name], np.nan)
    broken = has_statement & (rng.random(n) < 0.03)
    kind = rng.integers(0, 2, n)
    cols["current_assets"] = np.where(broken & (kind == 0), ta * 1.2, cols["current_assets"])
    cols["retained_earnings"] = np.where(broken & (kind == 1), np.nan, cols["retained_earnings"])
    cols["has_statement"] = has_statement
    cols["fiscal_year"] = np.where(has_statement, 2025.0, np.nan)
    cols["listed"] = listed
    cols["manufacturer"] = manufacturer
    cols["emerging"] = np.zeros(n, dtype=bool)

    # Checklist
    has_checklist = rng.random(n) < 0.90
    years = np.exp(rng.normal(math.log(9), 0.9, n))
    disputes = rng.random(n) < sigmoid(-2.2 - 0.7 * h)
    ownership = rng.random(n) < 0.85
    checked = rng.random(n) < 0.5
    poor = rng.random(n) < sigmoid(-1.5 - d)
    reg_draw = rng.random(n)
    registry = np.where(
        reg_draw < 0.97,
        REGISTRY_CODES.index(RegistryStatus.ACTIVE),
        np.where(
            reg_draw < 0.99,
            REGISTRY_CODES.index(RegistryStatus.UNKNOWN),
            REGISTRY_CODES.index(RegistryStatus.STRUCK_OFF),
        ),
    )
    unknown = REGISTRY_CODES.index(RegistryStatus.UNKNOWN)
    cols["years"] = np.where(has_checklist, years, np.nan)
    cols["registry"] = np.where(has_checklist, registry, unknown).astype(np.int8)
    cols["disputes"] = np.where(has_checklist, disputes.astype(int), -1).astype(np.int8)
    cols["ownership"] = np.where(has_checklist, ownership.astype(int), -1).astype(np.int8)
    refs = np.where(
        checked,
        np.where(
            poor, REFERENCE_CODES.index(References.POOR), REFERENCE_CODES.index(References.GOOD)
        ),
        REFERENCE_CODES.index(References.NOT_CHECKED),
    )
    cols["references"] = np.where(
        has_checklist, refs, REFERENCE_CODES.index(References.NOT_CHECKED)
    ).astype(np.int8)

    # Invoices, read through payments.py exactly as the application will
    has_invoices = rng.random(n) < 0.70
    behaviours = []
    for i in range(n):
        if not has_invoices[i]:
            behaviours.append(None)
            continue
        count = 1 + rng.poisson(18)
        back = np.sort(rng.integers(0, 730, count))[::-1]
        amounts = np.round(np.exp(rng.normal(math.log(50_000), 0.8, count)), 2)
        late = rng.random(count) < sigmoid(-0.5 - 1.2 * d[i])
        delay = np.where(late, rng.exponential(12 * math.exp(-0.6 * d[i]), count), 0.0)
        delay -= np.where(late, 0, rng.integers(0, 6, count))  # some pay early
        if deteriorating[i]:
            months_back = back / 30.4
            delay = np.where(months_back < 12, delay * (1 + 0.25 * (12 - months_back)) + 5, delay)
        invoices = []
        for b, a, dl in zip(back, amounts, delay, strict=True):
            issued = AS_OF - timedelta(days=int(b))
            due = issued + timedelta(days=30)
            paid = due + timedelta(days=int(round(dl)))
            invoices.append(
                Invoice(issued, due, Decimal(str(a)), "INR", paid if paid <= AS_OF else None)
            )
        behaviours.append(payment_behaviour(invoices, AS_OF))
    cols.update(payment_columns(behaviours))

    logit = (
        -4.5
        - 1.0 * h
        - 0.9 * d
        + 0.8 * (years < 2)
        + 0.7 * disputes
        + 0.4 * ~ownership
        + 1.2 * deteriorating
        + 0.8 * ((h < -1.5) & (d < -0.5))
    )
    p = np.where(registry == REGISTRY_CODES.index(RegistryStatus.STRUCK_OFF), 0.6, sigmoid(logit))
    outcome = rng.random(n) < p
    return CompanyBatch.from_columns(cols), outcome


def take(batch: CompanyBatch, index: np.ndarray) -> CompanyBatch:
    return CompanyBatch.from_columns({k: v[index] for k, v in batch.columns().items()})


def altman_scores(batch: CompanyBatch) -> np.ndarray:
    """Full Z-scores under each company's variant, NaN when missing or partial."""
    cols = batch.columns()
    ratios, _ = ratio_arrays(cols)
    codes, _ = variant_codes(batch.listed, batch.manufacturer, batch.emerging, batch.market_equity)
    score, partial, zone = score_arrays(ratios, codes)
    # Scores of different variants are on different scales; put them on one by the position
    # between the variant's cut-offs (0 = distress cut-off, 1 = safe cut-off).
    from khata.reliability.scoring.altman import SPECS, VARIANT_CODES

    lower = np.array([SPECS[v].distress_below for v in VARIANT_CODES])[codes]
    upper = np.array([SPECS[v].safe_above for v in VARIANT_CODES])[codes]
    t = (score - lower) / (upper - lower)
    return np.where(batch.has_statement & (zone >= 0), t, np.nan)


def calibration_table(p: np.ndarray, y: np.ndarray, bins: int = 10) -> list[tuple]:
    order = np.argsort(p, kind="stable")
    rows = []
    for part in np.array_split(order, bins):
        rows.append((float(p[part].mean()), float(y[part].mean()), len(part)))
    return rows


def svg_plot(series: dict[str, list[tuple]], path: Path) -> None:
    """A reliability diagram (deciles: predicted vs observed) as a self-contained SVG."""
    width, height, left, right, top, bottom = 640, 500, 70, 190, 50, 60
    top_value = max(max(max(m, o) for m, o, _ in rows) for rows in series.values())
    top_value = math.ceil(top_value * 10 + 0.5) / 10
    pw, ph = width - left - right, height - top - bottom

    def px(v: float) -> float:
        return left + v / top_value * pw

    def py(v: float) -> float:
        return top + ph - v / top_value * ph

    colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#d62728"]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="{width / 2 - 60}" y="25" text-anchor="middle" font-size="15">'
        "Calibration on the test half: predicted vs observed (deciles)</text>",
        f'<line x1="{px(0)}" y1="{py(0)}" x2="{px(top_value)}" y2="{py(top_value)}" '
        'stroke="#999" stroke-dasharray="5,4"/>',
        f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>',
    ]
    steps = int(round(top_value / 0.1))
    for k in range(steps + 1):
        v = k * 0.1
        out.append(
            f'<line x1="{px(v)}" y1="{py(0)}" x2="{px(v)}" y2="{py(0) + 5}" stroke="#333"/>'
            f'<text x="{px(v)}" y="{py(0) + 18}" text-anchor="middle">{v:.0%}</text>'
            f'<line x1="{px(0) - 5}" y1="{py(v)}" x2="{px(0)}" y2="{py(v)}" stroke="#333"/>'
            f'<text x="{px(0) - 8}" y="{py(v) + 4}" text-anchor="end">{v:.0%}</text>'
        )
    out.append(
        f'<text x="{left + pw / 2}" y="{height - 15}" text-anchor="middle">'
        "predicted probability of serious delinquency (decile mean)</text>"
    )
    out.append(
        f'<text transform="translate(18 {top + ph / 2}) rotate(-90)" text-anchor="middle">'
        "observed share (decile)</text>"
    )
    for k, (name, rows) in enumerate(series.items()):
        colour = colours[k % len(colours)]
        points = " ".join(f"{px(m):.1f},{py(o):.1f}" for m, o, _ in rows)
        out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for m, o, _ in rows:
            out.append(f'<circle cx="{px(m):.1f}" cy="{py(o):.1f}" r="3.5" fill="{colour}"/>')
        ly = top + 20 + 22 * k
        out.append(
            f'<line x1="{width - right + 15}" y1="{ly}" x2="{width - right + 40}" y2="{ly}" '
            f'stroke="{colour}" stroke-width="3"/>'
            f'<text x="{width - right + 46}" y="{ly + 4}">{name}</text>'
        )
    out.append("</svg>")
    path.write_text("\n".join(out) + "\n")


def evaluate(n: int, seed: int, svg: Path) -> tuple[dict, object]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import brier_score_loss, roc_auc_score

    started = time.perf_counter()
    batch, y = generate(n, seed)
    generated = time.perf_counter() - started
    rng = np.random.default_rng(seed + 1)
    order = rng.permutation(n)
    train_idx, test_idx = np.sort(order[: n // 2]), np.sort(order[n // 2 :])
    train, test = take(batch, train_idx), take(batch, test_idx)
    y_train, y_test = y[train_idx], y[test_idx]
    x_train, x_test = feature_matrix(train.columns()), feature_matrix(test.columns())

    predictions: dict[str, np.ndarray] = {}

    # Altman alone
    t_train, t_test = altman_scores(train), altman_scores(test)
    known = np.isfinite(t_train)
    fit = LogisticRegression().fit(t_train[known, None], y_train[known])
    p_alt = np.full(len(test_idx), y_train.mean())
    ok = np.isfinite(t_test)
    p_alt[ok] = fit.predict_proba(t_test[ok, None])[:, 1]
    predictions["Altman alone"] = p_alt

    # Payment behaviour alone
    pay_index = [FEATURES.index(f) for f in PAYMENT_FEATURES]
    pay_model = train_matrix(
        x_train[:, pay_index], y_train, trained_on=AS_OF, features=PAYMENT_FEATURES, seed=seed
    )
    predictions["Payments alone"] = pay_model.predict_many(x_test[:, pay_index])[0]

    # Combined learned model
    model = train_matrix(x_train, y_train, trained_on=AS_OF, seed=seed)
    predictions["Combined (learned)"] = model.predict_many(x_test)[0]

    # Rules, no model
    predictions["Rules (no model)"] = assess_many(test, as_of=AS_OF).probability

    subsets = {
        "all": np.ones(len(test_idx), bool),
        "with statement": test.has_statement.astype(bool),
        "with invoices": test.invoice_count > 0,
        "with both": test.has_statement.astype(bool) & (test.invoice_count > 0),
        "neither": ~test.has_statement.astype(bool) & (test.invoice_count == 0),
    }
    results = {}
    for name, p in predictions.items():
        row = {}
        for subset, mask in subsets.items():
            row[subset] = (
                float(roc_auc_score(y_test[mask], p[mask])),
                float(brier_score_loss(y_test[mask], p[mask])),
                int(mask.sum()),
                float(y_test[mask].mean()),
            )
        row["calibration"] = calibration_table(p, y_test)
        results[name] = row
    svg_plot({k: v["calibration"] for k, v in results.items()}, svg)
    info = {
        "n": n,
        "seed": seed,
        "generated_seconds": generated,
        "base_rate_train": float(y_train.mean()),
        "base_rate_test": float(y_test.mean()),
        "combined_model_metrics": dict(model.metrics),
        "combined_calibration": model.calibration,
        "payments_model_metrics": dict(pay_model.metrics),
        "total_seconds": time.perf_counter() - started,
    }
    return {"results": results, "info": info}, model


def report(outcome: dict) -> str:
    info, results = outcome["info"], outcome["results"]
    lines = [
        f"Population {info['n']:,} companies, seed {info['seed']}; test half "
        f"{info['n'] // 2:,}; serious delinquency rate {info['base_rate_test']:.2%} (test), "
        f"{info['base_rate_train']:.2%} (train). Run time {info['total_seconds']:.0f} s.",
        "",
        "| model | AUC all | Brier all | AUC with statement | AUC with invoices | "
        "AUC with both | AUC neither |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, row in results.items():
        lines.append(
            f"| {name} | {row['all'][0]:.3f} | {row['all'][1]:.4f} | "
            f"{row['with statement'][0]:.3f} | {row['with invoices'][0]:.3f} | "
            f"{row['with both'][0]:.3f} | {row['neither'][0]:.3f} |"
        )
    sizes = results[next(iter(results))]
    lines.append("")
    lines.append(
        "Subset sizes (test): "
        + ", ".join(
            f"{k} {v[2]:,} ({v[3]:.1%} delinquent)" for k, v in sizes.items() if k != "calibration"
        )
    )
    lines.append("")
    lines.append("Calibration by decile of predicted probability (mean predicted / observed):")
    lines.append("")
    names = list(results)
    lines.append("| decile | " + " | ".join(names) + " |")
    lines.append("| --- |" + " --- |" * len(names))
    for k in range(10):
        cells = [
            f"{results[n]['calibration'][k][0]:.1%} / {results[n]['calibration'][k][1]:.1%}"
            for n in names
        ]
        lines.append(f"| {k + 1} | " + " | ".join(cells) + " |")
    m = info["combined_model_metrics"]
    lines.append("")
    lines.append(
        f"Combined model's own held-out test split (inside the training half): AUC {m['auc']:.3f}, "
        f"Brier {m['brier']:.4f}, calibration {info['combined_calibration']}."
    )
    return "\n".join(lines)


def synthetic_batch(n: int, seed: int) -> CompanyBatch:
    """n companies of random columns for timing (no invoices are generated: figures only)."""
    rng = np.random.default_rng(seed)
    ta = np.exp(rng.normal(17, 1.5, n))
    has = rng.random(n) < 0.6
    cols = {
        "revenue": ta * rng.lognormal(0.2, 0.4, n),
        "ebit": ta * rng.normal(0.05, 0.07, n),
        "net_income": ta * rng.normal(0.03, 0.05, n),
        "total_assets": ta,
        "current_assets": ta * rng.uniform(0.2, 0.8, n),
        "total_liabilities": ta * rng.uniform(0.2, 1.1, n),
        "retained_earnings": ta * rng.normal(0.1, 0.2, n),
        "book_equity": ta * rng.normal(0.35, 0.2, n),
        "market_equity": np.where(rng.random(n) < 0.1, ta * rng.lognormal(-0.5, 0.6, n), np.nan),
    }
    cols["current_liabilities"] = cols["total_liabilities"] * rng.uniform(0.2, 0.9, n)
    for name in FIELDS:
        cols[name] = np.where(has, cols[name], np.nan)
    pay = rng.random(n) < 0.7
    nan = np.full(n, np.nan)
    cols.update(
        has_statement=has,
        fiscal_year=np.where(has, 2025.0, np.nan),
        listed=rng.random(n) < 0.1,
        manufacturer=rng.integers(-1, 2, n).astype(np.int8),
        emerging=rng.random(n) < 0.05,
        invoice_count=np.where(pay, rng.poisson(18, n) + 1.0, 0.0),
        paid_count=np.where(pay, rng.poisson(16, n), 0.0),
        dbt_weighted=np.where(pay, rng.gamma(1.5, 8, n), nan),
        dbt_trend=np.where(pay, rng.normal(0, 1.5, n), nan),
        share_late=np.where(pay, rng.random(n), nan),
        longest_delay=np.where(pay, rng.gamma(2, 20, n), nan),
        open_overdue_amount=np.where(pay, rng.exponential(20_000, n), nan),
        open_90_amount=np.where(pay & (rng.random(n) < 0.05), 10_000.0, np.where(pay, 0.0, nan)),
        invoiced_12m=np.where(pay, rng.exponential(500_000, n), nan),
        years=rng.lognormal(2.2, 0.9, n),
        registry=rng.choice(4, n, p=[0.95, 0.01, 0.01, 0.03]).astype(np.int8),
        disputes=rng.integers(-1, 2, n).astype(np.int8),
        references=rng.integers(0, 3, n).astype(np.int8),
        ownership=rng.integers(-1, 2, n).astype(np.int8),
    )
    return CompanyBatch.from_columns(cols)


def time_batch(n: int, model) -> str:
    batch = synthetic_batch(n, SEED)
    lines = []
    for label, m in (("rules", None), ("learned model", model)):
        started = time.perf_counter()
        result = assess_many(batch, as_of=AS_OF, model=m)
        seconds = time.perf_counter() - started
        bands = np.bincount(result.band, minlength=5) / n
        lines.append(
            f"assess_many, {label}: {n:,} companies in {seconds:.2f} s "
            f"({n / seconds:,.0f} companies/s); bands A-E " + " ".join(f"{b:.0%}" for b in bands)
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=40_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--svg", type=Path, default=ROOT / "docs" / "reliability-calibration.svg")
    parser.add_argument("--batch", type=int, default=0, help="also time assess_many on N rows")
    args = parser.parse_args()
    outcome, model = evaluate(args.companies, args.seed, args.svg)
    print(report(outcome))
    print(f"\nCalibration plot written to {args.svg}")
    if args.batch:
        print()
        print(time_batch(args.batch, model))


if __name__ == "__main__":
    main()
