"""A real `khata worker` process runs tasks enqueued through django.tasks."""

import time
import uuid

import pytest
from django.db import transaction

from khata.core.choices import TaskStatus
from khata.core.models import TaskRun, WorkerHeartbeat
from khata.core.tests import sample_tasks
from tests.helpers import start_khata, stop

pytestmark = pytest.mark.integration


def _wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def worker(transactional_db):
    process = start_khata("worker", "--threads", "1")
    yield process
    stop(process)


def test_a_real_worker_runs_committed_tasks_and_skips_rolled_back_ones(
    worker, settings, tmp_path
):
    settings.TASKS = {"default": {"BACKEND": "khata.core.tasks_backend.HueyTaskBackend"}}
    marker = tmp_path / "marker.txt"
    text = uuid.uuid4().hex

    with pytest.raises(RuntimeError), transaction.atomic():
        sample_tasks.write_marker.enqueue(str(tmp_path / "never.txt"), "x")
        raise RuntimeError("rolled back")
    result = sample_tasks.write_marker.enqueue(str(marker), text)

    done = _wait_for(lambda: TaskRun.objects.get(pk=result.id).status == TaskStatus.SUCCESSFUL)
    if not done:
        pytest.fail(f"the worker did not run the task; it printed:\n{stop(worker)}")

    assert marker.read_text() == text
    run = TaskRun.objects.get(pk=result.id)
    assert run.return_value == text and run.attempts == 1
    assert not (tmp_path / "never.txt").exists()
    # Only the committed sample task was queued; the scheduler may add its own periodic runs
    # (the plan job every quarter hour), which are not this test's business.
    sample_runs = TaskRun.objects.filter(task_path__startswith=sample_tasks.__name__)
    assert [str(pk) for pk in sample_runs.values_list("pk", flat=True)] == [str(result.id)]
    assert _wait_for(lambda: WorkerHeartbeat.objects.exists(), timeout=10)
