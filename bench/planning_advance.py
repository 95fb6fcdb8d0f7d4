"""How fast the plan job moves enrolments on (issue 6: 100,000 enrolments in ≤ 60 s).

Run it inside a kept benchmark home (its data is changed: a plan and N enrolments are added):

    KHATA_HOME=/tmp/khata-bench-postgres-… \\
    KHATA_DATABASE_URL=postgres://postgres@127.0.0.1:5432/khata_bench \\
    .venv/bin/python bench/planning_advance.py 100000

It makes a four-step plan (e-mail, call, fax, meeting) of the first demo manager, enrols N
companies that are not clients (of every owner: 100,000 need a home of about 150,000
companies) with their first step due now, times `plans_advance`, then
times a second run (which must find nothing to do).
"""

import argparse
import cProfile
import os
import pstats
import time
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khata.config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from khata.clients.models import Company  # noqa: E402
from khata.planning.models import ContactPlan, Enrolment, PlanStep  # noqa: E402
from khata.planning.services import plans_advance  # noqa: E402
from khata.team.models import User  # noqa: E402

STEPS = [("email", 0), ("call", 3), ("fax", 4), ("meeting", 7)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("enrolments", type=int, help="how many enrolments to advance")
    parser.add_argument("--manager", default="manager1@example.com",
                        help="who owns the benchmark plan (the companies are anyone's)")
    parser.add_argument("--batch", type=int, default=1000, help="enrolments per transaction")
    parser.add_argument("--late", type=float, default=0,
                        help="run the job this many days after the first steps came due (a "
                             "missed stretch: 11 catches up all four steps)")
    parser.add_argument("--profile", action="store_true",
                        help="print the top of a cProfile of the first run")
    args = parser.parse_args()
    manager = User.objects.get(email=args.manager)
    plan = ContactPlan.objects.create(name=f"benchmark {timezone.now():%Y-%m-%d %H:%M:%S}",
                                      owner=manager)
    steps = [PlanStep.objects.create(plan=plan, order=order, channel=channel, delay_days=delay)
             for order, (channel, delay) in enumerate(STEPS, 1)]
    prospects = Company.objects.exclude(lifecycle="client").order_by("pk")
    ids = list(prospects.values_list("pk", flat=True)[:args.enrolments])
    now = timezone.now()
    Enrolment.objects.bulk_create(
        [Enrolment(plan=plan, company_id=pk, status="active", next_step=steps[0],
                   next_due_at=now, enrolled_by=manager) for pk in ids], batch_size=2000)
    if connection.vendor == "postgresql":  # what autovacuum does soon after a bulk insert
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE planning_enrolment")
    if len(ids) < args.enrolments:
        print(f"only {len(ids):,} companies are not clients: generate more (--companies)")
    profiler = cProfile.Profile() if args.profile else None
    began = time.perf_counter()
    if profiler:
        profiler.enable()
    result = plans_advance(now=now + timedelta(days=args.late), batch=args.batch)
    took = time.perf_counter() - began
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
    # Every due enrolment of the home counts (with --late, earlier runs' plans come due too).
    print(f"{result.enrolments:,} enrolments ({len(ids):,} new) and {result.tasks:,} tasks in "
          f"{took:.1f} s ({result.enrolments / took:,.0f} enrolments, "
          f"{result.tasks / took:,.0f} tasks per second): {result}")
    began = time.perf_counter()
    again = plans_advance(now=now + timedelta(days=args.late))
    print(f"second run: {time.perf_counter() - began:.1f} s, {again}")


if __name__ == "__main__":
    main()
