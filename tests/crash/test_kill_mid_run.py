"""kill -9 in the middle of a run: the next `scenarist` start marks the execution interrupted,
undoes its unfinished cycle's data store writes and offers it as an incomplete execution."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from engine.crash import RunGuard, recover_interrupted
from engine.incomplete.retry import retry_incomplete
from engine.store.datastore import DataStoreSession, loads_record
from engine.store.incomplete import list_incomplete, update_incomplete
from engine.store.state_db import state_engine
from tests.incomplete.helpers import ROOT, scenarist, scenarist_json, write_json

STORE = "5"


def sleepy_blueprint(auto_commit: bool) -> dict[str, Any]:
    """Two data store writes, then a long sleep (the process is killed during it)."""
    return {
        "name": "Sleepy writer",
        "flow": [
            {"id": 1, "module": "gateway:CustomWebHook", "parameters": {"maxResults": 1},
             "mapper": {}},
            {"id": 2, "module": "datastore:AddRecord", "parameters": {"datastore": 5},
             "mapper": {"key": "k1", "overwrite": True, "data": {"v": "{{1.value}}"}}},
            {"id": 3, "module": "datastore:AddRecord", "parameters": {"datastore": 5},
             "mapper": {"key": "k2", "overwrite": True, "data": {"v": "{{1.value}}"}}},
            {"id": 4, "module": "util:FunctionSleep", "mapper": {"duration": "{{1.sleep}}"}},
            {"id": 5, "module": "util:ComposeTransformer", "mapper": {"value": "done"}},
        ],
        "metadata": {"scenario": {"autoCommit": auto_commit, "roundtrips": 1}},
    }


def record(ws: Path, key: str) -> dict[str, Any] | None:
    """Read a record with plain sqlite3 (as another program would see the file)."""
    conn = sqlite3.connect(ws / "state.db")
    try:
        row = conn.execute("SELECT data FROM data_store_record WHERE store_id=? AND key=?",
                           (STORE, key)).fetchone()
    finally:
        conn.close()
    return None if row is None else loads_record(row[0])


def start_run(tmp_path: Path, ws: Path, auto_commit: bool) -> subprocess.Popen[bytes]:
    bp = write_json(tmp_path / "bp.json", sleepy_blueprint(auto_commit))
    request = write_json(tmp_path / "req.json", {"body": {"value": "new", "sleep": 30}})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "run", str(bp), "--input", str(request),
         "--data-dir", str(ws)], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def wait_for(check: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the run never got there"
        time.sleep(0.05)


def kill(process: subprocess.Popen[bytes]) -> None:
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(timeout=10) == -signal.SIGKILL


def test_kill_9_after_autocommit_writes_is_recovered_at_next_start(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    DataStoreSession(state_engine(ws)).put(STORE, "k1", {"v": "old"})
    process = start_run(tmp_path, ws, auto_commit=True)
    try:
        # Both autoCommit writes are in the file: the run is sleeping now.
        wait_for(lambda: (ws / "state.db").exists() and record(ws, "k2") is not None)
    finally:
        kill(process)
    assert record(ws, "k1") == {"v": "new"}

    listing = scenarist("incomplete", "list", "--json", "--data-dir", str(ws))
    assert listing.returncode == 0, listing.stderr
    assert "interrupted" in listing.stderr and "2 data store write(s)" in listing.stderr
    [offered] = orjson.loads(listing.stdout)
    assert offered["reason"] == "interrupted" and offered["module_id"] == 1
    assert offered["error"]["name"] == "ExecutionInterruptedError"
    # The unfinished cycle's writes are undone: k1 has its old value, k2 is gone again.
    assert record(ws, "k1") == {"v": "old"}
    assert record(ws, "k2") is None

    [execution] = scenarist_json("history", "list", "--json", "--data-dir", str(ws))
    assert execution["status"] == "interrupted"
    assert execution["id"] == offered["execution_id"]
    shown = scenarist_json("incomplete", "show", offered["id"], "--json", "--data-dir", str(ws))
    assert shown["trigger"]["body"] == {"value": "new", "sleep": 30}
    # Recovery happens once.
    again = scenarist("incomplete", "list", "--json", "--data-dir", str(ws))
    assert "interrupted" not in again.stderr and len(orjson.loads(again.stdout)) == 1

    # Retried from the first module with its trigger input (shortened sleep), it finishes.
    engine = state_engine(ws)
    update_incomplete(engine, offered["id"],
                      trigger={**shown["trigger"], "body": {"value": "new", "sleep": 1}})
    outcome = asyncio.run(retry_incomplete(ws, offered["id"]))
    assert outcome.resolved and outcome.result.status == "success"
    assert record(ws, "k1") == {"v": "new"} and record(ws, "k2") == {"v": "new"}
    assert list_incomplete(engine) == []


def test_kill_9_without_autocommit_leaves_the_data_store_untouched(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    DataStoreSession(state_engine(ws)).put(STORE, "k1", {"v": "old"})
    process = start_run(tmp_path, ws, auto_commit=False)
    try:
        wait_for(lambda: any((ws / "running").glob("*.json")) if (ws / "running").is_dir()
                 else False)
        time.sleep(1.0)  # into the sleep: writes are held in memory until the cycle commits
    finally:
        kill(process)
    assert record(ws, "k1") == {"v": "old"} and record(ws, "k2") is None
    recovered = recover_interrupted(ws)
    assert [r.undone_writes for r in recovered] == [0]
    assert recovered[0].incomplete_id is not None
    assert record(ws, "k1") == {"v": "old"} and record(ws, "k2") is None
    assert not any((ws / "running").glob("*.json"))


@pytest.mark.usefixtures("backend")  # SQLite and PostgreSQL
def test_a_run_still_alive_is_left_alone(tmp_path: Path) -> None:
    guard = RunGuard(tmp_path, "abc123", scenario="Live", blueprint_json={"flow": []})
    guard.start()  # this very process: alive
    assert recover_interrupted(tmp_path) == []
    assert guard.path.exists()
    guard.finish()
    assert not guard.path.exists()
