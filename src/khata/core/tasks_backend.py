"""A django.tasks backend that keeps each run in the database and lets Huey carry it.

Business code only uses `django.tasks` (`@task`, `.enqueue()`); this module is the one place
that knows about Huey. Enqueueing writes a `TaskRun` row inside the caller's transaction and
hands its id to Huey once that transaction commits, so a rolled-back change never starts a
task. A worker claims a run with one conditional UPDATE (READY → RUNNING): a message that
arrives twice runs once. Huey delivers at most once, so `sweep_stuck_runs` re-sends runs that
were lost or whose worker died.
"""

import logging
import os
import socket
from datetime import timedelta
from traceback import format_exception

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.tasks import Task, TaskContext, TaskResult, TaskResultStatus
from django.tasks.backends.base import BaseTaskBackend
from django.tasks.base import TaskError
from django.tasks.exceptions import TaskResultDoesNotExist
from django.tasks.signals import task_enqueued, task_finished, task_started
from django.utils import timezone
from django.utils.json import normalize_json
from django.utils.module_loading import import_string
from huey.contrib.djhuey import HUEY, close_db

from khata.core.choices import TaskStatus
from khata.core.models import TaskRun

logger = logging.getLogger(__name__)

WORKER_ID = f"{socket.gethostname()}.{os.getpid()}"


class _RestoredTask(Task):
    """A task rebuilt from a stored run; skips validation against today's settings."""

    def __post_init__(self):
        pass


def _resolve_func(task_path: str):
    obj = import_string(task_path)
    return obj.func if isinstance(obj, Task) else obj


def run_to_result(run: TaskRun) -> TaskResult:
    """The django.tasks view of a stored run."""
    task = _RestoredTask(
        priority=run.priority,
        func=_resolve_func(run.task_path),
        backend=run.backend,
        queue_name=run.queue_name,
        run_after=run.run_after,
        takes_context=run.takes_context,
    )
    result = TaskResult(
        task=task,
        id=str(run.pk),
        status=TaskResultStatus(run.status),
        enqueued_at=run.enqueued_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
        last_attempted_at=run.last_attempted_at,
        args=run.args,
        kwargs=run.kwargs,
        backend=run.backend,
        errors=[TaskError(exception_class_path=path, traceback=tb) for path, tb in run.errors],
        worker_ids=list(run.worker_ids),
    )
    if run.status == TaskStatus.SUCCESSFUL:
        object.__setattr__(result, "_return_value", run.return_value)
    return result


def _send(run_id: str, eta=None) -> None:
    """Hand a run's id to Huey (after commit)."""
    if eta is not None and eta > timezone.now():
        run_task.schedule(args=(run_id,), eta=eta)
    else:
        run_task(run_id)


class HueyTaskBackend(BaseTaskBackend):
    """Runs django.tasks through Huey with a database record per run (see module docstring)."""

    supports_defer = True
    supports_get_result = True

    def enqueue(self, task: Task, args, kwargs) -> TaskResult:
        self.validate_task(task)
        run = TaskRun.objects.create(
            backend=self.alias,
            task_path=task.module_path,
            queue_name=task.queue_name,
            priority=task.priority,
            takes_context=task.takes_context,
            args=normalize_json(list(args)),
            kwargs=normalize_json(kwargs),
            run_after=task.run_after,
            enqueued_at=timezone.now(),
        )
        run_id = str(run.pk)
        transaction.on_commit(lambda: _send(run_id, task.run_after), robust=True)
        result = run_to_result(run)
        task_enqueued.send(sender=type(self), task_result=result)
        return result

    def get_result(self, result_id: str) -> TaskResult:
        try:
            return run_to_result(TaskRun.objects.get(pk=result_id))
        except (TaskRun.DoesNotExist, ValueError, ValidationError) as exc:
            raise TaskResultDoesNotExist(result_id) from exc


def execute_run(run_id: str, *, worker_id: str = WORKER_ID) -> bool:
    """Claim and run one stored task; returns False when another delivery already took it."""
    now = timezone.now()
    claimed = TaskRun.objects.filter(pk=run_id, status=TaskStatus.READY).update(
        status=TaskStatus.RUNNING, last_attempted_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return False
    run = TaskRun.objects.get(pk=run_id)
    run.started_at = run.started_at or now
    run.worker_ids = [*run.worker_ids, worker_id]
    run.save(update_fields=["started_at", "worker_ids"])
    backend = HueyTaskBackend
    try:
        result = run_to_result(run)
        task_started.send(sender=backend, task_result=result)
        func = _resolve_func(run.task_path)
        if run.takes_context:
            value = func(TaskContext(task_result=result), *run.args, **run.kwargs)
        else:
            value = func(*run.args, **run.kwargs)
        run.return_value = normalize_json(value)
        run.status = TaskStatus.SUCCESSFUL
    except Exception as exc:  # the run records any failure; the worker carries on
        kind = type(exc)
        run.errors = [
            *run.errors, [f"{kind.__module__}.{kind.__qualname__}", "".join(format_exception(exc))]
        ]
        run.status = TaskStatus.FAILED
        logger.exception("Task %s (%s) failed", run.task_path, run_id)
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "return_value", "errors", "finished_at"])
    task_finished.send(sender=backend, task_result=run_to_result(run))
    return True


@HUEY.task(name="khata.run_task")
@close_db
def run_task(run_id: str) -> None:
    """The only Huey task: run one stored django.tasks run."""
    execute_run(run_id)


def sweep_stuck_runs(*, stuck_after: timedelta, max_attempts: int) -> dict[str, int]:
    """Re-queue runs lost in transit or left RUNNING by a dead worker; fail them past the limit.

    Safe to run on several machines at once: every state change is a conditional UPDATE, and a
    run delivered twice executes once (see `execute_run`).
    """
    now = timezone.now()
    cutoff = now - stuck_after
    requeued, failed = [], 0
    for run in TaskRun.objects.filter(status=TaskStatus.RUNNING, last_attempted_at__lt=cutoff):
        if run.attempts >= max_attempts:
            error = ["TimeoutError", f"Still running after {run.attempts} attempts; given up."]
            failed += TaskRun.objects.filter(pk=run.pk, status=TaskStatus.RUNNING).update(
                status=TaskStatus.FAILED, finished_at=now, errors=[*run.errors, error]
            )
        elif TaskRun.objects.filter(pk=run.pk, status=TaskStatus.RUNNING).update(
            status=TaskStatus.READY, enqueued_at=now
        ):
            requeued.append(str(run.pk))
    lost = TaskRun.objects.filter(status=TaskStatus.READY, enqueued_at__lt=cutoff).exclude(
        run_after__gt=now
    )
    for run_id in lost.values_list("pk", flat=True):
        if TaskRun.objects.filter(pk=run_id, status=TaskStatus.READY).update(enqueued_at=now):
            requeued.append(str(run_id))
    for run_id in requeued:
        transaction.on_commit(lambda run_id=run_id: _send(run_id), robust=True)
    return {"requeued": len(requeued), "failed": failed}
