"""`khata plans advance|list`: run the contact-plan job by hand; list plans with figures."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from khata.planning.selectors import plan_figures, plans_visible
from khata.planning.services import plans_advance
from khata.team.models import User


class Command(BaseCommand):
    help = ("Contact plans. `khata plans advance` makes the tasks of every step now due (safe "
            "to run twice; the worker runs it every 15 minutes); `khata plans list EMAIL` "
            "shows a manager's plans with their figures.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="advance|list")
        advance = sub.add_parser("advance", help="create the tasks of plan steps now due")
        advance.add_argument("--now", help="act as if it were this time (ISO 8601), e.g. to "
                                           "catch up or to test a plan")
        listing = sub.add_parser("list", help="a manager's plans with their figures")
        listing.add_argument("email")

    def handle(self, *args, action, **options):
        if action == "advance":
            now = None
            if options["now"]:
                try:
                    now = datetime.fromisoformat(options["now"])
                except ValueError as exc:
                    raise CommandError("--now: use ISO 8601, e.g. 2026-05-04T09:00") from exc
                if timezone.is_naive(now):
                    now = timezone.make_aware(now)
            result = plans_advance(now=now)
            self.stdout.write(f"{result.enrolments:,} enrolments due: {result.tasks:,} tasks "
                              f"made, {result.completed:,} plans completed, "
                              f"{result.exited:,} exited.")
            return
        user = User.objects.filter(email__iexact=options["email"].strip(),
                                   is_active=True).first()
        if user is None:
            raise CommandError(f"No active user with the e-mail {options['email']}.")
        plans = list(plans_visible(user=user))
        if not plans:
            self.stdout.write("No contact plans.")
        for row in plan_figures(user=user, plans=plans):
            steps = " → ".join(step.step.channel for step in row.steps)
            self.stdout.write(f"{row.plan.pk:>6}  {row.plan.name}  [{steps}]  enrolled "
                              f"{row.enrolled}, active {row.active}, completed "
                              f"{row.completed}, replied {row.replied}, meetings "
                              f"{row.meetings}")
