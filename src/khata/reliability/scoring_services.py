"""Batch work of the reliability forecast: score many companies at once (`khata score`, the
nightly run) and train the learned model on the whole client base's invoice history.

Scoring reads each batch's inputs in four bulk queries (`inputs.batch_inputs`), scores it in
one vectorised call (`assess_many`) and writes it in two statements (current flags off, new
rows in): the number of queries grows with the number of batches, not of companies."""

import json
import math
import time
from collections.abc import Callable, Iterable
from datetime import date, timedelta

import numpy as np
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from khata.clients.models import Company
from khata.reliability.choices import Method
from khata.reliability.inputs import EPOCH, BatchInputs, EpochDays, batch_inputs
from khata.reliability.models import (
    Assessment,
    ChecklistAnswer,
    FinancialStatement,
    Invoice,
    LearnedModel,
)
from khata.reliability.scoring.altman import VARIANT_CODES
from khata.reliability.scoring.assessment import BANDS, RULE_FACTORS, TERMS, Policy, assess_many
from khata.reliability.scoring.learned import NotEnoughHistory, feature_matrix, train_matrix
from khata.reliability.scoring.payments import SERIOUS_DBT_DAYS
from khata.reliability.selectors import learned_model_current
from khata.reliability.services import TERMS_DAYS

BATCH = 5000
TOP_FACTORS = 8  # a batch row keeps the strongest factors; the card explains all of them
KEEP_MODELS = 10
_COLUMNS = ["company_id", "computed_at", "as_of", "probability", "low", "high", "band",
            "band_low", "band_high", "thin_data", "hard_stop", "credit_limit", "currency",
            "terms_days", "terms", "factors", "summary", "completeness",
            "valid_until", "method", "variant", "z_score", "model_id", "model_training_size",
            "model_trained_at", "is_current", "previous_band"]


def _ids_of(companies) -> np.ndarray:
    if isinstance(companies, QuerySet):
        return np.fromiter(companies.order_by().values_list("pk", flat=True), dtype=np.int64)
    return np.asarray(sorted({int(pk) for pk in companies}), dtype=np.int64)


def _num(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _summary(band: str, p: float, low: float, high: float, thin: bool, hard: bool) -> str:
    if hard:
        return "Band E: the registry says the company is struck off or being wound up."
    span = f"between {low:.1%} and {high:.1%}"
    if thin:
        return (f"Thin data: the chance of serious late payment is uncertain, {span}; "
                f"band {band} is provisional.")
    return f"Band {band}: chance of serious late payment {p:.1%} ({span})."


def _rows(inputs, result, *, as_of: date, now, model_row,
          previous: dict[int, str] | None = None) -> Iterable[tuple]:
    """One Assessment row per company of the batch (factors: name and points only, and no
    list of what is missing or set aside; the company's card explains them in full by
    assessing it alone)."""
    policy = Policy()
    names = result.point_names
    method = Method.LEARNED if model_row is not None else Method.RULES
    # The strongest factors of every row at once (a sort per row in Python was a sixth of
    # the batch's time): their columns by |points|, rounded, as plain lists.
    order = np.argsort(-np.abs(result.points), axis=1, kind="stable")[:, :TOP_FACTORS]
    strongest = np.round(np.take_along_axis(result.points, order, axis=1), 4).tolist()
    order = order.tolist()
    columns = {name: getattr(result, name).tolist() for name in (
        "band", "band_low", "band_high", "completeness", "hard_stop", "probability", "low",
        "high", "credit_limit", "terms", "z_score", "z_variant", "valid_days")}
    has_statement = inputs.batch.has_statement.tolist()
    currency = inputs.currency.tolist()
    previous = previous or {}
    letters = [b.value for b in BANDS]
    variants = [v.value for v in VARIANT_CODES]
    model_values = ((model_row.pk, model_row.training_size, model_row.trained_at)
                    if model_row else (None, None, None))
    for i, company_id in enumerate(inputs.ids.tolist()):
        band = letters[columns["band"][i]]
        completeness = columns["completeness"][i]
        thin = completeness < policy.thin_completeness
        hard = columns["hard_stop"][i]
        p, low, high = columns["probability"][i], columns["low"][i], columns["high"][i]
        limit = columns["credit_limit"][i]
        has_limit = math.isfinite(limit)
        factors = [{"name": names[j], "points": value}
                   for j, value in zip(order[i], strongest[i], strict=True) if value]
        terms = columns["terms"][i]
        z = columns["z_score"][i]
        yield (company_id, now, as_of, p, low, high, band,
               letters[columns["band_low"][i]], letters[columns["band_high"][i]],
               thin, hard, int(limit) if has_limit else None,
               (currency[i] or "") if has_limit else "",
               TERMS_DAYS[terms], TERMS[terms], factors, _summary(band, p, low, high, thin, hard),
               completeness, as_of + timedelta(days=columns["valid_days"][i]), method,
               variants[columns["z_variant"][i]] if has_statement[i] else "",
               _num(z) if has_statement[i] else None, *model_values, True,
               previous.get(company_id, ""))


def retire_current(company_ids: list[int]) -> dict[int, str]:
    """Clear the current flag of these companies' assessments; returns their bands (the
    "band before" of the new rows). One UPDATE … RETURNING (PostgreSQL, and SQLite since
    3.35) instead of a read and an update: the read was a third of a batch's write time."""
    table = connection.ops.quote_name(Assessment._meta.db_table)
    previous: dict[int, str] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"UPDATE {table} SET is_current = false WHERE is_current "
                           "AND company_id = ANY(%s) RETURNING company_id, band",
                           [company_ids])
            return dict(cursor.fetchall())
        for start in range(0, len(company_ids), 10_000):  # SQLite: at most 32,766 variables
            part = company_ids[start:start + 10_000]
            marks = ", ".join(["%s"] * len(part))
            cursor.execute(f"UPDATE {table} SET is_current = 0 WHERE is_current "
                           f"AND company_id IN ({marks}) RETURNING company_id, band", part)
            previous.update(cursor.fetchall())
    return previous


