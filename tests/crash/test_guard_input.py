"""The crash guard keeps the trigger's input exactly (buffers, dates, collections that look
like tags), with no secret in the file, and gives it back after kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backends import fail

from engine.crash import RUNNING_DIR, recover_interrupted
from engine.store.incomplete import get_incomplete, list_incomplete, runnable
from engine.store.state_db import state_engine
from tests.incomplete.helpers import ROOT
from tests.secrets.blueprints import FAIL_PASSWORD, FAIL_TOKEN, failing_blueprint
from tests.secrets.scan import leaks

HOST = "127.0.0.1:9"


def trigger_input() -> dict[str, Any]:
    return {
        "body": {
            "file": bytes(range(256)) * 4,
            "sent": datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
            "note": {"$date": "a user's field, not a date"},
            "parts": [{"$buffer": "text"}, {"n": 1, "$object": None}],
            "token": f"Bearer {FAIL_TOKEN}",  # a secret of the blueprint: referenced
            "items": [{"n": i, "name": f"item {i}"} for i in range(2000)],
        },
        "headers": {"content-type": "multipart/form-data"},
    }


_GUARDED_RUN = """
import sys, time
from pathlib import Path
from engine.crash import RunGuard
from tests.crash.test_guard_input import HOST, trigger_input
from tests.secrets.blueprints import failing_blueprint
guard = RunGuard(Path(sys.argv[1]), "exec-bin", scenario="Binary",
                 blueprint_json=failing_blueprint(HOST), trigger_input=trigger_input())
guard.start()
print("guarded", flush=True)
time.sleep(60)
"""


def test_a_killed_runs_binary_input_comes_back_exactly(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = tmp_path / "ws"
    monkeypatch.setenv("SCENARIST_MASTER_PASSWORD", "master")  # no keyring: the file
    keyring.set_keyring(fail.Keyring())  # the conftest's fixture puts its own back
    process = subprocess.Popen(
        [sys.executable, "-c", _GUARDED_RUN, str(ws)], cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == b"guarded"
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    [guard] = (ws / RUNNING_DIR).glob("*.json")
    assert FAIL_TOKEN.encode() not in guard.read_bytes()
    assert leaks([FAIL_TOKEN, FAIL_PASSWORD], ws) == []

    deadline = time.monotonic() + 10
    while not (recovered := recover_interrupted(ws)):  # the kernel may not have reaped it
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert [r.execution_id for r in recovered] == ["exec-bin"]
    engine = state_engine(ws)
    [record] = list_incomplete(engine)
    back = runnable(engine, get_incomplete(engine, record.id))
    assert back.trigger == trigger_input()
    assert back.blueprint_json == failing_blueprint(HOST) and back.missing == []
