"""`khata export companies|contacts`: write a filtered list to CSV or XLSX."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from khata.clients.exporting import companies_export, contacts_export
from khata.clients.selectors import CompanyFilters
from khata.core.tables import csv_lines, write_xlsx
from khata.team.models import User


class Command(BaseCommand):
    help = ("Export companies or contacts the user may see. Example: "
            "khata export companies --user asha@firm.in --lifecycle client -o clients.xlsx")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["companies", "contacts"])
        parser.add_argument("--user", required=True, help="whose view of the data to export")
        parser.add_argument("-o", "--output", required=True, help="file to write (.csv/.xlsx)")
        parser.add_argument("--q", default="", help="search text, as in the UI")
        parser.add_argument("--lifecycle", action="append", default=[])
        parser.add_argument("--industry", default="")
        parser.add_argument("--freshness", choices=["", "stale", "fresh", "never"], default="")

    def handle(self, *args, kind, user, output, q, lifecycle, industry, freshness, **options):
        person = User.objects.filter(email__iexact=user.strip(), is_active=True).first()
        if person is None:
            raise CommandError(f"No active user with the e-mail {user}.")
        path = Path(output)
        if kind == "companies":
            headers, rows = companies_export(user=person, filters=CompanyFilters(
                q=q, lifecycle=lifecycle, industry=industry, freshness=freshness))
        else:
            headers, rows = contacts_export(user=person, q=q)
        count = 0

        def counted(rows):
            nonlocal count
            for row in rows:
                count += 1
                yield row

        if path.suffix.lower() == ".xlsx":
            path.write_bytes(write_xlsx(headers, counted(rows), title=kind.title()))
        else:
            with path.open("w", encoding="utf-8", newline="") as handle:
                for line in csv_lines(headers, counted(rows)):
                    handle.write(line)
        self.stdout.write(self.style.SUCCESS(f"{count:,} {kind} written to {path}."))
