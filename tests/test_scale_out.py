"""DESIGN §6: two web processes and two workers share one database and one queue."""

import json
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from khata.core.choices import TaskStatus
from khata.core.models import TaskRun
from khata.core.tests import sample_tasks
from tests.helpers import free_port, start_khata, stop

pytestmark = pytest.mark.integration


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback only)
        return response.status, response.read()


def _wait_until_serving(url: str, server, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"khata serve exited:\n{stop(server)}")
        try:
            _get(url)
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"khata serve did not answer in {timeout} s:\n{stop(server)}")


def test_two_web_processes_and_two_workers(transactional_db, settings):
    settings.TASKS = {"default": {"BACKEND": "khata.core.tasks_backend.HueyTaskBackend"}}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_khata("serve", "--port", str(port), "--workers", "2", "--threads", "4")
    workers = [start_khata("worker", "--threads", "2"),
               start_khata("worker", "--threads", "2", "--no-periodic")]
    try:
        _wait_until_serving(f"{base}/healthz", server)
        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(_get, [f"{base}/login/"] * 40))
        status, css = _get(f"{base}/static/bootstrap/css/bootstrap.min.css")

        results = [sample_tasks.add.enqueue(index, index) for index in range(30)]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and TaskRun.objects.exclude(
                status=TaskStatus.SUCCESSFUL).exists():
            time.sleep(0.3)
        health = json.loads(_get(f"{base}/healthz")[1])
    finally:
        outputs = [stop(process) for process in [server, *workers]]

    assert all(code == 200 and b'name="username"' in body for code, body in answers)
    assert status == 200 and b"Bootstrap" in css[:200]
    runs = {str(run.pk): run for run in TaskRun.objects.all()}
    unfinished = [run for run in runs.values() if run.status != TaskStatus.SUCCESSFUL]
    assert not unfinished, "\n".join(outputs)
    assert all(runs[result.id].return_value == 2 * index
               for index, result in enumerate(results))
    assert all(run.attempts == 1 for run in runs.values())  # each ran exactly once
    assert health["database"]["status"] == "ok" and health["worker"]["status"] == "ok"
