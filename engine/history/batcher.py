"""Turns the executor's rows of operations into the history writer's jobs.

The executor hands the recorder its rows about a hundred at a time. Plain ones (JSON data and
dates: nearly all) are written as JSON right away, on the event loop — one orjson call, about
0.1 µs an operation — so the bundles they hold are freed while still young, before the
garbage collector has to carry them into its older generations; the JSON of a couple of
thousand operations then goes to the writer as one job (compressed and inserted as one row
on its thread). Rows that need more (binary data: blob files and secrets inside buffers; a
secret to redact; a value orjson refuses) go to the writer as they are, in order.
"""

from __future__ import annotations

from typing import Any

from engine.history.payloads import joined_arrays
from engine.history.writer import HistoryWriter, OperationsJob, RunSink

JOB_OPERATIONS = 2000  # about how many operations one writer job (one stored row) holds
JOB_BYTES = 1 << 20  # or about this much JSON: the writer starts compressing big ones early


class Batcher:
    """One run's operations on their way to the writer, numbered from 0 in order."""

    def __init__(self, writer: HistoryWriter, sink: RunSink) -> None:
        self.writer = writer
        self.sink = sink
        self.recorded = 0  # operations handed over so far (the next one's seq)
        self._parts: list[bytes] = []  # JSON arrays of rows, not yet queued
        self._first = 0
        self._count = 0
        self._size = 0
        self._cycle = 0

    def add(self, rows: list[Any], cycle: int) -> None:
        """Consecutive operations, all of `cycle`."""
        if self._parts and cycle != self._cycle:
            self.flush()
        raw = self.sink.codec.plain_rows(rows)
        if raw is None:
            self.flush()
            self.writer.submit(OperationsJob(self.sink, self.recorded, cycle, rows))
        else:
            if not self._parts:
                self._first, self._cycle = self.recorded, cycle
            self._parts.append(raw)
            self._count += len(rows)
            self._size += len(raw)
            if self._count >= JOB_OPERATIONS or self._size >= JOB_BYTES:
                self.flush()
        self.recorded += len(rows)

    def flush(self) -> None:
        """Queue what is written and not yet queued, as one JSON array: joined here, where
        the memory it takes is used again for the next job's, not on the writer's thread,
        whose allocator gives a transaction's memory back to the system once it is freed
        (each of a run's transactions then touched its megabytes afresh: ~2,000 page faults
        on the 100,000-operation chain)."""
        if self._parts:
            self.writer.submit(OperationsJob(self.sink, self._first, self._cycle, [],
                                             joined_arrays(self._parts), self._count))
            self._parts, self._count, self._size = [], 0, 0
