"""Background work of prospecting: the ideal-client fit, learned and scored again."""

from django.tasks import task
from huey import crontab
from huey.contrib.djhuey import HUEY, close_db

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
