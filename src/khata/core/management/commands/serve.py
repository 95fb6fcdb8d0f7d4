"""`khata serve`: the production web server (granian, WSGI, static files through whitenoise)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from khata.core.migrations_state import pending_migrations


class Command(BaseCommand):
    help = "Serve Khata over HTTP with granian (a production server); static files included."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1",
                            help="address to listen on (default 127.0.0.1; 0.0.0.0 for all)")
        parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
        parser.add_argument("--workers", type=int, default=1,
                            help="worker processes (default 1; about one per core)")
        parser.add_argument("--threads", type=int, default=4,
                            help="request threads per worker process (default 4)")
        parser.add_argument("--migrate", action="store_true",
                            help="apply pending database migrations before serving")

    def handle(self, *args, host, port, workers, threads, migrate, **options):
        if not 0 < port < 65536:
            raise CommandError(f"--port must be between 1 and 65535, not {port}.")
        if workers < 1 or threads < 1:
            raise CommandError("--workers and --threads must be at least 1.")
        pending = pending_migrations()
        if pending and migrate:
            call_command("migrate", interactive=False, verbosity=0)
        elif pending:
            raise CommandError(
                f"{len(pending)} database migration(s) are pending ({', '.join(pending[:3])}"
                f"{', …' if len(pending) > 3 else ''}). Run `khata migrate` first, "
                "or start with `khata serve --migrate`."
            )
        from granian import Granian
        from granian.constants import Interfaces

        self.stdout.write(f"Khata is serving on http://{host}:{port}/  (Ctrl-C to stop)")
        Granian(
            "khata.config.wsgi:application",
            address=host,
            port=port,
            interface=Interfaces.WSGI,
            workers=workers,
            blocking_threads=threads,
            log_access=False,
        ).serve()
