"""A run that moves more than 2 GB records how it ended: its byte counts are 64-bit on
PostgreSQL as on SQLite (history migration 0004)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from engine.blueprint import Blueprint
from engine.context import RunServices
from engine.executor.plan import compile_plan
from engine.executor.run import run_plan
from engine.history import HistoryRecorder, HistoryWriter
from engine.history.queries import list_executions
from engine.runtime.workspace import Workspace
from tests.history.helpers import leads_blueprint

pytestmark = pytest.mark.usefixtures("backend")

THREE_GB = 3 * 1024**3


def test_a_run_that_moved_three_gigabytes_is_recorded_as_it_ended(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    blueprint = Blueprint.model_validate(leads_blueprint())
    plan = compile_plan(blueprint)
    services = RunServices(webhook_request={"body": {"items": [{"name": "Ada"}]}},
                           execution_id="big-run")
    writer = HistoryWriter(ws.folder)
    recorder = HistoryRecorder(writer, blueprint=blueprint, plan=plan, own_writer=True)
    result = asyncio.run(run_plan(plan, services, [recorder]))
    result.data_transfer = THREE_GB  # as if its modules had moved that much
    assert recorder.finish(result) == "big-run"
    history = ws.history
    assert history is not None
    [run] = list_executions(history, ws.folder)
    assert (run["id"], run["status"], run["data_transfer"]) == ("big-run", "success", THREE_GB)
