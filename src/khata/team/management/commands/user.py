"""`khata user add|list`: manage the people who use Khata from the command line."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from khata.team.choices import Role
from khata.team.models import User
from khata.team.services import user_create


class Command(BaseCommand):
    help = "Add or list users, e.g. khata user add asha@firm.in --role manager --name 'Asha Rao'"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="add|list")
        add = sub.add_parser("add", help="add a head or an account manager")
        add.add_argument("email", help="the e-mail they sign in with")
        add.add_argument("--role", required=True, choices=Role.values, help="head or manager")
        add.add_argument("--name", default="", help="full name as colleagues know it")
        add.add_argument("--password", default=None,
                         help="initial password (default: generate one and print it)")
        sub.add_parser("list", help="list users with their role and state")

    def handle(self, *args, action, **options):
        if action == "add":
            self._add(options)
        else:
            for user in User.objects.order_by("role", "email"):
                state = "active" if user.is_active else "inactive"
                self.stdout.write(f"{user.email:<32} {user.role:<8} {state:<8} {user.name}")

    def _add(self, options):
        try:
            user, password = user_create(by=None, email=options["email"], role=options["role"],
                                         name=options["name"], password=options["password"])
        except ValidationError as exc:
            problems = "; ".join(f"{field}: {' '.join(messages)}"
                                 for field, messages in exc.message_dict.items())
            raise CommandError(problems) from exc
        self.stdout.write(self.style.SUCCESS(f"Added {user.email} ({user.get_role_display()})."))
        if options["password"] is None:
            self.stdout.write(f"Password: {password}  (shown once; they can change it after "
                              "signing in)")
