"""How fast the plan job moves enrolments on (issue 6: 100,000 enrolments in ≤ 60 s).

Run it inside a kept benchmark home (its data is changed: a plan and N enrolments are added):

    KHATA_HOME=/tmp/khata-bench-postgres-… \\
    KHATA_DATABASE_URL=postgres://postgres@127.0.0.1:5432/khata_bench \\
    .venv/bin/python bench/planning_advance.py 3000

It makes a four-step plan (e-mail, call, fax, meeting) of the first demo manager, enrols N
companies that are not clients with their first step due now, times `plans_advance`, then
times a second run (which must find nothing to do).
"""

import argparse
import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khata.config.settings")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from khata.clients.models import Company  # noqa: E402
from khata.planning.models import ContactPlan, Enrolment, PlanStep  # noqa: E402
from khata.planning.services import plans_advance  # noqa: E402
from khata.team.models import User  # noqa: E402

STEPS = [("email", 0), ("call", 3), ("fax", 4), ("meeting", 7)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("enrolments", type=int, help="how many enrolments to advance")
    parser.add_argument("--manager", default="manager1@example.com")
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
    began = time.perf_counter()
    result = plans_advance(now=now)
    took = time.perf_counter() - began
    print(f"{len(ids):,} enrolments in {took:.1f} s ({len(ids) / took:,.0f} per second): "
          f"{result}")
    began = time.perf_counter()
    again = plans_advance(now=now)
    print(f"second run: {time.perf_counter() - began:.1f} s, {again}")


if __name__ == "__main__":
    main()
