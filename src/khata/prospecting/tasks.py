"""Background work of prospecting: the ideal-client fit, learned and scored again, and the
stored figures of the analysis pages, counted again."""

from django.tasks import task
from huey import crontab
from huey.contrib.djhuey import HUEY, close_db

from khata.prospecting.figures_services import figures_refresh, segment_figures_refresh
from khata.prospecting.fit_services import fit_refresh


@task
def fit_refresh_task() -> dict:
    """Learn the fit from today's client database and rescore every company; running it
    twice leaves one score per company (and one model for the same data)."""
    return fit_refresh()


@HUEY.periodic_task(crontab(minute="30", hour="2"), name="khata.fit_refresh_nightly")
@close_db
def fit_refresh_nightly() -> None:
    """Every night at 02:30 (the queue's clock): queue the fit run, so it is recorded and
    re-sent by the sweeper like any other background work."""
    fit_refresh_task.enqueue()


@task
def figures_refresh_task() -> dict:
    """Count the analysis pages' figures again (idempotent: it replaces them)."""
    run = figures_refresh()
    return {"seconds": run.seconds, "rows": run.rows}


@task
def segment_figures_refresh_task(segment_id: int) -> int:
    """Count one segment again after its rules changed (idempotent)."""
    return segment_figures_refresh(segment_id=segment_id)


@HUEY.periodic_task(crontab(minute="7"), name="khata.figures_refresh_hourly")
@close_db
def figures_refresh_hourly() -> None:
    """Every hour at :07: queue the figures refresh (recorded and re-sent like any task)."""
    figures_refresh_task.enqueue()
