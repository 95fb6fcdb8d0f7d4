"""`khata portfolio assign`: the head gives companies to a manager from the command line —
picked by id or by a filter — e.g. a newly appointed manager's first portfolio."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from khata.clients.selectors import CompanyFilters
from khata.home.services import portfolio_companies, portfolio_give
from khata.team.management.commands.user import person, problems


class Command(BaseCommand):
    help = ("Give companies to a manager. Example: khata portfolio assign --by head@firm.in "
            "--to asha@firm.in --from vikram@firm.in --region Goa --dry-run")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="assign")
        assign = sub.add_parser("assign", help="move companies into a manager's portfolio")
        assign.add_argument("--by", required=True, help="the head's e-mail (their rights apply)")
        assign.add_argument("--to", required=True, help="who receives the companies")
        assign.add_argument("--company", type=int, action="append", default=[], metavar="ID",
                            help="a company by id (repeat); otherwise the filters pick them")
        assign.add_argument("--from", dest="owner", help="companies now held by this e-mail")
        assign.add_argument("--region", default="")
        assign.add_argument("--industry", default="", help="ISIC section or division code")
        assign.add_argument("--lifecycle", action="append", default=[])
        assign.add_argument("--dry-run", action="store_true", help="count, change nothing")

    def handle(self, *args, action, **options):
        head, receiver = person(options["by"]), person(options["to"])
        filters = CompanyFilters(
            owner=person(options["owner"]).pk if options["owner"] else None,
            region=options["region"], industry=options["industry"],
            lifecycle=options["lifecycle"])
        picked = options["company"] or None
        if not picked and not any([filters.owner, filters.region, filters.industry,
                                   filters.lifecycle]):
            raise CommandError("Pick companies with --company ID or a filter (--from, "
                               "--region, --industry, --lifecycle).")
        if options["dry_run"]:
            count = portfolio_companies(by=head, filters=filters, ids=picked).count()
            self.stdout.write(f"{count:,} companies would move to {receiver.email}. "
                              "Dry run: nothing changed.")
            return
        try:
            moved = portfolio_give(by=head, to=receiver, filters=filters, ids=picked)
        except ValidationError as exc:
            raise CommandError(problems(exc)) from exc
        except PermissionDenied as exc:
            raise CommandError(f"--by {head.email}: only the head gives companies away.") \
                from exc
        self.stdout.write(self.style.SUCCESS(f"{moved:,} companies moved to {receiver.email}."))
