"""Operations stored in batches come back exactly as the executor reported them, one by one:
inputs and outputs with their types, errors, filter verdicts, counts, durations; without
bundles for confidential scenarios; and runs recorded one row per operation still read."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from engine.blueprint import Blueprint
from engine.context import RunServices
from engine.executor.events import Event, OperationFinished
from engine.executor.plan import compile_plan
from engine.executor.run import run_plan
from engine.history import HistoryRecorder, HistoryWriter
from engine.history.queries import operations
from tests.history.helpers import read_engine

ITEMS = [{"n": i, "json": "{}" if i != 3 else "not json"} for i in range(5)]


def _blueprint(confidential: bool = False) -> dict[str, Any]:
    return {"name": "Batches", "flow": [
        {"id": 1, "module": "gateway:CustomWebHook", "parameters": {"maxResults": 1}},
        {"id": 2, "module": "builtin:BasicFeeder", "mapper": {"array": "{{1.items}}"}},
        {"id": 3, "module": "util:ComposeTransformer", "mapper": {"value": "n={{2.n}}"},
         "filter": {"name": "not 2", "conditions": [[{"a": "{{2.n}}", "o": "number:notequal",
                                                       "b": "2"}]]}},
        {"id": 4, "module": "util:SetVariables", "mapper": {"scope": "roundtrip", "variables": [
            {"name": "when", "value": "{{parseDate(\"2026-01-02\"; \"YYYY-MM-DD\")}}"},
            {"name": "file", "value": "{{toBinary(2.json)}}"}]}},
        {"id": 5, "module": "json:ParseJSON", "mapper": {"json": "{{2.json}}"},
         "onerror": [{"id": 6, "module": "builtin:Ignore"}]},
    ], "metadata": {"scenario": {"confidential": confidential}}}


def _record(workspace: Path, blueprint: dict[str, Any]) -> tuple[list[OperationFinished], Any]:
    model = Blueprint.model_validate(blueprint)
    plan = compile_plan(model)
    services = RunServices(webhook_request={"body": {"items": ITEMS}}, execution_id="run-b")
    writer = HistoryWriter(workspace)
    recorder = HistoryRecorder(writer, blueprint=model, plan=plan,
                               cycle=lambda: services.cycle)
    seen: list[OperationFinished] = []

    def events(event: Event) -> None:
        if type(event) is OperationFinished:
            seen.append(event)

    result = asyncio.run(run_plan(plan, services, [events, recorder]))
    recorder.finish(result)
    return seen, writer


def test_every_operation_comes_back_as_the_executor_reported_it(tmp_path: Path) -> None:
    seen, writer = _record(tmp_path, _blueprint())
    stored = operations(read_engine(writer), tmp_path, "run-b")
    writer.close()
    assert [op["seq"] for op in stored] == list(range(len(seen)))
    for op, event in zip(stored, seen, strict=True):
        assert (op["module_id"], op["input"], op["outputs"], op["error"]) == (
            event.module_id, event.input, event.outputs, event.error)
        assert op["filter_passed"] is event.filter_passed
        assert op["output_count"] == len(event.outputs) and op["cycle"] == 1
        assert op["duration_ms"] == pytest.approx(event.duration_s * 1000, abs=1e-6)
    by_module = {op["module_id"]: op for op in stored}
    assert by_module[3]["filter_passed"] is True  # module 3 has a filter (it ran: passed)
    assert by_module[4]["outputs"][0]["when"] == datetime(2026, 1, 2, tzinfo=UTC)
    assert isinstance(by_module[4]["outputs"][0]["file"], bytes)
    [failed] = [op for op in stored if op["error"] is not None]
    assert failed["module_id"] == 5 and failed["outputs"] == []
    assert sum(op["module_id"] == 3 for op in stored) == 4  # item 2 stopped by the filter


@pytest.mark.parametrize("items", [ITEMS, []], ids=["items", "no items"])
def test_a_recorded_run_counts_the_same_data_transfer(tmp_path: Path,
                                                      items: list[Any]) -> None:
    """Recorded, the executor writes plain bundles as JSON once for both the data transfer
    and history: the figure must stay what an unrecorded run counts, for one bundle, many
    (the iterator), none (an empty array), and dates and binary data (not plain JSON)."""
    model = Blueprint.model_validate(_blueprint())
    plan = compile_plan(model)

    def services() -> RunServices:
        return RunServices(webhook_request={"body": {"items": items}}, execution_id="run-t")

    unrecorded = asyncio.run(run_plan(plan, services()))
    writer = HistoryWriter(tmp_path)
    recorder = HistoryRecorder(writer, blueprint=model, plan=plan)
    recorded = asyncio.run(run_plan(plan, services(), [recorder]))
    recorder.finish(recorded)
    writer.close()
    assert recorded.operations == unrecorded.operations
    assert recorded.data_transfer == unrecorded.data_transfer > 0


def test_writing_an_operations_bundles_counts_in_its_own_duration(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The iterator's bundles written as JSON (as history records them) take its time, not
    the next module's: a clock that jumps a second while they are written shows where."""
    import engine.executor.run as executor_run

    clock = [0]

    def now() -> int:
        clock[0] += 1_000  # a microsecond a reading
        return clock[0]

    def slow_dumps(value: Any, *args: Any) -> bytes:
        if isinstance(value, list) and len(value) == len(ITEMS):  # the iterator's outputs
            clock[0] += 1_000_000_000
        return orjson.dumps(value, *args)

    monkeypatch.setattr(executor_run, "perf_counter_ns", now)
    monkeypatch.setattr(executor_run, "dumps", slow_dumps)
    _seen, writer = _record(tmp_path, _blueprint())
    stored = operations(read_engine(writer), tmp_path, "run-b")
    writer.close()
    durations = {op["module_id"]: op["duration_ms"] for op in stored if op["seq"] < 3}
    assert durations[2] >= 1000  # the iterator
    assert durations[3] < 1  # the module after it


def test_a_confidential_run_keeps_counts_not_bundles(tmp_path: Path) -> None:
    seen, writer = _record(tmp_path, _blueprint(confidential=True))
    stored = operations(read_engine(writer), tmp_path, "run-b")
    writer.close()
    assert [op["output_count"] for op in stored] == [len(e.outputs) for e in seen]
    assert all(op["input"] is None and op["outputs"] is None for op in stored)
    assert [op["error"] is not None for op in stored] == [e.error is not None for e in seen]


def test_runs_recorded_one_row_per_operation_still_read(tmp_path: Path) -> None:
    seen, writer = _record(tmp_path, _blueprint())
    count = len(seen)
    writer.close()
    conn = sqlite3.connect(tmp_path / "history.db")
    try:  # as an older Scenarist wrote them: after the batched ones here, to test the order
        num = conn.execute("SELECT num FROM execution WHERE id = 'run-b'").fetchone()[0]
        conn.execute(
            "INSERT INTO operation (execution_num, seq, kind, cycle, module_id, duration_ms,"
            " filter_passed, output_count, error, input, outputs) VALUES"
            " (?, ?, 'operation', 1, 9, 1.5, NULL, 1, NULL, ?, ?)",
            (num, count, b'{"a":1}', b'[{"b":2}]'))
        conn.commit()
    finally:
        conn.close()
    reopened = HistoryWriter(tmp_path)
    stored = operations(read_engine(reopened), tmp_path, "run-b")
    reopened.close()
    assert [op["seq"] for op in stored] == list(range(count + 1))
    assert stored[-1]["input"] == {"a": 1} and stored[-1]["outputs"] == [{"b": 2}]
