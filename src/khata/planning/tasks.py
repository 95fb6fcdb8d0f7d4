"""Background work of planning: contact-plan steps come due."""

from django.tasks import task
from huey import crontab
from huey.contrib.djhuey import HUEY, close_db

from khata.planning.services import plans_advance


@task
def plans_advance_task() -> dict:
    """Create the tasks of every plan step now due and move the enrolments on; running it
    twice creates nothing twice."""
    result = plans_advance()
    return {"tasks": result.tasks, "completed": result.completed, "exited": result.exited,
            "enrolments": result.enrolments}


@HUEY.periodic_task(crontab(minute="*/15"), name="khata.plans_advance")
@close_db
def plans_advance_periodic() -> None:
    """Every quarter of an hour: queue the plan run (recorded and re-sent by the sweeper like
    any other background work)."""
    plans_advance_task.enqueue()
