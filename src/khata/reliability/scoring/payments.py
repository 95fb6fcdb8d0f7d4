"""Payment behaviour read from a company's own invoice history, as of a given day.

Days beyond terms (DBT) of a paid invoice is ``paid - due`` in days, counted as 0 when paid on
time or early (the measure credit bureaus use; early payment earns nothing here). Everything is
read as of ``as_of``: an invoice issued later is ignored and one paid later counts as still
open, so the same history gives the same figures whenever it is scored (no look-ahead, which
matters when the figures are used to train a model on past outcomes).

Figures (all about invoices issued on or before ``as_of``):

- ``dbt_average`` and ``dbt_weighted`` (weighted by amount) over paid invoices;
- ``trend_days_per_month``: least-squares slope of the amount-weighted DBT per calendar month
  of payment, over the 12 months ending with the month of ``as_of``; at least 3 months with
  payments are needed. Positive means paying later and later. Invoices still open do not enter
  the trend (their delay is not known yet); the open overdue figures carry that signal;
- ``share_paid_late`` (by count) and ``share_paid_late_by_amount`` over paid invoices;
- ``longest_delay_days``: the longest DBT paid, or the age beyond due of an open invoice if
  that is longer;
- ``open_overdue_amount`` (Decimal) and count, and ``open_overdue_90_amount`` for invoices
  more than 90 days beyond terms;
- counts: invoices, paid, open, open overdue, set aside.

Amounts in different currencies are never added: ``payment_behaviour`` refuses a mixed
history (``MixedCurrencies``) and ``payment_behaviour_by_currency`` gives one result per
currency. Invoices that make no sense (due before issue, amount of zero or less) are set aside
with a reason.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np

TREND_MONTHS = 12
MIN_TREND_MONTHS = 3
SERIOUS_DBT_DAYS = 90


@dataclass(frozen=True)
class Invoice:
    """One invoice to the company: when issued, when due, when paid (None = open)."""

    issued: date
    due: date
    amount: Decimal
    currency: str
    paid: date | None = None
    reference: str = ""


@dataclass(frozen=True)
class InvoiceIssue:
    """An invoice set aside, with a machine code and a sentence."""

    code: str
    message: str
    reference: str = ""


@dataclass(frozen=True)
class PaymentBehaviour:
    """How the company has paid, as of a day, in one currency."""

    as_of: date
    currency: str | None
    invoice_count: int
    paid_count: int
    open_count: int
    open_overdue_count: int
    dbt_average: float | None
    dbt_weighted: float | None
    trend_days_per_month: float | None
    trend_months: int
    share_paid_late: float | None
    share_paid_late_by_amount: float | None
    longest_delay_days: int | None
    open_overdue_amount: Decimal
    open_overdue_90_amount: Decimal
    invoiced_last_12_months: Decimal
    issues: tuple[InvoiceIssue, ...] = ()

    @property
    def has_history(self) -> bool:
        """Whether there is at least one usable invoice."""
        return self.invoice_count > 0

    @property
    def summary(self) -> str:
        """One sentence for a person: what the history says, or that there is none."""
        if not self.has_history:
            return "No invoice history: payment behaviour cannot be judged yet."
        if self.paid_count == 0:
            return (
                f"{self.invoice_count} invoice(s), none paid yet; "
                f"{self.open_overdue_count} open beyond terms."
            )
        return (
            f"{self.paid_count} paid invoice(s), {self.dbt_weighted:.0f} days beyond terms on "
            f"average by amount, {self.share_paid_late:.0%} paid late, longest delay "
            f"{self.longest_delay_days} days."
        )


class MixedCurrencies(ValueError):
    """The history holds more than one currency; amounts cannot be added."""

    code = "mixed_currencies"

    def __init__(self, currencies: Iterable[str]):
        self.currencies = tuple(sorted(currencies))
        super().__init__(
            "Invoices are in several currencies ("
            + ", ".join(self.currencies)
            + "); use payment_behaviour_by_currency."
        )


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _clean(invoices: Sequence[Invoice], as_of: date) -> tuple[list[Invoice], list[InvoiceIssue]]:
    kept: list[Invoice] = []
    issues: list[InvoiceIssue] = []
    for invoice in invoices:
        if invoice.issued > as_of:
            continue  # not issued yet as of this day: not an error, just not history
        if invoice.due < invoice.issued:
            issues.append(
                InvoiceIssue(
                    "due_before_issue",
                    f"Invoice {invoice.reference or invoice.issued} is due before it was issued; "
                    "set aside.",
                    invoice.reference,
                )
            )
            continue
        if invoice.amount <= 0:
            issues.append(
                InvoiceIssue(
                    "amount_not_positive",
                    f"Invoice {invoice.reference or invoice.issued} has an amount of zero or less "
                    "(a credit note?); set aside.",
                    invoice.reference,
                )
            )
            continue
        kept.append(invoice)
    return kept, issues


def payment_behaviour(invoices: Sequence[Invoice], as_of: date) -> PaymentBehaviour:
    """Payment figures for a history in one currency; raises MixedCurrencies otherwise."""
    kept, issues = _clean(invoices, as_of)
    currencies = {i.currency for i in kept}
    if len(currencies) > 1:
        raise MixedCurrencies(currencies)
    currency = next(iter(currencies)) if currencies else None
    paid = [i for i in kept if i.paid is not None and i.paid <= as_of]
    open_ = [i for i in kept if i.paid is None or i.paid > as_of]
    overdue = [i for i in open_ if i.due < as_of]

    dbt_average = dbt_weighted = share_late = share_late_amount = None
    longest: int | None = None
    if paid:
        dbt = np.array([max(0, (i.paid - i.due).days) for i in paid], dtype=float)  # type: ignore[operator]
        amount = np.array([float(i.amount) for i in paid])
        dbt_average = float(dbt.mean())
        dbt_weighted = float((dbt * amount).sum() / amount.sum())
        late = dbt > 0
        share_late = float(late.mean())
        share_late_amount = float(amount[late].sum() / amount.sum())
        longest = int(dbt.max())
    if overdue:
        oldest = max((as_of - i.due).days for i in overdue)
        longest = oldest if longest is None else max(longest, oldest)

    trend, months = _trend(paid, as_of)
    year_ago = as_of - timedelta(days=365)
    return PaymentBehaviour(
        as_of=as_of,
        currency=currency,
        invoice_count=len(kept),
        paid_count=len(paid),
        open_count=len(open_),
        open_overdue_count=len(overdue),
        dbt_average=dbt_average,
        dbt_weighted=dbt_weighted,
        trend_days_per_month=trend,
        trend_months=months,
        share_paid_late=share_late,
        share_paid_late_by_amount=share_late_amount,
        longest_delay_days=longest,
        open_overdue_amount=sum((i.amount for i in overdue), Decimal(0)),
        open_overdue_90_amount=sum(
            (i.amount for i in overdue if (as_of - i.due).days > SERIOUS_DBT_DAYS), Decimal(0)
        ),
        invoiced_last_12_months=sum((i.amount for i in kept if i.issued > year_ago), Decimal(0)),
        issues=tuple(issues),
    )


def _trend(paid: Sequence[Invoice], as_of: date) -> tuple[float | None, int]:
    """Slope (days per month) of monthly amount-weighted DBT over the last 12 months."""
    last = _month_index(as_of)
    sums: dict[int, list[float]] = {}
    for invoice in paid:
        month = _month_index(invoice.paid)  # type: ignore[arg-type]
        if last - month >= TREND_MONTHS:
            continue
        dbt = max(0, (invoice.paid - invoice.due).days)  # type: ignore[operator]
        bucket = sums.setdefault(month, [0.0, 0.0])
        bucket[0] += dbt * float(invoice.amount)
        bucket[1] += float(invoice.amount)
    if len(sums) < MIN_TREND_MONTHS:
        return None, len(sums)
    months = np.array(sorted(sums), dtype=float)
    values = np.array([sums[int(m)][0] / sums[int(m)][1] for m in months])
    slope = np.polyfit(months - months.mean(), values, 1)[0]
    return float(slope), len(sums)


def payment_behaviour_by_currency(
    invoices: Sequence[Invoice], as_of: date
) -> dict[str, PaymentBehaviour]:
    """One PaymentBehaviour per currency found in the history (empty dict: no history)."""
    currencies = sorted({i.currency for i in invoices})
    return {
        c: payment_behaviour([i for i in invoices if i.currency == c], as_of) for c in currencies
    }


def no_history(as_of: date) -> PaymentBehaviour:
    """The figures of a company that has never been invoiced."""
    return payment_behaviour([], as_of)


PAYMENT_COLUMNS: tuple[str, ...] = (
    "invoice_count",
    "paid_count",
    "dbt_weighted",
    "dbt_trend",
    "share_late",
    "longest_delay",
    "open_overdue_amount",
    "open_90_amount",
    "invoiced_12m",
)


def payment_columns(items: Sequence[PaymentBehaviour | None]) -> dict[str, np.ndarray]:
    """Payment figures as float arrays for the batch path (NaN unknown, counts 0 if none)."""

    def num(value: float | Decimal | int | None) -> float:
        return float("nan") if value is None else float(value)

    rows = [
        (0.0, 0.0, *(float("nan"),) * 7)
        if b is None or not b.has_history
        else (
            float(b.invoice_count),
            float(b.paid_count),
            num(b.dbt_weighted),
            num(b.trend_days_per_month),
            num(b.share_paid_late),
            num(b.longest_delay_days),
            num(b.open_overdue_amount),
            num(b.open_overdue_90_amount),
            num(b.invoiced_last_12_months),
        )
        for b in items
    ]
    matrix = np.array(rows, dtype=float).reshape(len(rows), len(PAYMENT_COLUMNS))
    return {name: matrix[:, k] for k, name in enumerate(PAYMENT_COLUMNS)}


def _month_of_days(days: np.ndarray) -> np.ndarray:
    """Calendar-month index (months since 1970-01) of days counted from 1970-01-01."""
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def payment_arrays(
    index: np.ndarray,
    n: int,
    issued: np.ndarray,
    due: np.ndarray,
    paid: np.ndarray,
    amount: np.ndarray,
    as_of: int,
) -> dict[str, np.ndarray]:
    """``payment_columns`` for n companies at once, from one row per invoice (vectorised).

    ``index`` gives each invoice's company (0 … n-1); ``issued``, ``due`` and ``paid`` are days
    since 1970-01-01 (``paid`` NaN while unpaid), ``amount`` floats, ``as_of`` a day number.
    Each company's invoices must be in one currency (choose it first, as ``assess`` does).
    Same rules as ``payment_behaviour``: the same history gives the same figures.
    """
    index = np.asarray(index, dtype=np.int64)
    issued, due = np.asarray(issued, dtype=float), np.asarray(due, dtype=float)
    paid, amount = np.asarray(paid, dtype=float), np.asarray(amount, dtype=float)
    kept = (issued <= as_of) & (due >= issued) & (amount > 0)
    idx, iss, du, pd_, amt = index[kept], issued[kept], due[kept], paid[kept], amount[kept]
    is_paid = np.isfinite(pd_) & (pd_ <= as_of)
    overdue = ~is_paid & (du < as_of)

    count = np.bincount(idx, minlength=n).astype(float)
    pi, pamt = idx[is_paid], amt[is_paid]
    pdbt = np.maximum(0.0, pd_[is_paid] - du[is_paid])
    paid_count = np.bincount(pi, minlength=n).astype(float)
    amount_paid = np.bincount(pi, pamt, minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        dbt_weighted = np.where(
            paid_count > 0, np.bincount(pi, pdbt * pamt, minlength=n) / amount_paid, np.nan
        )
        share_late = np.where(
            paid_count > 0, np.bincount(pi, pdbt > 0, minlength=n) / paid_count, np.nan
        )
    longest = np.full(n, -np.inf)
    np.maximum.at(longest, pi, pdbt)
    oi, odu, oamt = idx[overdue], du[overdue], amt[overdue]
    np.maximum.at(longest, oi, as_of - odu)
    longest = np.where(np.isfinite(longest), longest, np.nan)
    open_overdue = np.bincount(oi, oamt, minlength=n)
    serious = (as_of - odu) > SERIOUS_DBT_DAYS
    open_90 = np.bincount(oi[serious], oamt[serious], minlength=n)
    recent = iss > as_of - 365
    invoiced_12m = np.bincount(idx[recent], amt[recent], minlength=n)

    # Trend: least-squares slope of the monthly amount-weighted DBT over the last 12 months.
    last = int(_month_of_days(np.array([as_of]))[0])
    rel = last - _month_of_days(pd_[is_paid])
    window = rel < TREND_MONTHS
    bucket = pi[window] * TREND_MONTHS + rel[window]
    size = n * TREND_MONTHS
    weighted = np.bincount(bucket, (pdbt * pamt)[window], minlength=size).reshape(n, -1)
    amounts = np.bincount(bucket, pamt[window], minlength=size).reshape(n, -1)
    present = amounts > 0
    months = present.sum(axis=1)
    x = -np.arange(TREND_MONTHS, dtype=float)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.where(present, weighted / amounts, 0.0)
        x_mean = (x * present).sum(axis=1) / months
        v_mean = (values * present).sum(axis=1) / months
        dx = np.where(present, x - x_mean[:, None], 0.0)
        slope = (dx * (values - v_mean[:, None])).sum(axis=1) / (dx * dx).sum(axis=1)
    trend = np.where(months >= MIN_TREND_MONTHS, slope, np.nan)

    none = count == 0
    out = {
        "invoice_count": count,
        "paid_count": paid_count,
        "dbt_weighted": dbt_weighted,
        "dbt_trend": trend,
        "share_late": share_late,
        "longest_delay": longest,
        "open_overdue_amount": open_overdue,
        "open_90_amount": open_90,
        "invoiced_12m": invoiced_12m,
    }
    for name in PAYMENT_COLUMNS[2:]:
        out[name] = np.where(none, np.nan, out[name])
    return out
