"""`khata import companies|contacts|products|leads|statements|invoices FILE`: import a file with a
progress bar."""

import shutil
import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from khata.audit.services import import_configure, import_start
from khata.core.choices import DuplicateAction
from khata.core.importing import IMPORTERS, execute, normal_header
from khata.core.progress import progress_bar
from khata.prospecting.selectors import search_methods_visible
from khata.team.models import User


class Command(BaseCommand):
    help = ("Import companies, contacts, products, leads, financial statements or invoices "
            "from CSV, XLSX or vCard. Example: "
            "khata import companies clients.csv --user asha@firm.in; "
            "khata import leads fair.xlsx --user asha@firm.in --search-method 'Pune Fair 2026'")

    def _options(self, person, search_method: str | None) -> dict:
        if not search_method:
            return {}
        method = search_methods_visible(user=person).filter(name__iexact=search_method).first()
        if method is None:
            raise CommandError(f"--search-method: no search method named {search_method!r}.")
        return {"search_method": method.pk}

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(IMPORTERS), help="what the file holds")
        parser.add_argument("file", help="the CSV, XLSX or vCard file")
        parser.add_argument("--user", required=True,
                            help="e-mail of the person importing (their rights apply)")
        parser.add_argument("--owner", help="import into this manager's portfolio (head only)")
        parser.add_argument("--search-method", metavar="NAME",
                            help="for leads: the search method the list came from (its name)")
        parser.add_argument("--on-duplicate", choices=DuplicateAction.values, default="skip",
                            help="what to do with rows matching existing records (skip)")
        parser.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD",
                            help="correct the mapping of one column, e.g. --map 'Org=display_name'")
        parser.add_argument("--rejected", help="where to write rejected rows "
                            "(default: FILE.rejected.csv beside the input)")

    def handle(self, *args, kind, file, user, owner, on_duplicate, map, rejected,
               search_method, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        person = self._user(user)
        owner_user = self._user(owner) if owner else None
        try:
            job = import_start(by=person, kind=kind, filename=path.name,
                               data=path.read_bytes(), owner=owner_user,
                               options=self._options(person, search_method))
            mapping = dict(job.mapping)
            headers = self._headers(job)
            for item in map:
                column, _sep, field = item.partition("=")
                index = next((str(i) for i, header in enumerate(headers)
                              if normal_header(header) == normal_header(column)), None)
                if index is None:
                    raise CommandError(f"--map: the file has no column named {column!r}.")
                mapping[index] = field.strip()
            import_configure(by=person, job=job, mapping=mapping, on_duplicate=on_duplicate)
        except ValidationError as exc:
            raise CommandError("; ".join(f"{field}: {' '.join(messages)}"
                                         for field, messages in exc.message_dict.items())) from exc
        names = ", ".join(f"{headers[int(index)]} → {field}"
                          for index, field in sorted(mapping.items(), key=lambda i: int(i[0])))
        self.stdout.write(f"Columns: {names}")
        job = execute(job, progress=progress_bar(sys.stderr, "rows"))
        self.stdout.write(self.style.SUCCESS(
            f"{job.created:,} added, {job.updated:,} updated, {job.skipped:,} skipped as "
            f"duplicates, {job.rejected:,} rejected."))
        if job.rejected_file:
            target = Path(rejected) if rejected else path.with_suffix(path.suffix +
                                                                      ".rejected.csv")
            with job.rejected_file.open("rb") as source, target.open("wb") as out:
                shutil.copyfileobj(source, out)
            self.stdout.write(f"Rejected rows and their reasons: {target}")

    def _user(self, email: str) -> User:
        user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
        if user is None:
            raise CommandError(f"No active user with the e-mail {email}.")
        return user

    def _headers(self, job) -> list[str]:
        from khata.core.importing import load_table

        return load_table(job).headers
