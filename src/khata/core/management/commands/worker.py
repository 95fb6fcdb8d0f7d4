"""`khata worker`: runs background tasks (django.tasks through Huey) and the periodic sweeper."""

import threading

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from khata.core.migrations_state import pending_migrations
from khata.core.models import WorkerHeartbeat

HEARTBEAT_SECONDS = 30


def _beat(worker_id: str, stop: threading.Event) -> None:
    """Tell /healthz this worker is alive, every HEARTBEAT_SECONDS until stopped."""
    while not stop.is_set():
        try:
            WorkerHeartbeat.objects.update_or_create(worker_id=worker_id,
                                                     defaults={"seen_at": timezone.now()})
        except Exception:  # a busy or restarting database must not kill the worker
            pass
        finally:
            close_old_connections()
        stop.wait(HEARTBEAT_SECONDS)


class Command(BaseCommand):
    help = "Run background tasks. Start one per machine; add --no-periodic on all but one."

    def add_arguments(self, parser):
        parser.add_argument("--threads", type=int, default=2,
                            help="tasks run at the same time (default 2)")
        parser.add_argument("--no-periodic", action="store_true",
                            help="do not run the periodic scheduler (run it in one worker only)")

    def handle(self, *args, threads, no_periodic, **options):
        if threads < 1:
            raise CommandError("--threads must be at least 1.")
        if pending_migrations():
            raise CommandError("The database has pending migrations. Run `khata migrate` first.")
        from huey.consumer_options import ConsumerConfig
        from huey.contrib.djhuey import HUEY

        from khata.core.tasks_backend import WORKER_ID

        autodiscover_modules("tasks")
        config = ConsumerConfig(workers=threads, worker_type="thread", periodic=not no_periodic,
                                check_worker_health=True)
        config.validate()
        stop = threading.Event()
        beat = threading.Thread(target=_beat, args=(WORKER_ID, stop), daemon=True)
        beat.start()
        self.stdout.write(f"Khata worker {WORKER_ID} started ({threads} threads"
                          f"{', periodic jobs' if not no_periodic else ''}).")
        try:
            HUEY.create_consumer(**config.values).run()
        finally:
            stop.set()
