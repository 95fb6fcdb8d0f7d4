"""Chunks written in order, one transaction each, inline or on the writer thread."""

import contextlib
import sys
import threading

import pytest
from django.db import connection, transaction

from khata.core.chunk_writer import WRITER_SWITCH_INTERVAL, ChunkWriter
from khata.core.models import Change


def _writer_names(chunk):
    for name in chunk:
        if name == "boom":
            raise ValueError("a bad chunk")
        Change.objects.create(action="create", object_id=name)


@pytest.mark.parametrize("threaded", [False, True])
def test_chunks_are_written_in_order_and_committed_each(transactional_db, threaded):
    threads = set()
    threaded = threaded and ChunkWriter.may_thread()

    def write(chunk):
        threads.add(threading.current_thread().name)
        assert connection.in_atomic_block
        _writer_names(chunk)

    with ChunkWriter(write, threaded=threaded) as writer:
        for chunk in (["a", "b"], ["c"], ["d", "e"]):
            writer.put(chunk)

    assert list(Change.objects.order_by("id").values_list("object_id", flat=True)) == list("abcde")
    assert threads == ({"khata-chunk-writer"} if threaded else {"MainThread"})


@pytest.mark.parametrize("threaded", [False, True])
def test_a_failing_chunk_stops_the_rest_and_keeps_the_ones_before(transactional_db, threaded):
    threaded = threaded and ChunkWriter.may_thread()

    with (pytest.raises(ValueError, match="a bad chunk"),
          ChunkWriter(_writer_names, threaded=threaded) as writer):
        for chunk in (["a"], ["b", "boom"], ["c"], ["d"]):
            writer.put(chunk)

    assert list(Change.objects.values_list("object_id", flat=True)) == ["a"]  # "b" rolled back


def test_the_thread_is_refused_inside_a_transaction(db):
    with transaction.atomic():
        assert not ChunkWriter.may_thread()


def test_a_writer_that_dies_before_writing_is_reported_not_waited_for(
        transactional_db, monkeypatch):
    if not ChunkWriter.may_thread():
        pytest.skip("the writer thread is PostgreSQL's")

    def broken(scope):
        raise ConnectionError("too many clients")

    monkeypatch.setattr("khata.core.chunk_writer._relax_commits", broken)
    with (pytest.raises(ConnectionError),
          ChunkWriter(_writer_names, threaded=True, relaxed_commits=True, backlog=1) as writer):
        for chunk in (["a"], ["b"], ["c"], ["d"]):
            writer.put(chunk)

    assert not Change.objects.exists()


@pytest.mark.parametrize("threaded", [False, True])
def test_when_the_caller_fails_the_chunks_it_handed_over_are_still_written(
        transactional_db, threaded):
    threaded = threaded and ChunkWriter.may_thread()
    committed = []

    with pytest.raises(KeyError), ChunkWriter(_writer_names, threaded=threaded,
                                              done=committed.append) as writer:
        writer.put(["a"])
        writer.put(["b", "c"])
        raise KeyError("a bad row in the next chunk")

    assert sorted(Change.objects.values_list("object_id", flat=True)) == ["a", "b", "c"]
    assert committed == [["a"], ["b", "c"]]


@pytest.mark.parametrize("fails", [False, True])
def test_the_writer_thread_gets_the_lock_back_sooner_only_while_it_runs(transactional_db, fails):
    if not ChunkWriter.may_thread():
        pytest.skip("the writer thread is PostgreSQL's")
    default = sys.getswitchinterval()
    seen = []

    def write(chunk):
        seen.append(sys.getswitchinterval())
        _writer_names(chunk)

    with (pytest.raises(ValueError) if fails else contextlib.nullcontext(),
          ChunkWriter(write, threaded=True) as writer):
        writer.put(["a"])
        writer.put(["boom"] if fails else ["b"])

    assert seen[0] == WRITER_SWITCH_INTERVAL < default
    assert sys.getswitchinterval() == default