def _insert_assessments(rows: list[tuple], *, now, model_row) -> None:
    """Insert the batch's Assessment rows (`_COLUMNS` order). PostgreSQL: one COPY (a
    multi-row INSERT through the ORM managed 4,000 rows/s, most of a 100,000-company run;
    COPY is several times faster). SQLite: multi-row INSERTs of 500 rows."""
    meta = Assessment._meta
    quote = connection.ops.quote_name
    fields = [meta.get_field(name) for name in _COLUMNS]
    constants = {"missing": "[]", "set_aside": "[]"}  # batch rows carry no explanation lists
    columns = [quote(f.column) for f in fields] + [quote(name) for name in constants]
    factors_at = _COLUMNS.index("factors")
    prepared = {}
    if connection.vendor != "postgresql":
        # Values shared by the batch, prepared once (aware times become the stored form).
        for name, value in (("computed_at", now),
                            ("model_trained_at", model_row.trained_at if model_row else None)):
            prepared[_COLUMNS.index(name)] = meta.get_field(name).get_db_prep_save(
                value, connection)

    def values(row: tuple) -> list:
        out = list(row)
        out[factors_at] = json.dumps(out[factors_at])
        for index, value in prepared.items():
            out[index] = value
        return [*out, *constants.values()]

    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(values(row))
            return
        width = len(columns)
        for start in range(0, len(rows), 500):
            part = [values(row) for row in rows[start:start + 500]]
            marks = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(part))
            cursor.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES {marks}",
                           [value for row in part for value in row])


def assess_inputs(inputs: BatchInputs, *, as_of: date, model_row, model) -> list[tuple]:
    """Score a batch: [(inputs, result, model row or None)]. The learned model scores the
    companies with an invoice history — what it was trained on; for the others (prospects
    known by a statement or the checklist only) it could only guess from medians, so the
    documented rules score them, and their rows say so (`method`)."""
    if model is None:
        return [(inputs, assess_many(inputs.batch, as_of=as_of), None)]
    invoiced = inputs.batch.invoice_count > 0
    parts = []
    for mask, use_model, row in ((invoiced, model, model_row), (~invoiced, None, None)):
        if mask.any():
            part = inputs.subset(mask)
            parts.append((part, assess_many(part.batch, as_of=as_of, model=use_model), row))
    return parts


def score_companies(*, companies, progress: Callable[[int, int], None] | None = None,
                    as_of: date | None = None, batch_size: int = BATCH) -> dict:
    """Assess every live company among `companies` (ids or a queryset) from its stored inputs,
    in batches; each batch is committed on its own, so an interrupted run keeps what it did
    and a second run simply assesses again. `progress(done, total)` is called per batch."""
    started = time.perf_counter()
    as_of = as_of or timezone.localdate()
    ids = _ids_of(companies)
    total = len(ids)
    model_row, model = learned_model_current()
    done = scored = 0
    bands = dict.fromkeys((b.value for b in BANDS), 0)
    methods = dict.fromkeys((m.value for m in Method), 0)
    for start in range(0, total, batch_size):
        chunk = ids[start:start + batch_size]
        # Stamped with the time the inputs were read: an input changed while the batch is
        # scored is newer than the assessment, so the next due run assesses it again.
        now = timezone.now()
        inputs = batch_inputs(chunk, as_of=as_of)
        if len(inputs.ids):
            parts = assess_inputs(inputs, as_of=as_of, model_row=model_row, model=model)
            with transaction.atomic():
                # The batch's companies in id order, as `assessment_refresh` locks one: the
                # two never write the same company's current assessment at once.
                list(Company.all_objects.select_for_update().filter(pk__in=inputs.ids.tolist())
                     .order_by("pk").values_list("pk", flat=True))
                previous = retire_current(inputs.ids.tolist())
                for part, result, row in parts:
                    _insert_assessments(
                        list(_rows(part, result, as_of=as_of, now=now, model_row=row,
                                   previous=previous)),
                        now=now, model_row=row)
            scored += len(inputs.ids)
            for part, result, row in parts:
                methods[Method.LEARNED if row else Method.RULES] += len(part.ids)
                for code, count in zip(*np.unique(result.band, return_counts=True),
                                       strict=True):
                    bands[BANDS[int(code)].value] += int(count)
        done += len(chunk)
        if progress:
            progress(done, total)
    seconds = time.perf_counter() - started
    return {"companies": total, "scored": scored, "bands": bands,
            "method": Method.LEARNED.value if model_row else Method.RULES.value,
            "methods": methods,
            "seconds": round(seconds, 3),
            "per_second": round(scored / seconds) if seconds > 0 else None}


