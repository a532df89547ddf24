"""The single writer: batched commits off the event loop, and a file apart from state.db."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from engine.blueprint import Blueprint
from engine.context import RunServices
from engine.executor.plan import compile_plan
from engine.executor.run import run_plan
from engine.history import HistoryRecorder, HistoryWriter
from engine.history.queries import list_executions, operations
from engine.store.datastore import DataStoreSession
from engine.store.state_db import open_state_engine
from tests.history.helpers import WatchedHistory, leads_blueprint, read_engine


def _run(workspace: Path, writer: HistoryWriter, items: int) -> tuple[HistoryRecorder, Any]:
    blueprint = Blueprint.model_validate(leads_blueprint())
    plan = compile_plan(blueprint)
    services = RunServices(webhook_request={"body": {"items": [
        {"name": f"person {i}"} for i in range(items)]}}, execution_id=f"run-{items}")
    recorder = HistoryRecorder(writer, blueprint=blueprint, plan=plan,
                               cycle=lambda: services.cycle)
    result = asyncio.run(run_plan(plan, services, [recorder]))
    return recorder, result


def test_writer_commits_per_batch_never_per_bundle(tmp_path: Path) -> None:
    database = WatchedHistory(tmp_path)
    writer = HistoryWriter(tmp_path, database)
    recorder, result = _run(tmp_path, writer, 5000)
    recorder.finish(result)  # flushes
    assert result.operations == 5002
    ops = operations(read_engine(writer), tmp_path, "run-5000")
    assert len(ops) == 5002
    assert [op["seq"] for op in ops] == list(range(5002))
    assert ops[-1]["outputs"] == [{"value": "Hello person 4999"}]
    assert all(op["cycle"] == 1 for op in ops)
    assert 1 <= database.commits <= 6, database.commits  # start + 3 batches + finish at most
    assert writer.commits == database.commits
    writer.close()


def test_state_db_writes_are_not_blocked_while_history_writes(tmp_path: Path) -> None:
    inside = threading.Event()

    def hold_the_write_lock(statement: str) -> None:
        if statement.startswith("INSERT INTO operation") and not inside.is_set():
            inside.set()
            time.sleep(1.0)  # a slow, big batch: history.db's write lock is held meanwhile

    writer = HistoryWriter(tmp_path, WatchedHistory(tmp_path, hold_the_write_lock))
    recorder, result = _run(tmp_path, writer, 20_000)
    recorder.finish(result, wait=False)
    assert inside.wait(10)

    blocked = sqlite3.connect(tmp_path / "history.db", timeout=0)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        blocked.execute("BEGIN IMMEDIATE")  # proves history.db is busy right now
    blocked.close()

    state = open_state_engine(tmp_path)
    session = DataStoreSession(state, auto_commit=True)
    started = time.perf_counter()
    store = session.ensure_store("intake", "Webhook intake")
    for k in range(20):
        session.put(store, f"request-{k}", {"body": k})
    elapsed = time.perf_counter() - started
    assert elapsed < 0.5, elapsed
    assert session.count(store) == 20
    session.close()
    state.dispose()

    writer.flush()
    [row] = list_executions(read_engine(writer), tmp_path)
    assert row["operations"] == 20_002 and row["status"] == "success"
    writer.close()

