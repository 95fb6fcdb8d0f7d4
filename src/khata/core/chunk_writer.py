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
import sys
import threading
from collections.abc import Callable

from django.db import connection, connections, transaction
from django.utils import translation

_DONE = object()
# The writer waits on the database a dozen times a chunk; each time it must take the
# interpreter lock back from the checking thread, which by default keeps it for up to 5 ms.
# A shorter interval while any writer runs: 5,500-6,200 → 6,400-7,600 rows/s on the import
# benchmark (docs/benchmarks.md, session 7).
WRITER_SWITCH_INTERVAL = 0.0005  # seconds; Python's default is 0.005
_switching = threading.Lock()
_writers_running = 0
_default_switch_interval = sys.getswitchinterval()  # read again as the first writer starts


class WriterStopped(RuntimeError):
    """The writer thread ended before writing every chunk given to it."""


class ChunkWriter:
    """Runs `write(chunk)` for each chunk, in order, one transaction per chunk; `prepare(chunk)`
    first, in the caller's thread (inside the chunk's transaction when not threaded), and
    `done(chunk)` after the chunk's commit."""

    def __init__(self, write: Callable[[object], None], *,
                 prepare: Callable[[object], None] | None = None,
                 done: Callable[[object], None] | None = None, threaded: bool = False,
                 relaxed_commits: bool = False, backlog: int = 2):
        self._write = write
        self._prepare = prepare or (lambda chunk: None)
        self._done = done or (lambda chunk: None)
        self._relaxed = relaxed_commits and connection.vendor == "postgresql"
        self.threaded = threaded
        self._error: BaseException | None = None
        self._closing = False
        if threaded:
            self._language = translation.get_language()  # messages written in the caller's
            self._queue: queue.Queue = queue.Queue(maxsize=backlog)
            self._thread = threading.Thread(target=self._run, name="khata-chunk-writer",
                                            daemon=True)
            self._thread.start()
            _writer_started()  # after the start: a thread that never started ends nothing

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
            self._done(chunk)
            return
        self._prepare(chunk)
        while True:  # never wait forever on a writer that has gone
            try:
                self._queue.put(chunk, timeout=1)
                return
            except queue.Full:
                self._raise_if_failed()

    def close(self) -> None:
        """Wait for every queued chunk; raise the writer's error if it had one."""
        if self.threaded:
            self._finish()
        self._raise_if_failed()

    def __enter__(self) -> "ChunkWriter":
        return self

    def __exit__(self, kind, error, trace) -> None:
        if error is None:
            self.close()
        elif self.threaded:
            # The caller failed: the chunks already queued were checked whole and are written,
            # nothing after them.
            self._finish()

    def _finish(self) -> None:
        if self._closing:
            return
        self._closing = True
        while self._thread.is_alive():
            try:
                self._queue.put(_DONE, timeout=1)
                break
            except queue.Full:
                continue
        self._thread.join()
        _writer_ended()

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error
        if self.threaded and not self._closing and not self._thread.is_alive():
            raise WriterStopped("The writer thread ended early.")

    def _run(self) -> None:
        try:
            translation.activate(self._language)
            if self._relaxed:
                _relax_commits("SESSION")  # this thread's own connection, closed at the end
            while (chunk := self._queue.get()) is not _DONE:
                if self._error is None:
                    with transaction.atomic():
                        self._write(chunk)
                    self._done(chunk)
        except BaseException as exc:  # handed to the caller's thread
            self._error = exc
            while self._queue.get() is not _DONE:
                pass  # drain, so a caller waiting to put is not stuck
        finally:
            connections.close_all()  # this thread's connections only


def _writer_started() -> None:
    global _writers_running, _default_switch_interval
    with _switching:
        if _writers_running == 0:
            _default_switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(WRITER_SWITCH_INTERVAL)
        _writers_running += 1


def _writer_ended() -> None:
    """The interpreter's own switch interval again once the last writer thread is done."""
    global _writers_running
    with _switching:
        _writers_running -= 1
        if _writers_running == 0:
            sys.setswitchinterval(_default_switch_interval)


def _relax_commits(scope: str) -> None:
    """Let PostgreSQL commit a chunk without waiting for its disk (37 ms a commit here).

    A crash in the moment after such a commit could lose the chunk, never corrupt anything.
    A caller's next ordinary commit waits for every relaxed one before it: an import's end
    (`job.save()`) is one, so a job marked done has all its rows on disk, and an interrupted
    one can run again without doubles (its rows are found as duplicates). Inside a caller's
    transaction (`LOCAL`), the setting lasts until that transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET {scope} synchronous_commit TO OFF")