def companies_due_for_scoring(*, today: date | None = None) -> QuerySet[Company]:
    """Live companies whose assessment is missing, expired, or older than a change of their
    inputs (the nightly run scores only these)."""
    today = today or timezone.localdate()
    current = Assessment.objects.filter(company=OuterRef("pk"), is_current=True)
    fresh = current.filter(valid_until__gt=today)
    changed = (Exists(FinancialStatement.objects.filter(
        company=OuterRef("company_id"), updated_at__gt=OuterRef("computed_at")))
        | Exists(Invoice.objects.filter(company=OuterRef("company_id"),
                                        updated_at__gt=OuterRef("computed_at")))
        | Exists(ChecklistAnswer.objects.filter(company=OuterRef("company_id"),
                                                answered_at__gt=OuterRef("computed_at"))))
    up_to_date = fresh.filter(~Q(changed))
    return Company.objects.filter(~Exists(up_to_date))


def assessments_refresh_due(*, progress=None, today: date | None = None) -> dict:
    """Assess again the companies `companies_due_for_scoring` names (the nightly run)."""
    return score_companies(companies=companies_due_for_scoring(today=today), progress=progress,
                           as_of=today)


# --- the learned model ---------------------------------------------------------------------


def training_outcomes(ids: np.ndarray, *, start: date, end: date) -> np.ndarray:
    """For each company, whether an invoice reached 90 days beyond terms unpaid within
    (start, end] — the event the model forecasts."""
    s, e = (start - EPOCH).days, (end - EPOCH).days
    rows = np.array(list(Invoice.objects.filter(company_id__in=ids.tolist()).annotate(
        d_due=EpochDays("due_on"), d_paid=EpochDays("paid_on")).order_by()
        .values_list("company_id", "d_due", "d_paid")), dtype=float).reshape(-1, 3)
    if not len(rows):
        return np.zeros(len(ids), dtype=bool)
    company, due, paid = rows.T
    reached = due + SERIOUS_DBT_DAYS
    late = (reached > s) & (reached <= e) & (~np.isfinite(paid) | (paid >= reached))
    return np.isin(ids, company[late].astype(np.int64))


def learned_model_retrain(*, today: date | None = None, progress=None) -> dict:
    """Train the model of serious delinquency on the client base's history: each company
    invoiced a year ago, read as it stood then, and whether serious delinquency followed
    within the year. With too little history nothing is stored and the outcome says why
    (`scoring.learned` decides what is enough); the documented rules keep scoring."""
    started = time.perf_counter()
    today = today or timezone.localdate()
    then = today - timedelta(days=365)
    ids = np.fromiter(Invoice.objects.filter(issued_on__lte=then, company__deleted_at__isnull=True)
                      .order_by().values_list("company_id", flat=True).distinct(),
                      dtype=np.int64)
    ids.sort()
    matrices, outcomes = [], []
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        inputs = batch_inputs(chunk, as_of=then)
        matrices.append(feature_matrix(inputs.batch.columns()))
        outcomes.append(training_outcomes(inputs.ids, start=then, end=today))
        if progress:
            progress(min(start + BATCH, len(ids)), len(ids))
    if not matrices:
        matrix, y = np.zeros((0, 0)), np.zeros(0, dtype=bool)
    else:
        matrix, y = np.vstack(matrices), np.concatenate(outcomes)
    try:
        trained = train_matrix(matrix, y, trained_on=today)
    except NotEnoughHistory as refusal:
        return {"trained": False, "code": refusal.code, "message": str(refusal),
                "rows": refusal.rows, "positives": refusal.positives,
                "seconds": round(time.perf_counter() - started, 3)}
    with transaction.atomic():
        row = LearnedModel.objects.create(document=trained.to_json(),
                                          training_size=trained.training_size,
                                          positives=trained.positives,
                                          metrics=dict(trained.metrics))
        keep = list(LearnedModel.objects.order_by("-trained_at", "-id")
                    .values_list("id", flat=True)[:KEEP_MODELS])
        LearnedModel.objects.exclude(pk__in=keep).delete()
    return {"trained": True, "model": row.pk, "rows": trained.training_size,
            "positives": trained.positives, "metrics": dict(trained.metrics),
            "seconds": round(time.perf_counter() - started, 3)}


__all__ = ["RULE_FACTORS", "assessments_refresh_due", "companies_due_for_scoring",
           "learned_model_retrain", "score_companies"]
