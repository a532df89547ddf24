"""`scenarist worker` processes for the tests, started and killed by pid."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


class WorkerProcess:
    def __init__(self, server: str, task_queue: str, data_dir: Path, log: Path,
                 *extra: str) -> None:
        self.log = log
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "app", "worker", "--temporal", server,
                 "--task-queue", task_queue, "--data-dir", str(data_dir), *extra],
                stdout=out, stderr=subprocess.STDOUT, env=dict(os.environ))

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if b"scenarist worker: serving" in self.log.read_bytes():
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited: {self.log.read_text()}")
            time.sleep(0.1)
        raise RuntimeError(f"worker not ready after {timeout}s: {self.log.read_text()}")

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
