"""History never loses a run silently: a value orjson can't write is stored made writable and
the run says so; a job that fails costs only itself (no rolled-back execution row, so no
FOREIGN KEY errors for the rest of the run, nor for the other runs of its batch)."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine.blueprint import Blueprint
from engine.context import RunServices
from engine.executor.plan import compile_plan
from engine.executor.run import run_plan
from engine.history import HistoryRecorder, HistoryWriter
from engine.history.queries import list_executions, operations, show_execution
from engine.history.writer import FinishJob, OperationsJob, RunSink, StartJob, Tx
from tests.history.helpers import read_engine
from tests.incomplete.helpers import scenarist


def test_a_lone_surrogate_from_parsed_json_reaches_history_and_the_run_is_still_listed(
    tmp_path: Path,
) -> None:
    blueprint = tmp_path / "parse.json"
    blueprint.write_text(json.dumps({"name": "Parse", "flow": [
        {"id": 1, "module": "util:SetVariable2",
         "mapper": {"name": "raw", "scope": "roundtrip", "value": '{"name": "a\\ud800b"}'}},
        {"id": 2, "module": "json:ParseJSON", "mapper": {"json": "{{1.raw}}"}},
        {"id": 3, "module": "util:SetVariable2",
         "mapper": {"name": "n", "scope": "roundtrip", "value": "{{2.name}}"}},
    ]}))
    workspace = str(tmp_path / "ws")
    ran = scenarist("run", str(blueprint), "--report", "json", "--data-dir", workspace)
    assert ran.returncode == 0, ran.stderr
    assert "Traceback" not in ran.stderr and "dropped" not in ran.stderr
    report = json.loads(ran.stdout)
    assert report["status"] == "success" and report["operations"] == 3
    assert report["modules"]["2"]["outputs"] == [{"name": "a\ufffdb"}]
    history_warnings = [w for w in report["warnings"] if w.startswith("history: ")]
    assert history_warnings and "module 2's output bundles" in history_warnings[0]
    assert all(ran.stderr.count(w) == 1 for w in history_warnings)

    listed = scenarist("history", "list", "--json", "--data-dir", workspace)
    [entry] = json.loads(listed.stdout)
    assert (entry["scenario"], entry["status"], entry["operations"]) == ("Parse", "success", 3)
    shown = json.loads(scenarist("history", "show", entry["id"], "--json",
                                 "--data-dir", workspace).stdout)
    assert shown["modules"]["2"]["outputs"] == [{"name": "a\ufffdb"}]
    assert shown["modules"]["3"]["outputs"] == [{"n": "a\ufffdb"}]
    assert any("module 2's output bundles" in w for w in shown["warnings"])


def _run(writer: HistoryWriter, mapper_value: Any, execution_id: str) -> HistoryRecorder:
    blueprint = Blueprint.model_validate({"name": execution_id, "flow": [
        {"id": 1, "module": "util:SetVariable2",
         "mapper": {"name": "v", "scope": "roundtrip", "value": mapper_value}}]})
    plan = compile_plan(blueprint)
    services = RunServices(execution_id=execution_id)
    recorder = HistoryRecorder(writer, blueprint=blueprint, plan=plan)
    result = asyncio.run(run_plan(plan, services, [recorder]))
    recorder.finish(result)
    return recorder


def test_an_integer_beyond_64_bits_in_a_bundle_is_stored_as_a_double(tmp_path: Path) -> None:
    # Files and functions give doubles already; a module in code can still hand one over.
    writer = HistoryWriter(tmp_path)
    sink = writer.sink()
    now = datetime.now(UTC)
    writer.submit(StartJob(
        execution={"id": "big", "scenario": "Big", "kind": "run", "trigger": "manual",
                   "status": "running", "started_at": now, "confidential": False,
                   "resumed_from": None},
        blueprint_sha256=None, blueprint=None, sink=sink))
    writer.submit(OperationsJob(sink, 0, 1, [(1, {"n": 2**70}, [{"v": 10**30, "ok": 1}],
                                              0.001, None, None)]))
    summary = {"status": "success", "operations": 1, "data_transfer": 0,
               "webhook_response": None, "incomplete_executions": 0, "error": None,
               "warnings": [], "modules": {}}
    writer.submit(FinishJob(sink, fields={
        "status": "success", "finished_at": now, "operations": 1, "data_transfer": 0,
        "incomplete_executions": 0, "check_run": False}, summary=summary))
    assert writer.flush(10)
    [entry] = list_executions(read_engine(writer), tmp_path)
    assert (entry["id"], entry["status"]) == ("big", "success")
    [op] = operations(read_engine(writer), tmp_path, "big")
    assert op["outputs"] == [{"v": 1e30, "ok": 1}] and op["input"] == {"n": 2.0**70}
    warnings = show_execution(read_engine(writer), tmp_path, "big")["warnings"]
    assert [w.split(" could")[0] for w in warnings] == [
        "history: module 1's input bundle", "history: module 1's output bundles"]
    assert "Integer exceeds 64-bit range" in warnings[0]
    assert writer.failures == 0
    writer.close()


class _Held:
    """A job that keeps the writer busy until released, so the next jobs share one batch."""

    def __init__(self, sink: RunSink) -> None:
        self.sink = sink
        self.release = threading.Event()
        self.started = threading.Event()

    def apply(self, tx: Tx) -> None:
        self.started.set()
        self.release.wait(10)


class _Broken:
    def __init__(self, sink: RunSink) -> None:
        self.sink = sink

    def apply(self, tx: Tx) -> None:
        tx.cursor.execute("INSERT INTO no_such_table VALUES (1)")


def test_a_failing_job_costs_only_itself_not_its_batch_nor_the_rest_of_its_run(
    tmp_path: Path,
) -> None:
    writer = HistoryWriter(tmp_path)
    first = _run(writer, "one", "first")  # an ordinary run, to hold its sink
    held = _Held(first._sink)
    writer.submit(held)  # type: ignore[arg-type]
    assert held.started.wait(10)

    # Queued meanwhile, so written in one transaction: a whole run, with a broken job inside.
    blueprint = Blueprint.model_validate({"name": "second", "flow": [
        {"id": 1, "module": "util:SetVariable2",
         "mapper": {"name": "v", "scope": "roundtrip", "value": "two"}}]})
    plan = compile_plan(blueprint)
    recorder = HistoryRecorder(writer, blueprint=blueprint, plan=plan)
    services = RunServices(execution_id="second")

    def break_after_start(event: Any) -> None:
        if type(event).__name__ == "RunStarted":
            writer.submit(_Broken(recorder._sink))  # type: ignore[arg-type]

    result = asyncio.run(run_plan(plan, services, [recorder, break_after_start]))
    recorder.finish(result, wait=False)
    held.release.set()
    assert writer.flush(10)

    listed = {e["id"]: e for e in list_executions(read_engine(writer), tmp_path)}
    assert set(listed) == {"first", "second"}
    assert listed["second"]["status"] == "success"  # its finish was written, after the failure
    assert [op["outputs"] for op in operations(read_engine(writer), tmp_path, "second")] == [
        [{"v": "two"}]]
    assert writer.failures == 1
    [problem] = recorder._sink.problems
    assert "could not be recorded" in problem and "no_such_table" in problem
    warnings = show_execution(read_engine(writer), tmp_path, "second")["warnings"]
    assert any(problem in w for w in warnings)
    writer.close()
