"""Webhook intake benchmark: requests/s and latency of the durable webhook server against a
bare aiohttp handler answering 200, same machine, same run, loopback only.
`uv run python -m benchmarks.webhook_intake_bench [--requests N] [--connections C]`.

Each server runs in its own subprocess (so the load generator does not share its core);
the load generator is asyncio + aiohttp with C keep-alive connections, bounded by a request
count and a duration. The intake's hook has no consumer (intake only) and an unbounded
queue. If `wrk` is installed it is run against both servers too (it needs far less CPU than a
Python client, so it shows more of the servers' own limits).
Targets (issue 9): >= 3,000 req/s at 50 connections, p99 <= 20 ms, >= half of bare aiohttp.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BODY = b'{"email": "ada@example.com", "name": "Ada Lovelace", "score": 80, "tags": ["a", "b"]}'
TOKEN = "bench-token-0123456789abcdef012345"


# --- the servers (run in a subprocess) --------------------------------------------------


async def _serve(kind: str, port: int, workspace: Path, linger: float) -> None:
    from aiohttp import web

    if kind == "bare":
        async def ok(request: web.Request) -> web.Response:
            await request.read()
            return web.Response(text="Accepted")

        app = web.Application()
        app.router.add_route("POST", "/hook/{token}", ok)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        gc.collect()
        gc.freeze()  # as WebhookServer.start does: a fair comparison
        stats = None
    else:
        from engine.runtime.webhook_hooks import HookOptions
        from engine.runtime.webhook_queue import WebhookQueue
        from engine.runtime.webhook_server import WebhookServer

        queue = await WebhookQueue.open(workspace, linger=linger)
        server = WebhookServer(queue, port=port)
        server.register(HookOptions(token=TOKEN, scenario="Bench", queue_limit=10**9))
        await server.start()
        stats = queue.stats
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)  # until the parent says stop
    if stats is not None:
        print(f"stats rows={stats.rows_inserted} transactions={stats.transactions} "
              f"largest_batch={stats.largest_batch}", flush=True)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """A server subprocess, started and stopped around a block."""

    def __init__(self, kind: str, workspace: Path, linger: float) -> None:
        self.kind, self.port = kind, _free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook/{TOKEN}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.webhook_intake_bench", "--serve", kind,
             "--port", str(self.port), "--workspace", str(workspace), "--linger", str(linger)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            cwd=Path(__file__).resolve().parents[1])
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"the {kind} server did not start: {line!r}")

    def stop(self) -> str:
        out, _ = self.process.communicate("stop\n", timeout=30)
        return out.strip()


# --- the load generator -----------------------------------------------------------------


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


async def _load(url: str, connections: int, requests: int, duration: float,
                name: str) -> Result:
    import aiohttp

    latencies: list[float] = []
    errors = 0
    remaining = requests
    headers = {"content-type": "application/json"}
    connector = aiohttp.TCPConnector(limit=connections, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        async def warm() -> None:
            for _ in range(20):
                async with session.post(url, data=BODY, headers=headers) as response:
                    await response.read()

        await asyncio.gather(*(warm() for _ in range(connections)))
        deadline = time.perf_counter() + duration

        async def worker() -> None:
            nonlocal remaining, errors
            clock = time.perf_counter
            while remaining > 0 and clock() < deadline:
                remaining -= 1
                start = clock()
                async with session.post(url, data=BODY, headers=headers) as response:
                    await response.read()
                    if response.status != 200:
                        errors += 1
                latencies.append(clock() - start)

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - began
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return Result(name, len(latencies), elapsed, pct(0.50), pct(0.99), errors)


_WRK_SCRIPT = f"""wrk.method = "POST"
wrk.body = '{BODY.decode()}'
wrk.headers["Content-Type"] = "application/json"
"""


def _wrk(url: str, connections: int, seconds: int, script: Path) -> str:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True, text=True, timeout=seconds + 30).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"\s50%\s+([\d.]+\w+)", out)
    p99 = re.search(r"\s99%\s+([\d.]+\w+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    per_second = float(rate.group(1)) if rate else 0.0
    return (f"{per_second:>10,.0f} req/s  p50 {p50.group(1) if p50 else '?':>8}"
            f"  p99 {p99.group(1) if p99 else '?':>8}"
            f"  non-2xx {errors.group(1) if errors else 0}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30_000)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--duration", type=float, default=10.0, help="at most, per server")
    parser.add_argument("--linger", type=float, default=0.0, help="group commit wait, s")
    parser.add_argument("--wrk-seconds", type=int, default=5)
    parser.add_argument("--no-wrk", action="store_true")
    parser.add_argument("--serve", choices=["bare", "intake"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--workspace", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(_serve(args.serve, args.port, args.workspace, args.linger))
        return

    with tempfile.TemporaryDirectory(prefix="webhook-bench-") as tmp:
        results: dict[str, Result] = {}
        notes: list[str] = []
        wrk_lines: list[str] = []
        script = Path(tmp) / "post.lua"
        script.write_text(_WRK_SCRIPT)
        for kind in ("bare", "intake"):
            workspace = Path(tmp) / kind
            server = Server(kind, workspace, args.linger)
            try:
                results[kind] = asyncio.run(_load(server.url, args.connections, args.requests,
                                                  args.duration, kind))
                if shutil.which("wrk") and not args.no_wrk:
                    wrk_lines.append(f"{kind:<8}" + _wrk(server.url, args.connections,
                                                         args.wrk_seconds, script))
            finally:
                notes.append(f"{kind}: {server.stop() or 'stopped'}")
            if kind == "intake":
                db = workspace / "state.db"
                notes.append(f"state.db + WAL: {_size(db):,} bytes")

    bare, intake = results["bare"], results["intake"]
    print(f"\nWebhook intake, {args.connections} connections, loopback, "
          f"{os.cpu_count()} CPUs (Python load generator, aiohttp client)")
    print(f"{'server':<8}{'requests':>10}{'seconds':>9}{'req/s':>10}{'p50 ms':>9}"
          f"{'p99 ms':>9}{'errors':>8}")
    for r in (bare, intake):
        print(f"{r.name:<8}{r.requests:>10,}{r.seconds:>9.2f}{r.rate:>10,.0f}{r.p50_ms:>9.2f}"
              f"{r.p99_ms:>9.2f}{r.errors:>8}")
    ratio = intake.rate / bare.rate if bare.rate else 0.0
    print(f"intake / bare: {ratio:.2f}x throughput; targets: >= 3,000 req/s "
          f"({'met' if intake.rate >= 3000 else 'NOT met'}), p99 <= 20 ms "
          f"({'met' if intake.p99_ms <= 20 else 'NOT met'}), >= 0.5x bare "
          f"({'met' if ratio >= 0.5 else 'NOT met'})")
    if wrk_lines:
        print(f"\nwrk -t2 -c{args.connections} -d{args.wrk_seconds}s (POST, same body)")
        print("\n".join(wrk_lines))
    print("\n" + "\n".join(notes))


def _size(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))


if __name__ == "__main__":
    main()
