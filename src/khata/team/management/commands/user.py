"""`khata user add|list|dismiss|role`: the people who use Khata, from the command line."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from khata.team.choices import Role
from khata.team.models import User
from khata.team.selectors import holdings_of
from khata.team.services import (
    HandoverPlan,
    user_appoint,
    user_dismiss,
    user_set_role,
)


def problems(exc: ValidationError) -> str:
    """A service's field errors as one line for the terminal."""
    if not hasattr(exc, "error_dict"):
        return "; ".join(exc.messages)
    return "; ".join(f"{field}: {' '.join(messages)}"
                     for field, messages in exc.message_dict.items())


def person(email: str, *, active: bool = True) -> User:
    found = User.objects.filter(email__iexact=(email or "").strip()).first()
    if found is None or (active and not found.is_active):
        raise CommandError(f"No {'active ' if active else ''}user with the e-mail {email}.")
    return found


class Command(BaseCommand):
    help = ("Add, list, dismiss users or change a role. Examples:\n"
            "  khata user add asha@firm.in --role manager --name 'Asha Rao'\n"
            "  khata user dismiss asha@firm.in --to vikram@firm.in\n"
            "  khata user dismiss asha@firm.in --to vikram@firm.in --split-by region "
            "--assign Kerala=sita@firm.in")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True,
                                    metavar="add|list|dismiss|role")
        add = sub.add_parser("add", help="appoint a head or an account manager")
        add.add_argument("email", help="the e-mail they sign in with")
        add.add_argument("--role", required=True, choices=Role.values, help="head or manager")
        add.add_argument("--name", default="", help="full name as colleagues know it")
        add.add_argument("--password", default=None,
                         help="initial password (default: print a one-time link where they "
                              "choose it; KHATA_BASE_URL sets the link's address)")
        sub.add_parser("list", help="list users with their role and state")
        dismiss = sub.add_parser(
            "dismiss", help="dismiss a user: hand their records over, close the login now")
        dismiss.add_argument("email", help="who leaves")
        dismiss.add_argument("--to", required=True,
                             help="who receives their records (the rest of them, with --assign)")
        dismiss.add_argument("--split-by", default="", help="region, country or industry")
        dismiss.add_argument("--assign", action="append", default=[], metavar="VALUE=EMAIL",
                             help="with --split-by: records with VALUE go to EMAIL (repeat)")
        dismiss.add_argument("--dry-run", action="store_true",
                             help="only show what they hold; change nothing")
        role = sub.add_parser("role", help="make someone head or manager")
        role.add_argument("email")
        role.add_argument("role", choices=Role.values)

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(options)
        except ValidationError as exc:
            raise CommandError(problems(exc)) from exc

    def _list(self, options):
        for user in User.objects.order_by("role", "email"):
            state = "active" if user.is_active else "inactive"
            self.stdout.write(f"{user.email:<32} {user.role:<8} {state:<8} {user.name}")

    def _add(self, options):
        user, path = user_appoint(by=None, email=options["email"], name=options["name"],
                                  role=options["role"], password=options["password"])
        self.stdout.write(self.style.SUCCESS(f"Appointed {user.email} "
                                             f"({user.get_role_display()})."))
        if path is not None:
            self.stdout.write(f"Send them this one-time link to choose a password "
                              f"(valid {settings.PASSWORD_RESET_TIMEOUT // 86400} days):")
            self.stdout.write(f"  {settings.KHATA_BASE_URL}{path}")

    def _dismiss(self, options):
        leaving = person(options["email"])
        head = User.objects.filter(is_active=True, role=Role.HEAD).first()
        self.stdout.write(f"{leaving} holds:")
        for holding in holdings_of(user=head, person=leaving) if head else []:
            note = "" if holding.moves else " (follow their company)"
            self.stdout.write(f"  {holding.count:>9,} {holding.label}{note}")
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing changed.")
            return
        assignments = {}
        for item in options["assign"]:
            value, sep, email = item.rpartition("=")
            if not sep or not value:
                raise CommandError(f"--assign {item!r}: write it as VALUE=EMAIL.")
            assignments[value] = person(email)
        if assignments and not options["split_by"]:
            raise CommandError("--assign needs --split-by (region, country or industry).")
        moved = user_dismiss(by=None, user=leaving, plan=HandoverPlan(
            to=person(options["to"]), split_by=options["split_by"], assignments=assignments))
        summary = ", ".join(f"{count:,} {label}" for label, count in moved.items()) or "nothing"
        self.stdout.write(self.style.SUCCESS(
            f"Dismissed {leaving.email}: login closed, sessions and tokens stopped; "
            f"handed over {summary}."))

    def _role(self, options):
        user = person(options["email"])
        user_set_role(by=None, user=user, role=options["role"])
        self.stdout.write(self.style.SUCCESS(f"{user.email} is now {user.get_role_display()}."))
