"""Tasks used only by the tests of the task backend (importable by a real worker process)."""

from pathlib import Path

from django.tasks import task


@task
def add(a: int, b: int) -> int:
    return a + b


@task
def explode() -> None:
    raise RuntimeError("boom")


@task
def write_marker(path: str, text: str) -> str:
    Path(path).write_text(text)
    return text
