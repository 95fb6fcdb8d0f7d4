"""Background work of the reliability forecast: the nightly reassessment of what is due and
the weekly retraining of the learned model."""

from django.tasks import task
from huey import crontab
from huey.contrib.djhuey import HUEY, close_db

from khata.clients.models import Company
from khata.reliability.scoring_services import (
    assessments_refresh_due,
    learned_model_retrain,
    score_companies,
)


@task
def assessments_refresh_task() -> dict:
    """Assess again every company whose assessment is missing, expired or older than a change
    of its inputs; running it twice in a row finds nothing due the second time."""
    return assessments_refresh_due()


@task
def learned_model_retrain_task() -> dict:
    """Train the model of serious delinquency on today's history (or say why not); a new
    model changes every probability, so every company is then assessed again with it."""
    outcome = learned_model_retrain()
    if outcome["trained"]:
        outcome["scoring"] = score_companies(companies=Company.objects.all())
    return outcome


@HUEY.periodic_task(crontab(minute="45", hour="2"), name="khata.reliability_refresh_nightly")
@close_db
def assessments_refresh_nightly() -> None:
    """Every night at 02:45 (after the fit run): queue the reassessment of what is due."""
    assessments_refresh_task.enqueue()


@HUEY.periodic_task(crontab(minute="15", hour="3", day_of_week="0"),
                    name="khata.reliability_retrain_weekly")
@close_db
def learned_model_retrain_weekly() -> None:
    """Every Sunday at 03:15: queue the retraining (and the reassessment it brings)."""
    learned_model_retrain_task.enqueue()
