"""The background runtime as users run it: `scenarist serve` in its own process, a webhook
-> Set variable -> Compose text scenario activated, and loopback traffic.
`uv run python -m benchmarks.runtime_bench [--flood-seconds F] [--soak-seconds S]`.

Printed as a table:
- idle: the serve process's RSS a few seconds after it started (target <= 80 MB);
- sustained: requests sent for F seconds as fast as 50 connections allow (wrk when
  installed, else an asyncio client) while the runtime runs them, history on;
  executions/s = requests / (first request to last execution done) (target >= 1,000/s);
- soak: a steady 200 requests/s for S seconds (default 600: the issue's 10 minutes); RSS
  after a warm-up minute and at the end (target: grows <= 10 %), executions that lagged.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLUEPRINT = {
    "name": "Bench greeter",
    "flow": [
        {"id": 1, "module": "gateway:CustomWebHook", "parameters": {"maxResults": 1}},
        {"id": 2, "module": "util:SetVariable2",
         "mapper": {"name": "who", "scope": "roundtrip", "value": "{{1.name}}"}},
        {"id": 3, "module": "util:ComposeTransformer",
         "mapper": {"value": "Hello {{2.who}} <{{1.email}}>"}},
    ],
    "metadata": {"scenario": {"roundtrips": 1, "maxErrors": 3}},
}
BODY = '{"email": "ada@example.com", "name": "Ada Lovelace"}'


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Serve:
    """`scenarist serve --port 0` on a workspace, in its own process."""

    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace
        self.log = (workspace.parent / "serve.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", "0", "--data-dir",
             str(workspace)], cwd=ROOT, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 60
        while True:
            try:
                port = json.loads((workspace / "runtime.lock").read_text()).get("port")
            except (OSError, ValueError):
                port = None
            if port:
                self.port = int(port)
                break
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((workspace.parent / "serve.log").read_text())
            time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)
        self.log.close()


def finished(workspace: Path) -> int:
    conn = sqlite3.connect(f"file:{workspace / 'state.db'}?mode=ro", uri=True, timeout=5)
    try:
        return int(conn.execute("SELECT count(*) FROM webhook_request WHERE status IN "
                                "('done', 'failed', 'incomplete')").fetchone()[0])
    finally:
        conn.close()


def wait_finished(workspace: Path, count: int, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while finished(workspace) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {finished(workspace)} of {count} executions finished")
        time.sleep(0.05)
    return time.monotonic()


# --- load ---------------------------------------------------------------------------------

_WRK_SCRIPT = """wrk.method = "POST"
wrk.body = '%s'
wrk.headers["Content-Type"] = "application/json"
"""


def flood(url: str, seconds: int, tmp: Path) -> int:
    """Send requests for `seconds` at 50 connections, as fast as they go; how many."""
    if shutil.which("wrk"):
        script = tmp / "flood.lua"
        script.write_text(_WRK_SCRIPT % BODY)
        out = subprocess.run(["wrk", "-t2", "-c50", f"-d{seconds}s", "-s", str(script), url],
                             capture_output=True, text=True, timeout=seconds + 60).stdout
        sent = re.search(r"(\d+) requests in", out)
        if not sent:
            raise RuntimeError(f"wrk said: {out}")
        return int(sent.group(1))
    return asyncio.run(_flood_python(url, seconds))


async def _flood_python(url: str, seconds: float) -> int:
    import aiohttp

    sent = 0
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=50)) as session:
        async def worker() -> None:
            nonlocal sent
            while time.monotonic() < deadline:
                async with session.post(url, data=BODY,
                                        headers={"content-type": "application/json"}) as r:
                    await r.read()
                sent += 1

        await asyncio.gather(*(worker() for _ in range(50)))
    return sent


async def steady(url: str, rate: float, seconds: float, sample: object) -> int:
    """`rate` requests per second for `seconds`, calling `sample()` every 10 s."""
    import aiohttp

    sent = 0
    async with aiohttp.ClientSession() as session:
        async def one() -> None:
            async with session.post(url, data=BODY,
                                    headers={"content-type": "application/json"}) as r:
                await r.read()

        started = time.monotonic()
        tasks: set[asyncio.Task[None]] = set()
        next_sample = started + 10
        while (now := time.monotonic()) < started + seconds:
            due = int((now - started) * rate)
            while sent < due:
                task = asyncio.ensure_future(one())
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                sent += 1
            if now >= next_sample:
                sample()  # type: ignore[operator]
                next_sample += 10
            await asyncio.sleep(0.005)
        await asyncio.gather(*tasks)
    return sent


# --- the benchmark ------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flood-seconds", type=int, default=10,
                        help="how long requests are sent as fast as possible")
    parser.add_argument("--soak-seconds", type=float, default=600.0)
    parser.add_argument("--soak-rate", type=float, default=200.0)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from engine.runtime import Workspace, activate_file
    from engine.runtime.hook_store import set_hook_options

    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="runtime-bench-") as tmp_name:
        tmp = Path(tmp_name)
        ws = tmp / "ws"
        blueprint = tmp / "greeter.json"
        blueprint.write_text(json.dumps(BLUEPRINT))
        workspace = Workspace(ws)
        activated = activate_file(workspace, blueprint)
        assert activated.hook is not None
        set_hook_options(workspace.state, ws, activated.hook.token, queue_limit=10**9)
        serve = Serve(ws)
        try:
            url = f"http://127.0.0.1:{serve.port}/hook/{activated.hook.token}"
            time.sleep(3)
            idle = rss_mb(serve.process.pid)
            rows.append(("serve idle RSS", f"{idle:.0f} MB", "<= 80 MB"))

            started = time.monotonic()
            sent = flood(url, args.flood_seconds, tmp)
            done_at = wait_finished(ws, sent, timeout=900)
            rate = sent / (done_at - started)
            rows.append((f"webhook -> 3 modules, history on ({sent:,} requests in "
                         f"{args.flood_seconds} s)", f"{rate:,.0f} executions/s",
                         ">= 1,000/s"))

            if args.soak_seconds > 0:
                samples: list[float] = []

                def sample() -> None:
                    samples.append(rss_mb(serve.process.pid))

                before = finished(ws)
                sent = asyncio.run(steady(url, args.soak_rate, args.soak_seconds, sample))
                behind = before + sent - finished(ws)
                wait_finished(ws, before + sent, timeout=300)
                warm = samples[min(5, len(samples) - 1)] if samples else 0.0
                end = rss_mb(serve.process.pid)
                growth = (end / warm - 1) * 100 if warm else 0.0
                rows.append((f"soak: {args.soak_rate:.0f} req/s for {args.soak_seconds:.0f} s "
                             f"({sent:,} runs, {behind} behind at the end)",
                             f"RSS {warm:.0f} -> {end:.0f} MB ({growth:+.1f} %)",
                             "<= +10 %"))
        finally:
            serve.stop()
    width = max(len(r[0]) for r in rows)
    print(f"\nBackground runtime (scenarist serve), loopback, {os.cpu_count()} CPUs")
    print(f"{'measure':<{width}}  {'result':<28}target")
    for name, result, target in rows:
        print(f"{name:<{width}}  {result:<28}{target}")


if __name__ == "__main__":
    main()
