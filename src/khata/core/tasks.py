"""Periodic upkeep of the task queue itself (Huey's scheduler runs it in one worker)."""

from datetime import timedelta

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import HUEY, close_db

from khata.core.importing import fail_stalled_imports
from khata.core.tasks_backend import sweep_stuck_runs


@HUEY.periodic_task(crontab(minute="*"), name="khata.sweep_stuck_runs")
@close_db
def sweep_stuck_runs_periodically() -> dict[str, int]:
    """Every minute: re-queue lost or stuck background work, fail what keeps getting stuck."""
    options = settings.TASKS["default"].get("OPTIONS", {})
    stuck_after = timedelta(seconds=options.get("stuck_after_seconds", 900))
    outcome = sweep_stuck_runs(stuck_after=stuck_after,
                               max_attempts=options.get("max_attempts", 3))
    outcome["stalled_imports"] = fail_stalled_imports(stalled_after=stuck_after)
    return outcome
