"""`khata absence add|list|end`: record who is away and who covers, from the command line."""

from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from khata.team.choices import AbsenceReason
from khata.team.management.commands.user import person, problems
from khata.team.models import Absence
from khata.team.services import absence_end, absence_record


def day(text: str):
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"{text!r}: write the day as YYYY-MM-DD.") from exc


class Command(BaseCommand):
    help = ("Absences and substitutes. Example: khata absence add asha@firm.in "
            "--substitute sita@firm.in --from 2026-12-01 --to 2026-12-05 --reason vacation")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="add|list|end")
        add = sub.add_parser("add", help="record an absence (whole days, company time zone)")
        add.add_argument("email", help="who is away")
        add.add_argument("--substitute", required=True, help="who covers (e-mail)")
        add.add_argument("--from", dest="first", required=True, help="first day away")
        add.add_argument("--to", dest="last", required=True, help="last day away")
        add.add_argument("--reason", required=True, choices=AbsenceReason.values)
        add.add_argument("--note", default="")
        listing = sub.add_parser("list", help="current and coming absences")
        listing.add_argument("--all", action="store_true", help="past ones too")
        end = sub.add_parser("end", help="end an absence now (cancel a future one)")
        end.add_argument("id", type=int)

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(options)
        except ValidationError as exc:
            raise CommandError(problems(exc)) from exc

    def _add(self, options):
        first, last = day(options["first"]), day(options["last"])
        if last < first:
            raise CommandError("--to: the last day cannot be before the first.")
        absence = absence_record(by=None, user=person(options["email"]), data={
            "substitute": options["substitute"], "reason": options["reason"],
            "note": options["note"],
            "starts_at": timezone.make_aware(datetime.combine(first, time.min)),
            "ends_at": timezone.make_aware(datetime.combine(last + timedelta(days=1),
                                                            time.min))})
        self.stdout.write(self.style.SUCCESS(
            f"Absence {absence.pk}: {absence.substitute.email} covers {absence.user.email} "
            f"from {timezone.localtime(absence.starts_at):%Y-%m-%d %H:%M} "
            f"until {timezone.localtime(absence.ends_at):%Y-%m-%d %H:%M}."))

    def _list(self, options):
        absences = Absence.objects.select_related("user", "substitute").order_by("starts_at")
        if not options["all"]:
            absences = absences.filter(ends_at__gt=timezone.now())
        for absence in absences:
            self.stdout.write(
                f"{absence.pk:>5}  {absence.user.email:<28} "
                f"{timezone.localtime(absence.starts_at):%Y-%m-%d %H:%M} → "
                f"{timezone.localtime(absence.ends_at):%Y-%m-%d %H:%M}  "
                f"{absence.reason:<13} covered by {absence.substitute.email}")

    def _end(self, options):
        absence = Absence.objects.filter(pk=options["id"]).first()
        if absence is None:
            raise CommandError(f"No absence {options['id']}.")
        ended = absence_end(by=None, absence=absence)
        self.stdout.write(self.style.SUCCESS(
            f"Absence {options['id']} {'ended now' if ended else 'cancelled'}."))
