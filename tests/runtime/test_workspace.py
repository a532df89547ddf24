"""engine.runtime.Workspace: one object owns a workspace (its databases, lock, recovery)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from engine.runtime import Workspace, WorkspaceBusy
from engine.store.state_db import state_engine


def test_state_is_the_shared_engine_and_history_is_never_created_to_read(tmp_path: Path):
    workspace = Workspace(tmp_path)
    assert workspace.state is state_engine(tmp_path)
    assert Workspace(tmp_path).state is workspace.state
    assert workspace.history is None
    assert not (tmp_path / "history.db").exists()


def test_a_second_owner_is_told_who_owns_the_workspace(tmp_path: Path):
    first = Workspace(tmp_path)
    owner = first.acquire("window")
    assert owner.pid == os.getpid() and owner.kind == "window"
    assert Workspace(tmp_path).owner() == owner
    with pytest.raises(WorkspaceBusy, match=rf"the Scenarist window \(pid {os.getpid()}"):
        Workspace(tmp_path).acquire("serve")
    first.release()
    assert Workspace(tmp_path).owner() is None
    second = Workspace(tmp_path)
    assert second.acquire("serve").kind == "serve"
    second.release()


def test_a_lock_whose_process_is_gone_is_taken_over(tmp_path: Path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    (tmp_path / "runtime.lock").write_bytes(orjson.dumps(
        {"pid": int(dead.stdout), "kind": "serve", "started_at": "2026-01-01T00:00:00+00:00"}))
    workspace = Workspace(tmp_path)
    assert workspace.owner() is None
    assert workspace.acquire("window").pid == os.getpid()
    workspace.release()
    assert not (tmp_path / "runtime.lock").exists()


def test_an_unknown_owner_kind_is_refused(tmp_path: Path):
    with pytest.raises(ValueError, match="window, serve"):
        Workspace(tmp_path).acquire("tray-ish")


def test_recover_repairs_runs_whose_process_died(tmp_path: Path):
    (tmp_path / "running").mkdir()
    (tmp_path / "running" / "abc.json").write_bytes(orjson.dumps({
        "pid": 0, "execution_id": "abc", "scenario": "Gone",
        "blueprint": {"name": "Gone", "flow": [{"id": 1, "module": "util:SetVariable2"}]},
        "trigger": None}))
    recovered = Workspace(tmp_path).recover()
    assert [r.execution_id for r in recovered] == ["abc"]
    assert recovered[0].incomplete_id is not None
    assert not (tmp_path / "running" / "abc.json").exists()
