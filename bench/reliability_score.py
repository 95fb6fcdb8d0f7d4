"""How fast companies are assessed in batch from the database (issue 7: 1,000,000 companies in
≤ 2 minutes on PostgreSQL; one assessment in ≤ 50 ms).

Run it against a kept benchmark home (`bench/run.py … --keep`, whose demo step generated the
statements, invoices and checklists):

    KHATA_HOME=/tmp/khata-bench-postgres-… \\
    KHATA_DATABASE_URL=postgres://postgres@127.0.0.1:5432/rel_bench \\
    .venv/bin/python bench/reliability_score.py [--limit N] [--no-write] [--batch-size 5000]

It times, batch by batch, the three phases of `score_companies` (read the inputs in bulk,
score them with `assess_many`, write the assessments), then the end-to-end `score_companies`
over the same companies (unless --no-write: then only reading and scoring are measured and the
database is left as it was), then one company at a time: reading its inputs and `assess`
(the company card and what-if path). Results go to stdout and bench/results/ as JSON.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khata.config.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from run import percentile  # noqa: E402  (bench/run.py)

from khata.clients.models import Company  # noqa: E402
from khata.reliability.inputs import batch_inputs, company_input  # noqa: E402
from khata.reliability.models import (  # noqa: E402
    ChecklistAnswer,
    FinancialStatement,
    Invoice,
)
from khata.reliability.scoring.assessment import assess  # noqa: E402
from khata.reliability.scoring_services import (  # noqa: E402
    _insert_assessments,
    _rows,
    assess_inputs,
    retire_current,
    score_companies,
)
from khata.reliability.selectors import learned_model_current  # noqa: E402


def phases(ids: np.ndarray, *, batch_size: int, write: bool) -> dict:
    """Read, score and (unless told not to) write, timed separately."""
    today = timezone.localdate()
    model_row, model = learned_model_current()
    spent = {"read": 0.0, "score": 0.0, "write": 0.0}
    scored = 0
    for start in range(0, len(ids), batch_size):
        chunk = ids[start:start + batch_size]
        t0 = time.perf_counter()
        inputs = batch_inputs(chunk, as_of=today)
        t1 = time.perf_counter()
        parts = assess_inputs(inputs, as_of=today, model_row=model_row, model=model)
        t2 = time.perf_counter()
        if write:
            now = timezone.now()
            with transaction.atomic():
                previous = retire_current(inputs.ids.tolist())
                for part, result, row in parts:
                    _insert_assessments(list(_rows(part, result, as_of=today, now=now,
                                                   model_row=row, previous=previous)),
                                        now=now, model_row=row)
        t3 = time.perf_counter()
        spent["read"] += t1 - t0
        spent["score"] += t2 - t1
        spent["write"] += t3 - t2
        scored += len(inputs.ids)
        print(f"  {min(start + batch_size, len(ids)):,}/{len(ids):,}", file=sys.stderr)
    total = sum(spent.values())
    return {"companies": scored, **{k: round(v, 2) for k, v in spent.items()},
            "seconds": round(total, 2), "per_second": round(scored / total) if total else None}


def one_at_a_time(ids: np.ndarray, samples: int) -> dict:
    """Read one company's inputs and assess it (the card, the what-if path), in ms."""
    rng = np.random.default_rng(7)
    picked = rng.choice(ids, size=min(samples, len(ids)), replace=False)
    today = timezone.localdate()
    _row, model = learned_model_current()
    read_ms, score_ms = [], []
    for pk in picked.tolist():
        t0 = time.perf_counter()
        company = Company.objects.select_related("industry").get(pk=pk)
        data = company_input(company, as_of=today)
        t1 = time.perf_counter()
        assess(data, model=model if data.invoices else None)
        t2 = time.perf_counter()
        read_ms.append((t1 - t0) * 1000)
        score_ms.append((t2 - t1) * 1000)

    def pct(values, q):  # nearest rank, as every other figure in docs/benchmarks.md
        return round(percentile(sorted(values), q), 2)

    total = [a + b for a, b in zip(read_ms, score_ms, strict=True)]
    return {"samples": len(total), "read_p50_ms": pct(read_ms, 50),
            "score_p50_ms": pct(score_ms, 50), "p50_ms": pct(total, 50),
            "p95_ms": pct(total, 95), "mean_ms": round(statistics.fmean(total), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=0, help="score only the first N companies")
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--no-write", action="store_true",
                        help="read and score only; leave the database as it was")
    parser.add_argument("--samples", type=int, default=200,
                        help="companies assessed one at a time (default 200)")
    args = parser.parse_args()
    queryset = Company.objects.order_by("pk").values_list("pk", flat=True)
    ids = np.fromiter(queryset[:args.limit] if args.limit else queryset, dtype=np.int64)
    facts = {
        "database": connection.vendor, "companies": len(ids),
        "statements": FinancialStatement.objects.count(), "invoices": Invoice.objects.count(),
        "checklists": ChecklistAnswer.objects.count(),
        "method": "learned" if learned_model_current()[1] else "rules",
        "batch_size": args.batch_size, "cpus": os.cpu_count(),
    }
    print(json.dumps(facts))
    result = {"facts": facts}
    result["phases"] = phases(ids, batch_size=args.batch_size, write=not args.no_write)
    print("phases:", json.dumps(result["phases"]))
    if not args.no_write:
        started = time.perf_counter()
        outcome = score_companies(companies=ids.tolist(), batch_size=args.batch_size)
        outcome["wall_seconds"] = round(time.perf_counter() - started, 2)
        result["score_companies"] = outcome
        print("score_companies:", json.dumps(outcome))
    result["one_company"] = one_at_a_time(ids, args.samples)
    print("one company:", json.dumps(result["one_company"]))
    out = ROOT / "bench" / "results" / (
        f"reliability-score-{connection.vendor}-{len(ids)}-{time.strftime('%Y%m%d-%H%M%S')}.json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
