"""`khata figures refresh|show`: count the analysis pages' stored figures now; say how old
they are."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from khata.prospecting.figures_selectors import figure_run_latest
from khata.prospecting.figures_services import figures_refresh


class Command(BaseCommand):
    help = ("The stored figures of the audience analysis, search-method and segment pages. "
            "`khata figures refresh` counts them again now (the worker does it hourly); "
            "`khata figures show` says when they were last counted.")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["refresh", "show"])

    def handle(self, *args, action, **options):
        if action == "refresh":
            self.stdout.write("Counting the figures…")
            run = figures_refresh()
            self.stdout.write(f"{run.rows:,} figures stored in {run.seconds:.1f} s.")
            return
        run = figure_run_latest()
        if run is None:
            self.stdout.write("Never counted: the pages count live until `khata figures "
                              "refresh` (or the worker) runs.")
            return
        minutes = int((timezone.now() - run.finished_at).total_seconds() // 60)
        self.stdout.write(f"Figures as of {timezone.localtime(run.finished_at):%Y-%m-%d %H:%M} "
                          f"({minutes} minutes ago): {run.rows:,} figures, counted in "
                          f"{run.seconds:.1f} s.")
