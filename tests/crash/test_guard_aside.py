"""A process killed while writing its run's guard (before renaming it into place) leaves the
aside file: that run never started, so recovery removes it, and nothing else waits on it
(a restarted runtime drains its queue to an empty `running` folder)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from engine.crash import ASIDE_PREFIX, RUNNING_DIR, dead_runs, recover_interrupted


def a_dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_dead_process_aside_is_removed_a_live_one_kept(tmp_path: Path) -> None:
    running = tmp_path / RUNNING_DIR
    running.mkdir()
    dead = running / f"{ASIDE_PREFIX}{a_dead_pid()}-0a1b2c.json"
    dead.write_bytes(b'{"pid": 1, "execution_id": "0a1b')  # cut short by the kill
    live = running / f"{ASIDE_PREFIX}{os.getpid()}-3d4e5f.json"
    live.write_bytes(b'{"pid": ')  # this process is still writing it

    assert dead_runs(tmp_path) == []  # neither is a run to recover
    assert recover_interrupted(tmp_path) == []
    assert not dead.exists()
    assert live.exists()
