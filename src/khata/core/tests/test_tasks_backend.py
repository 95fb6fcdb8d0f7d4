"""The django.tasks backend: runs stored in the database, claimed once, swept when stuck."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.tasks import TaskResultStatus, task_backends
from django.utils import timezone

from khata.core.choices import TaskStatus
from khata.core.models import TaskRun
from khata.core.tasks_backend import execute_run, sweep_stuck_runs
from khata.core.tests import sample_tasks

HUEY_BACKEND = {"default": {"BACKEND": "khata.core.tasks_backend.HueyTaskBackend"}}


@pytest.fixture
def huey_backend(settings, monkeypatch):
    settings.TASKS = HUEY_BACKEND
    sent = []
    monkeypatch.setattr("khata.core.tasks_backend._send",
                        lambda run_id, eta=None: sent.append(run_id))
    return sent


def test_enqueue_stores_the_run_and_hands_it_over_after_commit(
    db, huey_backend, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = sample_tasks.add.enqueue(2, 3)
        assert huey_backend == []  # nothing leaves before the commit

    run = TaskRun.objects.get(pk=result.id)
    assert (run.status, run.args, run.task_path) == (
        TaskStatus.READY, [2, 3], "khata.core.tests.sample_tasks.add")
    assert huey_backend == [result.id]


def test_a_rolled_back_change_never_starts_its_task(db, huey_backend):
    with pytest.raises(RuntimeError), transaction.atomic():
        sample_tasks.add.enqueue(1, 1)
        raise RuntimeError("the business change failed")

    assert not TaskRun.objects.exists()
    assert huey_backend == []


def test_a_run_executes_once_even_if_delivered_twice(db, huey_backend):
    result = sample_tasks.add.enqueue(20, 22)

    assert execute_run(result.id) is True
    assert execute_run(result.id) is False

    refreshed = task_backends["default"].get_result(result.id)
    assert refreshed.status == TaskResultStatus.SUCCESSFUL
    assert refreshed.return_value == 42
    assert TaskRun.objects.get(pk=result.id).attempts == 1


def test_a_failing_task_is_recorded_with_its_error(db, huey_backend):
    result = sample_tasks.explode.enqueue()

    execute_run(result.id)

    refreshed = task_backends["default"].get_result(result.id)
    assert refreshed.status == TaskResultStatus.FAILED
    assert refreshed.errors[0].exception_class is RuntimeError
    assert "boom" in refreshed.errors[0].traceback


def test_sweeper_requeues_a_run_whose_worker_died_then_gives_up(db, huey_backend):
    result = sample_tasks.add.enqueue(1, 2)
    long_ago = timezone.now() - timedelta(hours=1)
    TaskRun.objects.filter(pk=result.id).update(status=TaskStatus.RUNNING, attempts=1,
                                                last_attempted_at=long_ago)
    huey_backend.clear()

    outcome = sweep_stuck_runs(stuck_after=timedelta(minutes=15), max_attempts=2)

    assert outcome == {"requeued": 1, "failed": 0}
    assert TaskRun.objects.get(pk=result.id).status == TaskStatus.READY

    TaskRun.objects.filter(pk=result.id).update(status=TaskStatus.RUNNING, attempts=2,
                                                last_attempted_at=long_ago)
    outcome = sweep_stuck_runs(stuck_after=timedelta(minutes=15), max_attempts=2)

    run = TaskRun.objects.get(pk=result.id)
    assert outcome == {"requeued": 0, "failed": 1}
    assert run.status == TaskStatus.FAILED
    assert run.errors[-1][0] == "TimeoutError"


def test_sweeper_resends_runs_lost_in_the_queue_but_not_recent_ones(
    db, huey_backend, django_capture_on_commit_callbacks
):
    lost = sample_tasks.add.enqueue(1, 2)
    fresh = sample_tasks.add.enqueue(3, 4)
    TaskRun.objects.filter(pk=lost.id).update(enqueued_at=timezone.now() - timedelta(hours=2))
    huey_backend.clear()

    with django_capture_on_commit_callbacks(execute=True):
        outcome = sweep_stuck_runs(stuck_after=timedelta(minutes=15), max_attempts=3)

    assert outcome == {"requeued": 1, "failed": 0}
    assert huey_backend == [lost.id]
    assert fresh.id not in huey_backend


def test_unknown_result_ids_are_reported(db, huey_backend):
    from django.tasks.exceptions import TaskResultDoesNotExist

    with pytest.raises(TaskResultDoesNotExist):
        task_backends["default"].get_result("not-a-uuid")


def test_tests_run_tasks_immediately(db):
    assert sample_tasks.add.enqueue(2, 2).return_value == 4
