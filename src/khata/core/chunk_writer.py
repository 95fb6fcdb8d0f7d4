"""Writing a long job's chunks in order, each in its own transaction: inline, or on a second
thread so the database writes one chunk while Python prepares the next.

A big import spends about as long in Python (reading, checking, finding duplicates) as
PostgreSQL spends storing the rows and their indexes; one after the other, on a two-core
machine, half of it waits. With `threaded=True` a writer thread with its own database
connection takes the chunks from a short queue and writes them while the caller goes on; the
caller still sees every chunk written in order, and the first error stops the rest.
`relaxed_commits` lets PostgreSQL acknowledge each chunk's commit before its disk has it (see
`_relax_commits`).

The thread has its own connection, so it cannot see rows the caller has not committed: the
threaded mode is for callers outside a transaction (the worker, the CLI), never inside one
(a test's transaction, a request's atomic block). SQLite has one writer at a time anyway.
"""

import queue
import threading
from collections.abc import Callable

from django.db import connection, connections, transaction

_DONE = object()


class ChunkWriter:
    """Runs `write(chunk)` for each chunk, in order, one transaction per chunk; `prepare(chunk)`
    first, in the caller's thread (inside the chunk's transaction when not threaded)."""

    def __init__(self, write: Callable[[object], None], *,
                 prepare: Callable[[object], None] | None = None, threaded: bool = False,
                 relaxed_commits: bool = False, backlog: int = 2):
        self._write = write
        self._prepare = prepare or (lambda chunk: None)
        self._relaxed = relaxed_commits and connection.vendor == "postgresql"
        self.threaded = threaded
        self._error: BaseException | None = None
        if threaded:
            self._queue: queue.Queue = queue.Queue(maxsize=backlog)
            self._thread = threading.Thread(target=self._run, name="khata-chunk-writer",
                                            daemon=True)
            self._thread.start()

    @staticmethod
    def may_thread() -> bool:
        """Whether a second connection would see what the caller sees (no open transaction)
        and could write while another reads (not SQLite)."""
        return connection.vendor == "postgresql" and not connection.in_atomic_block

    def put(self, chunk) -> None:
        """Write `chunk` (now, or after the ones queued before it)."""
        self._raise_if_failed()
        if not self.threaded:
            with transaction.atomic():
                if self._relaxed:
                    _relax_commits("LOCAL")
                self._prepare(chunk)
                self._write(chunk)
            return
        self._prepare(chunk)
        self._queue.put(chunk)

    def close(self) -> None:
        """Wait for every queued chunk; raise the writer's error if it had one."""
        if self.threaded and self._thread.is_alive():
            self._queue.put(_DONE)
            self._thread.join()
        self._raise_if_failed()

    def __enter__(self) -> "ChunkWriter":
        return self

    def __exit__(self, kind, error, trace) -> None:
        if error is None:
            self.close()
        elif self.threaded and self._thread.is_alive():
            self._error = self._error or error  # the writer drops what is still queued
            self._queue.put(_DONE)
            self._thread.join()

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        try:
            if self._relaxed:
                _relax_commits("SESSION")  # this thread's own connection, closed at the end
            while (chunk := self._queue.get()) is not _DONE:
                if self._error is not None:
                    continue  # drain: the caller stopped or an earlier chunk failed
                try:
                    with transaction.atomic():
                        self._write(chunk)
                except BaseException as exc:  # handed to the caller's thread
                    self._error = exc
        finally:
            connections.close_all()  # this thread's connections only


def _relax_commits(scope: str) -> None:
    """Let PostgreSQL commit a chunk without waiting for its disk (37 ms a commit here).

    A crash in the moment after such a commit could lose the chunk, never corrupt anything.
    A caller's next ordinary commit waits for every relaxed one before it: an import's end
    (`job.save()`) is one, so a job marked done has all its rows on disk, and an interrupted
    one can run again without doubles (its rows are found as duplicates)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET {scope} synchronous_commit TO OFF")
