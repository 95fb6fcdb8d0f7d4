"""`khata demo`: a working, populated Khata on this machine in one command."""

import signal
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from khata.core.demo import DEMO_PASSWORDS, build_demo
from khata.team.demo import DEMO_HEAD, DEMO_MANAGERS
from khata.team.models import User


class Command(BaseCommand):
    help = ("Set up a demo: migrate, create a head and two managers, load realistic data, "
            "start a worker and the web server.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
        parser.add_argument("--companies", type=int, default=200,
                            help="how many client companies to generate (default 200)")
        parser.add_argument("--leads", type=int, default=None,
                            help="how many leads to generate (default: half the companies)")
        parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
        parser.add_argument("--no-serve", action="store_true",
                            help="only prepare the data; start neither worker nor server")
        parser.add_argument("--force", action="store_true",
                            help="add demo data even to a database that has real users")

    def handle(self, *args, host, port, companies, leads, seed, no_serve, force, **options):
        if companies < 0:
            raise CommandError("--companies cannot be negative.")
        if leads is not None and leads < 0:
            raise CommandError("--leads cannot be negative.")
        self.stdout.write("Preparing the database…")
        call_command("migrate", interactive=False, verbosity=0)
        real_users = User.objects.exclude(email__in=[DEMO_HEAD, *DEMO_MANAGERS]).exclude(
            email__endswith="@example.com")
        if real_users.exists() and not User.objects.filter(email=DEMO_HEAD).exists() \
                and not force:
            raise CommandError("This database has real users; demo accounts with published "
                               "passwords do not belong there. Point KHATA_HOME or "
                               "KHATA_DATABASE_URL elsewhere, or add --force.")
        if User.objects.filter(email=DEMO_HEAD).exists():
            self.stdout.write("Demo data is already there (delete KHATA_HOME to start afresh).")
            self._reset_demo_passwords()
        else:
            self.stdout.write(f"Generating demo data (seed {seed}, {companies:,} companies)…")
            build_demo(seed=seed, companies=companies, leads=leads, log=self.stdout.write)
        self.stdout.write(self.style.SUCCESS("\nSign in with one of these accounts:"))
        self.stdout.write(
            f"  head of the company  {DEMO_HEAD:<24} password {DEMO_PASSWORDS['head']}")
        for email in DEMO_MANAGERS:
            self.stdout.write(
                f"  account manager      {email:<24} password {DEMO_PASSWORDS['manager']}")
        if no_serve:
            return
        worker = subprocess.Popen([sys.executable, "-m", "khata", "worker"])
        self.stdout.write(self.style.SUCCESS(f"\nOpen http://{host}:{port}/ in your browser."))
        try:
            call_command("serve", host=host, port=port, workers=1, threads=4)
        finally:
            worker.send_signal(signal.SIGINT)
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()

    def _reset_demo_passwords(self) -> None:
        """The printed passwords must work even if someone changed them in an earlier run."""
        for email, kind in [(DEMO_HEAD, "head")] + [(m, "manager") for m in DEMO_MANAGERS]:
            user = User.objects.filter(email=email).first()
            if user is not None and not user.check_password(DEMO_PASSWORDS[kind]):
                user.set_password(DEMO_PASSWORDS[kind])
                user.save(update_fields=["password"])
