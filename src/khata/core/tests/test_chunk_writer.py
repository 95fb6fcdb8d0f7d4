"""Chunks written in order, one transaction each, inline or on the writer thread."""

import threading

import pytest
from django.db import connection, transaction

from khata.core.chunk_writer import ChunkWriter
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
