"""A real `khata worker` process runs tasks enqueued through django.tasks."""

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from django.db import transaction

from khata.core.choices import TaskStatus
from khata.core.models import TaskRun, WorkerHeartbeat
from khata.core.tests import sample_tasks
from tests.helpers import shared_database_url

pytestmark = pytest.mark.integration


def _wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def worker(transactional_db, tmp_path):
    env = {**os.environ, "KHATA_DATABASE_URL": shared_database_url()}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    process = subprocess.Popen([sys.executable, "-m", "khata", "worker", "--threads", "1"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    yield process
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


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
        worker.send_signal(signal.SIGINT)
        output = worker.communicate(timeout=15)[0]
        pytest.fail(f"the worker did not run the task; it printed:\n{output}")

    assert marker.read_text() == text
    run = TaskRun.objects.get(pk=result.id)
    assert run.return_value == text and run.attempts == 1
    assert not (tmp_path / "never.txt").exists()
    assert TaskRun.objects.count() == 1
    assert _wait_for(lambda: WorkerHeartbeat.objects.exists(), timeout=10)
