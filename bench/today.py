"""How fast the Today page renders for a busy manager (issue 6: ≤ 150 ms p95 on PostgreSQL).

Builds the issue's shape for one new manager in a kept benchmark home (see bench/README.md,
`run.py --keep`), once: 5,000 companies, 50,000 activities over two years (a few meetings
today), a four-step contact plan with 2,000 running enrolments whose due steps have become
tasks (overdue and due today, by the plan job), and some tasks of their own. Then starts
`khata serve`, signs in as that manager and measures GET / over HTTP with `run.py`'s closed
loop, and prints p50/p95/p99 and the page's query count:

    .venv/bin/python bench/today.py --home /tmp/khata-bench-postgres-… \\
        --pg-url postgres://postgres@127.0.0.1:5432/khata_bench --requests 400

The code measured is this checkout's `src/` (not the home's copy). A second run reuses the
manager and their data (`--rebuild` is not offered: make a new home instead).
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import (  # noqa: E402
    HOST,
    Endpoint,
    Server,
    khata_env,
    percentile,
    run_load,
    sign_in,
)

REPO = Path(__file__).resolve().parent.parent
EMAIL = "today-bench@example.com"
PASSWORD = "today-bench-password-42"
SHAPE = {"companies": 5000, "activities": 50000, "enrolments": 2000, "own_tasks": 300,
         "meetings_today": 6}

# Runs in a child process with Django set up (KHATA_HOME and the database of the home).
BUILD = r"""
import json, random, sys
from datetime import timedelta
import django
django.setup()
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from khata.clients.models import Company
from khata.home.views import today_view
from khata.planning.models import Activity, ContactPlan, Enrolment, PlanStep, Task
from khata.planning.services import plans_advance
from khata.team.models import User
from khata.team.services import user_create

email, password, shape = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
rng = random.Random(6)
now = timezone.now()
built = False
manager = User.objects.filter(email=email).first()
if manager is None:
    built = True
    with transaction.atomic():
        manager, _ = user_create(by=None, email=email, role="manager", name="Today Bench",
                                 password=password)
        companies = Company.objects.bulk_create([
            Company(display_name=f"Today bench {n:05d} Pvt Ltd", owner=manager,
                    lifecycle=rng.choice(["prospect"] * 3 + ["client", "former"]),
                    country="IN", city=rng.choice(["Pune", "Mumbai", "Chennai", "Delhi"]),
                    last_verified_at=now - timedelta(days=rng.randint(0, 900)))
            for n in range(shape["companies"])], batch_size=1000)
        kinds = ["call", "email", "meeting", "fax", "presentation", "visit", "note"]
        activities = []
        for n in range(shape["activities"]):
            activities.append(Activity(
                kind=rng.choice(kinds), subject=f"Contact {n}", company=rng.choice(companies),
                starts_at=now - timedelta(minutes=rng.randint(-30 * 24 * 60, 730 * 24 * 60)),
                status="done", created_by=manager))
        today = timezone.localtime(now).replace(hour=9, minute=0, second=0, microsecond=0)
        for n in range(shape["meetings_today"]):
            activities.append(Activity(kind="meeting", subject=f"Meeting {n}", status="scheduled",
                                       company=companies[n], starts_at=today + timedelta(hours=n),
                                       created_by=manager))
        Activity.objects.bulk_create(activities, batch_size=2000)
        plan = ContactPlan.objects.create(name="Today bench plan", owner=manager)
        steps = [PlanStep.objects.create(plan=plan, order=order, channel=channel,
                                         delay_days=delay)
                 for order, (channel, delay) in enumerate(
                     [("email", 0), ("call", 3), ("fax", 4), ("meeting", 7)], 1)]
        prospects = [c for c in companies if c.lifecycle == "prospect"][:shape["enrolments"]]
        # First steps due over the last ten days and the rest of today: the job turns the due
        # ones into tasks (some overdue, some due today), the rest wait.
        Enrolment.objects.bulk_create([
            Enrolment(plan=plan, company=company, status="active", next_step=steps[0],
                      next_due_at=now - timedelta(minutes=rng.randint(-600, 10 * 24 * 60)),
                      enrolled_by=manager) for company in prospects], batch_size=1000)
        Task.objects.bulk_create([
            Task(title=f"Own task {n}", assignee=manager, company=rng.choice(companies),
                 due_at=now + timedelta(minutes=rng.randint(-5 * 24 * 60, 20 * 24 * 60)),
                 created_by=manager) for n in range(shape["own_tasks"])])
    plans_advance(now=now)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
request = RequestFactory().get("/")
request.user = manager
request.session = {}
today_view(request)  # warm
with CaptureQueriesContext(connection) as queries:
    response = today_view(request)
facts = {
    "built": built, "queries": len(queries), "bytes": len(response.content),
    "companies": Company.objects.filter(owner=manager).count(),
    "activities": Activity.objects.filter(company__owner=manager).count(),
    "enrolments_active": Enrolment.objects.filter(company__owner=manager,
                                                  status="active").count(),
    "tasks_open": Task.objects.filter(assignee=manager, status="open").count(),
    "tasks_overdue_or_due_now": Task.objects.filter(assignee=manager, status="open",
                                                    due_at__lte=now).count(),
}
print(json.dumps(facts))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", required=True, help="a KHATA_HOME kept by run.py --keep")
    parser.add_argument("--pg-url", default="", help="its PostgreSQL database (none: SQLite)")
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    home = Path(args.home).resolve()
    database_url = args.pg_url or f"sqlite:///{home / 'khata.sqlite3'}"
    env = khata_env(home, database_url, REPO)
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", BUILD, EMAIL, PASSWORD, json.dumps(SHAPE)],
                          env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench: building the data failed:\n{done.stdout}{done.stderr}")
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"data ({'built' if facts['built'] else 'reused'} in "
          f"{time.perf_counter() - began:.0f} s): {facts}")
    server = Server(env, home, workers=args.workers, threads=args.threads)
    try:
        server.wait_ready()
        headers = {"Host": f"{HOST}:{server.port}",
                   "Cookie": sign_in(server.port, EMAIL, PASSWORD)}
        endpoint = Endpoint("page: Today (busy manager)", "/", auth="session")
        run_load(server.port, endpoint, headers, clients=args.clients, duration=3,
                 max_requests=30, timeout=30)  # warm-up, not measured
        results, elapsed = run_load(server.port, endpoint, headers, clients=args.clients,
                                    duration=600, max_requests=args.requests, timeout=30)
    finally:
        server.stop()
    latencies = sorted(value * 1000 for result in results for value in result.latencies)
    errors = sum(result.errors for result in results)
    samples = [sample for result in results for sample in result.samples]
    print(f"{os.path.basename(database_url.split('?')[0])}: GET / as {EMAIL}, "
          f"{len(latencies)} requests, {args.clients} client(s), {errors} errors, "
          f"{len(latencies) / elapsed:.1f} req/s; p50 {percentile(latencies, 50):.1f} ms, "
          f"p95 {percentile(latencies, 95):.1f} ms, p99 {percentile(latencies, 99):.1f} ms; "
          f"{facts['queries']} queries, {facts['bytes']:,} bytes; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other work inflates these)")
    for sample in samples:
        print(f"  error: {sample}")


if __name__ == "__main__":
    main()
