#!/usr/bin/env python
"""Import throughput: a realistic companies CSV through Khata's import engine, in rows/s.

    .venv/bin/python bench/import_run.py --db postgres --companies 100000 --rows 100000
    .venv/bin/python bench/import_run.py --db sqlite --home /tmp/khata-bench-sqlite-XXXX

The data to import into is made like `bench/run.py` makes it (`khata demo --companies N` in a
fresh KHATA_HOME; for PostgreSQL the database `khata_bench`, dropped afterwards) or reused from a
run kept with `--keep` (`--home`). The CSV has the headers of a CRM export, new companies with
valid GSTINs and VAT numbers, about 3 % duplicates of the importing manager's companies already
in the database (same tax number or web domain), 2 % duplicates of earlier rows of the file and
1 % invalid rows
(bad tax number, bad website, empty name, bad employee count). The import runs in one child
process through the same services as `khata import` (`import_start`, then `import_run` in the
foreground), as manager1 into their own portfolio, duplicates skipped. Reported: the whole
(read, map, validate, find duplicates, write, change log) in rows/s of the file, and the
counts. Afterwards the imported rows are deleted again, so kept data stays as generated (unless
`--leave-rows`). `--profile` prints the top of a cProfile of the import.

Figures go to bench/results/import-*.json and docs/benchmarks.md between
`<!-- bench:import-DB -->` markers. It is never part of the test suite.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench  # noqa: E402  (bench/run.py: data generation, environment, machine facts)

HEADERS = ["Company name", "GSTIN", "Registration No", "Industry", "Number of employees",
           "Country", "State", "City", "Website", "Lifecycle Stage", "Lead Source", "Tags",
           "Description"]
PLACES_IN = [("Mumbai", "Maharashtra", "27"), ("Pune", "Maharashtra", "27"),
             ("Bengaluru", "Karnataka", "29"), ("Chennai", "Tamil Nadu", "33"),
             ("New Delhi", "Delhi", "07"), ("Ahmedabad", "Gujarat", "24"),
             ("Hyderabad", "Telangana", "36"), ("Kolkata", "West Bengal", "19"),
             ("Surat", "Gujarat", "24"), ("Nagpur", "Maharashtra", "27")]
PLACES_ABROAD = [("Berlin", "Berlin", "DE"), ("Hamburg", "Hamburg", "DE"),
                 ("London", "England", "GB"), ("Leeds", "England", "GB"),
                 ("Austin", "TX", "US"), ("Boston", "MA", "US")]
STEMS = ["Sharma", "Patel", "Iyer", "Reddy", "Gupta", "Khan", "Mehta", "Nair", "Joshi", "Das",
         "Bose", "Kapoor", "Malhotra", "Agarwal", "Chatterjee", "Pillai", "Rao", "Singh",
         "Verma", "Desai", "Kulkarni", "Menon", "Bhat", "Shetty", "Saxena", "Trivedi",
         "Müller", "Schmidt", "Fischer", "Weber", "Smith", "Jones", "Taylor", "Brown",
         "शर्मा", "वर्मा", "गुप्ता", "अग्रवाल"]
WORDS = ["Steel", "Textiles", "Agro", "Logistics", "Pharma", "Foods", "Exports", "Tools",
         "Polymers", "Infra", "Motors", "Solar", "Paper", "Chemicals", "Ceramics", "Spices",
         "Dairy", "Glass", "Cables", "Software", "Systems", "Plastics", "Castings", "Engineering",
         "Fabrics", "Minerals", "Packaging", "Electricals", "Organics", "Traders", "Gears",
         "Pumps", "Valves", "Healthcare", "Biotech", "Marine", "Aviation", "Rubber", "Leather"]
SYLLABLES = ["vel", "tron", "ka", "mi", "sun", "dar", "ox", "ra", "jy", "oti", "nova", "pra",
             "gati", "lum", "zen", "tek", "vis", "hana", "ori", "kul", "max", "dev", "ish",
             "ara", "bel", "cor", "dyn", "eco", "fin", "gen"]
SUFFIXES = ["Pvt Ltd", "Ltd", "LLP", "Industries", "Enterprises", "GmbH", "Inc.", "Co."]
LIFECYCLES = ["Lead", "Customer", "Prospect", "Former customer", "", "Active", "Opportunity"]
SOURCES = ["Trade fair", "Website", "Referral", "Cold call", "Purchased list", ""]
TAGS = ["ERP", "Logistics", "Cold chain", "Cloud hosting", "Payroll", "Solar power", "Training"]
INDUSTRIES = ["10", "13", "20", "21", "24", "25", "26", "28", "29", "46", "62", "C", "G", ""]
GSTIN_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def log(message: str) -> None:
    print(message, flush=True)


# --- the CSV ------------------------------------------------------------------------------------


def _gstin(rnd: random.Random, state: str) -> str:
    from stdnum import luhn

    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    pan = ("".join(rnd.choice(letters) for _ in range(3)) + "C" + rnd.choice(letters)
           + f"{rnd.randint(1, 9999):04d}" + rnd.choice(letters))
    body = f"{state}{pan}{rnd.choice('123456789')}Z"
    return body + luhn.calc_check_digit(body, GSTIN_ALPHABET)


def _de_vat(rnd: random.Random) -> str:
    from stdnum.iso7064 import mod_11_10

    body = str(rnd.randint(10_000_000, 99_999_999))
    return "DE" + body + mod_11_10.calc_check_digit(body)


def make_csv(rows: int, seed: int, existing: list[tuple]) -> tuple[bytes, dict]:
    """The file to import and what was put in it. `existing`: (name, tax number, domain,
    city) of companies already in the database, for duplicates against it."""
    rnd = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    made = {"new": 0, "duplicate of the database": 0, "duplicate within the file": 0,
            "invalid": 0}
    written: list[list[str]] = []
    for index in range(rows):
        kind = rnd.random()
        if kind < 0.03 and existing:
            name, tax, domain, city = rnd.choice(existing)
            row = [name.upper() if rnd.random() < 0.5 else name, tax if rnd.random() < 0.7
                   else "", "", "", "", "", "", city,
                   f"https://www.{domain}/" if domain else "", "Customer", "", "",
                   "from the trade-fair list"]
            made["duplicate of the database"] += 1
        elif kind < 0.05 and written:
            row = list(rnd.choice(written))
            row[0] = row[0].lower()
            row[12] = "listed twice"
            made["duplicate within the file"] += 1
        else:
            india = rnd.random() < 0.7
            if india:
                city, state, code = rnd.choice(PLACES_IN)
                country, tax = "IN", _gstin(rnd, code)
            else:
                city, state, country = rnd.choice(PLACES_ABROAD)
                tax = _de_vat(rnd) if country == "DE" else ""
            # A made-up brand word (after a family name in a quarter of them) and a trade: few
            # names repeat, as in a real list (the demo's 1,500 names per locale would make
            # most rows duplicates).
            brand = "".join(rnd.choice(SYLLABLES) for _ in range(rnd.randint(2, 3))).title()
            stem, word = rnd.choice(STEMS), rnd.choice(WORDS)
            name = (f"{brand} {word} {rnd.choice(SUFFIXES)}" if rnd.random() < 0.75
                    else f"{stem} {brand} {word} {rnd.choice(SUFFIXES)}")
            slug = "".join(ch for ch in f"{brand}{word}".lower() if ch.isascii()) or "firma"
            row = [name, tax, f"U{rnd.randint(10000, 99999)}MH{rnd.randint(1990, 2024)}PTC"
                   f"{rnd.randint(100000, 999999)}" if india and rnd.random() < 0.3 else "",
                   rnd.choice(INDUSTRIES), str(int(rnd.lognormvariate(3.5, 1.6))), country,
                   state, city, f"https://{slug}-{index}.example.net" if rnd.random() < 0.8
                   else "", rnd.choice(LIFECYCLES), rnd.choice(SOURCES),
                   "; ".join(rnd.sample(TAGS, rnd.randint(0, 2))), ""]
            if rnd.random() < 0.01:
                spoil = rnd.randrange(4)
                if spoil == 0 and row[1]:
                    row[1] = row[1][:-1] + ("0" if row[1][-1] != "0" else "1")  # checksum
                elif spoil == 1:
                    row[8] = "ftp://files.example.net"
                elif spoil == 2:
                    row[0] = "   "
                else:
                    row[4] = "about fifty"
                made["invalid"] += 1
            else:
                made["new"] += 1
                if len(written) < 5000:
                    written.append(row)
        writer.writerow(row)
    return out.getvalue().encode("utf-8"), made


# --- the child process: in Khata's environment --------------------------------------------------


def child(args) -> None:
    import cProfile
    import pstats

    import django

    django.setup()
    from django.db import connection

    from khata.audit.services import import_run, import_start
    from khata.clients.models import Company
    from khata.core.models import Change, ImportJob
    from khata.team.models import User

    user = User.objects.get(email=bench.DEMO_ACCOUNTS["manager"][0])
    # Duplicates of the importer's own portfolio: only records they may change count as
    # duplicates (a colleague's company is created again in theirs).
    existing = list(Company.objects.filter(owner=user).exclude(tax_number="").order_by("-id")
                    .values_list("display_name", "tax_number", "domain", "city")[:20000])
    data, made = make_csv(args.rows, args.seed, existing)
    marks = {"company": Company.all_objects.order_by("-id").values_list("id", flat=True)
             .first() or 0,
             "change": Change.objects.order_by("-id").values_list("id", flat=True).first() or 0}
    profile = cProfile.Profile() if args.profile else None
    began = time.perf_counter()
    if profile:
        profile.enable()
    job = import_start(by=user, kind="companies", filename="bench-companies.csv", data=data)
    started = time.perf_counter()
    job = import_run(by=user, job=job, background=False)
    if profile:
        profile.disable()
    ended = time.perf_counter()
    result = {
        "rows": args.rows, "bytes": len(data), "made": made, "status": job.status,
        "created": job.created, "updated": job.updated, "skipped": job.skipped,
        "rejected": job.rejected, "start_seconds": round(started - began, 2),
        "run_seconds": round(ended - started, 2), "total_seconds": round(ended - began, 2),
        "rows_per_second": round(args.rows / (ended - began)),
    }
    if profile:
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(40)
        result["profile"] = text.getvalue()
    if not args.leave_rows:
        with connection.cursor() as cursor:
            quote = connection.ops.quote_name
            company_table = quote(Company._meta.db_table)
            needs_table = quote(Company.needs.through._meta.db_table)
            cursor.execute(f"DELETE FROM {needs_table} WHERE company_id > %s",
                           [marks["company"]])
            cursor.execute(f"DELETE FROM {quote(Change._meta.db_table)} WHERE id > %s",
                           [marks["change"]])
            cursor.execute(f"DELETE FROM {company_table} WHERE id > %s", [marks["company"]])
        ImportJob.objects.filter(pk=job.pk).delete()
        if connection.vendor == "postgresql":
            # The server here runs without autovacuum: without this the next run would
            # insert into tables and indexes full of this run's dead rows.
            with connection.cursor() as cursor:
                for table in (needs_table, quote(Change._meta.db_table), company_table,
                              quote(ImportJob._meta.db_table)):
                    cursor.execute(f"VACUUM (ANALYZE) {table}")
    print("RESULT " + json.dumps(result))


# --- the parent: data, environment, report ------------------------------------------------------


def markdown_section(report: dict) -> str:
    meta, machine, facts, result = (report["meta"], report["machine"], report["facts"],
                                    report["result"])
    rows = facts["rows"]
    made = ", ".join(f"{n:,} {what}" for what, n in result["made"].items())
    return "\n".join([
        f"**{facts['database']}**, measured {meta['date']} on Khata {meta['revision']} by "
        "`bench/import_run.py`",
        "",
        f"- machine: {machine['nproc']} cores ({machine['cpu']}), {machine['ram_gib']} GiB RAM; "
        f"load average {meta['load_before'][0]:.2f} before and "
        f"{meta['load_after'][0]:.2f} after the import",
        f"- data in the database: `khata demo --companies {meta['companies']}`: "
        f"{rows.get('clients.Company', 0):,} companies, {rows.get('clients.Contact', 0):,} "
        "contacts",
        f"- file: {result['rows']:,} rows, {result['bytes'] / 1e6:.1f} MB CSV ({made}); "
        "duplicates skipped",
        "",
        "| rows | created | skipped (duplicates) | rejected | upload and mapping s | "
        "import s | total s | rows/s |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {result['rows']:,} | {result['created']:,} | {result['skipped']:,} | "
        f"{result['rejected']:,} | {result['start_seconds']:.1f} | {result['run_seconds']:.1f} | "
        f"{result['total_seconds']:.1f} | **{result['rows_per_second']:,}** |",
    ])


def bench_import(db: str, args) -> dict:
    reuse = args.home is not None
    home = Path(args.home).resolve() if reuse else Path(tempfile.mkdtemp(
        prefix=f"khata-import-{db}-"))
    database_url = (args.pg_url if db == "postgres"
                    else f"sqlite:///{home / 'khata.sqlite3'}")
    log(f"\n== {db}: KHATA_HOME={home}")
    try:
        if db == "postgres" and not reuse:
            bench.recreate_postgres(database_url)
        shutil.rmtree(home / "source", ignore_errors=True)
        revision = bench.snapshot_source(args.source, home / "source")
        env = bench.khata_env(home, database_url, home / "source")
        if reuse:
            generated = json.loads((home / bench.DEMO_FACTS).read_text())
            companies = generated["companies"]
            log(f"reusing {companies:,} companies: khata migrate")
            bench.khata(env, "migrate")
        else:
            companies = args.companies
            log(f"generating data: khata demo --no-serve --companies {companies}")
            bench.khata(env, "demo", "--no-serve", "--companies", str(companies),
                        "--seed", str(args.seed))
            if db == "postgres":
                bench.analyze_database(db, database_url)
            if args.keep:  # so that a later run can import into it again (--home)
                (home / bench.DEMO_FACTS).write_text(json.dumps({"companies": companies,
                                                                 "seed": args.seed}))
        facts = bench.system_facts(env)
        load_before = [round(value, 2) for value in os.getloadavg()]
        log(f"importing {args.rows:,} rows as {bench.DEMO_ACCOUNTS['manager'][0]}")
        command = [sys.executable, str(Path(__file__).resolve()), "--child", "--rows",
                   str(args.rows), "--seed", str(args.seed)]
        command += ["--profile"] if args.profile else []
        command += ["--leave-rows"] if args.leave_rows else []
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False,
                              timeout=7200)
        if done.returncode != 0:
            raise SystemExit(f"import_run: the import failed:\n{done.stdout}{done.stderr}")
        result = json.loads(next(line for line in done.stdout.splitlines()
                                 if line.startswith("RESULT "))[7:])
        if result.get("profile"):
            log(result["profile"])
        log(f"  {result['rows']:,} rows in {result['total_seconds']} s: "
            f"{result['rows_per_second']:,} rows/s; created {result['created']:,}, "
            f"skipped {result['skipped']:,}, rejected {result['rejected']:,}")
        return {
            "meta": {"db": db, "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                     "companies": companies, "seed": args.seed, "revision": revision,
                     "load_before": load_before,
                     "load_after": [round(value, 2) for value in os.getloadavg()],
                     "reused": reuse},
            "machine": bench.machine_facts(), "facts": facts, "result": result,
        }
    finally:
        if not reuse and not args.keep:
            shutil.rmtree(home, ignore_errors=True)
            if db == "postgres":
                bench.recreate_postgres(database_url, drop_only=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite", help="sqlite, postgres or sqlite,postgres")
    parser.add_argument("--companies", type=int, default=100_000,
                        help="companies for `khata demo` to generate first (default 100000)")
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the CSV")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--home", default=None,
                        help="import into the data kept by `bench/run.py --keep` in this "
                             "KHATA_HOME (one --db only)")
    parser.add_argument("--pg-url", default=bench.DEFAULT_PG_URL)
    parser.add_argument("--source", default="worktree",
                        help="the code to measure: worktree (default) or a git revision")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the import")
    parser.add_argument("--leave-rows", action="store_true",
                        help="keep the imported rows in the database afterwards")
    parser.add_argument("--keep", action="store_true", help="keep a generated KHATA_HOME")
    parser.add_argument("--no-write", action="store_true", help="leave docs/benchmarks.md alone")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args)
        return
    databases = [db.strip() for db in args.db.split(",") if db.strip()]
    if not databases or set(databases) - {"sqlite", "postgres"}:
        parser.error("--db takes sqlite, postgres or sqlite,postgres")
    if args.home and len(databases) != 1:
        parser.error("--home takes the data of one database: give one --db")
    bench.local_only(args.pg_url)
    bench.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    for db in databases:
        report = bench_import(db, args)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
        raw = bench.RESULTS_DIR / f"import-{db}-{report['meta']['companies']}-{stamp}.json"
        raw.write_text(json.dumps(report, indent=2) + "\n")
        log(f"raw results: {raw.relative_to(bench.REPO)}")
        if not args.no_write:
            bench.write_doc(f"import-{db}", markdown_section(report))
            log(f"table written to {bench.DOC.relative_to(bench.REPO)} "
                f"(<!-- bench:import-{db} -->)")


if __name__ == "__main__":
    main()
