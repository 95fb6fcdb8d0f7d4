"""`khata score [--all | --due | --segment ID | --company ID …]`: assess companies in batches
with a progress bar (reliability forecast, issue 7).

It lives beside `import` and `export` in audit, the layer above every app: a segment belongs
to prospecting, which sits above reliability, so only a layer above both may read the one and
call the other (pyproject.toml, import-linter contract)."""

import sys

from django.core.management.base import BaseCommand, CommandError

from khata.clients.models import Company
from khata.core.progress import progress_bar
from khata.prospecting.models import Segment
from khata.prospecting.selectors import segment_members
from khata.reliability.scoring_services import (
    companies_due_for_scoring,
    learned_model_retrain,
    score_companies,
)
from khata.team.choices import Role
from khata.team.models import User


class Command(BaseCommand):
    help = ("Assess the reliability of companies from their stored statements, invoices and "
            "checklist, in batches. Examples: khata score --all; khata score --due (what the "
            "nightly run does); khata score --segment 12; khata score --company 5 --company 9; "
            "khata score --retrain --all (train the learned model first).")

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--all", action="store_true", help="every live company")
        which.add_argument("--due", action="store_true",
                           help="companies whose assessment is missing, expired or older than "
                                "a change of their inputs")
        which.add_argument("--segment", type=int, metavar="ID", help="the members of a segment")
        which.add_argument("--company", type=int, action="append", metavar="ID",
                           help="one company (repeat for more)")
        parser.add_argument("--retrain", action="store_true",
                            help="train the learned model on the invoice history first")
        parser.add_argument("--batch-size", type=int, default=5000,
                            help="companies per batch (default 5000)")

    def handle(self, *args, **options):
        if options["batch_size"] < 1:  # before any work, the retraining included
            raise CommandError("--batch-size: give a number of 1 or more.")
        if options["retrain"]:
            outcome = learned_model_retrain(progress=progress_bar(sys.stderr, "companies read"))
            if outcome["trained"]:
                self.stdout.write(f"Model trained on {outcome['rows']:,} companies "
                                  f"({outcome['positives']:,} serious delinquencies), test AUC "
                                  f"{outcome['metrics'].get('auc', float('nan')):.3f}.")
            else:
                self.stdout.write(f"No model trained: {outcome['message']}")
        companies = self._companies(options)
        if companies is None:
            if not options["retrain"]:
                raise CommandError("Say what to score: --all, --due, --segment ID or "
                                   "--company ID.")
            return
        outcome = score_companies(companies=companies,
                                  progress=progress_bar(sys.stderr, "companies"),
                                  batch_size=options["batch_size"])
        bands = ", ".join(f"{band} {count:,}" for band, count in outcome["bands"].items())
        rate = f" ({outcome['per_second']:,} a second)" if outcome["per_second"] else ""
        self.stdout.write(self.style.SUCCESS(
            f"{outcome['scored']:,} companies assessed in {outcome['seconds']:.1f} s{rate} "
            f"with {outcome['method']}; bands: {bands}."))

    def _companies(self, options):
        if options["all"]:
            return Company.objects.all()
        if options["due"]:
            return companies_due_for_scoring()
        if options["company"]:
            found = set(Company.objects.filter(pk__in=options["company"])
                        .values_list("pk", flat=True))
            missing = sorted(set(options["company"]) - found)
            if missing:
                raise CommandError(f"--company: no company with the id {missing[0]}.")
            return sorted(found)
        if options["segment"] is not None:
            segment = Segment.objects.filter(pk=options["segment"]).first()
            if segment is None:
                raise CommandError(f"--segment: no segment with the id {options['segment']}.")
            head = User.objects.filter(role=Role.HEAD, is_active=True).order_by("pk").first()
            if head is None:
                raise CommandError("--segment needs an active head of the company (segments "
                                   "are read with the head's reach).")
            return segment_members(user=head, segment=segment)
        return None
