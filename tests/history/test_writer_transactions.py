"""Many runs' operations written in one transaction: compressed in one call and inserted a
hundred rows per statement (so the writer's thread rarely waits for the interpreter lock),
they come back complete and in order, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
import zstandard

from engine.history import HistoryWriter, payloads
from engine.history.payloads import COMPRESS_FROM_BYTES
from engine.history.queries import list_executions, operations
from engine.history.writer import FinishJob, OperationsJob, RunSink, StartJob
from engine.runtime.workspace import Workspace

pytestmark = pytest.mark.usefixtures("backend")

JOBS_PER_RUN = 130  # more than one INSERT's hundred rows


def _start(writer: HistoryWriter, run: str) -> RunSink:
    sink = writer.sink()
    writer.submit(StartJob(execution={"id": run, "scenario": "many", "status": "running",
                                      "started_at": datetime.now(UTC)},
                           blueprint_sha256=None, blueprint=None, sink=sink))
    return sink


def _rows(run: str, job: int) -> list[list[object]]:
    """Two operations; every third job's are big enough to be compressed, the rest not."""
    text = "x" * (COMPRESS_FROM_BYTES if job % 3 == 0 else 1)
    return [[10 + k, {"run": run, "job": job, "text": text}, [{"k": k}], 1000 + k]
            for k in range(2)]


def test_operations_of_many_jobs_come_back_complete_and_in_order(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    writer = HistoryWriter(ws.folder)
    sinks = {run: _start(writer, run) for run in ("first", "second")}
    writer.flush()
    commits = writer.commits
    for job in range(JOBS_PER_RUN):  # the two runs' jobs interleaved, as two runs at once
        for run, sink in sinks.items():
            writer.submit(OperationsJob(sink, 2 * job, 1, [],
                                        orjson.dumps(_rows(run, job)), 2))
    for sink in sinks.values():
        writer.submit(FinishJob(sink, fields={"status": "success", "operations": 2 * JOBS_PER_RUN,
                                              "finished_at": datetime.now(UTC)}))
    writer.close()
    assert writer.commits - commits < JOBS_PER_RUN  # jobs were written together
    history = ws.history
    assert history is not None
    runs = {r["id"]: r for r in list_executions(history, ws.folder)}
    for run in sinks:
        stored = operations(history, ws.folder, run)
        assert [op["seq"] for op in stored] == list(range(2 * JOBS_PER_RUN))
        expected = [row for job in range(JOBS_PER_RUN) for row in _rows(run, job)]
        assert [[op["module_id"], op["input"], op["outputs"], round(op["duration_ms"] * 1e6)]
                for op in stored] == expected
        assert runs[run]["status"] == "success"
        assert runs[run]["operations"] == 2 * JOBS_PER_RUN


class _OneByOne:
    """A compressor without `multi_compress_to_buffer` (zstandard's CFFI backend)."""

    def __init__(self) -> None:
        self.inner = zstandard.ZstdCompressor(level=1)

    def multi_compress_to_buffer(self, data: Any) -> Any:
        raise NotImplementedError

    def compress(self, data: bytes) -> bytes:
        return bytes(self.inner.compress(data))


def test_without_one_call_compression_operations_are_still_stored(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(payloads, "_compressor", _OneByOne)
    ws = Workspace(tmp_path / "ws")
    writer = HistoryWriter(ws.folder)
    sink = _start(writer, "cffi")
    for job in range(6):
        writer.submit(OperationsJob(sink, 2 * job, 1, [], orjson.dumps(_rows("cffi", job)), 2))
    writer.submit(FinishJob(sink, fields={"status": "success", "operations": 12,
                                          "finished_at": datetime.now(UTC)}))
    writer.close()
    history = ws.history
    assert history is not None
    stored = operations(history, ws.folder, "cffi")
    assert [op["input"]["job"] for op in stored] == [job for job in range(6) for _ in range(2)]
    assert writer.failures == 0
