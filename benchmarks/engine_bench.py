"""Engine benchmarks: throughput of real scenario shapes, run in-process through the
engine's API, printed as a table. `uv run python -m benchmarks.engine_bench`.

Each scenario runs in a fresh subprocess so its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import time
from typing import Any

from engine.blueprint import Blueprint
from engine.context import RunServices
from engine.executor.plan import compile_plan
from engine.executor.run import run_plan


def _condition(a: str, o: str, b: str) -> dict[str, Any]:
    return {"name": "f", "conditions": [[{"a": a, "o": o, "b": b}]]}


def router_blueprint() -> dict[str, Any]:
    """Webhook -> iterator -> router with 2 routes, each a filter then an aggregator."""

    def route(module_id: int, op: str) -> dict[str, Any]:
        return {"flow": [{
            "id": module_id, "module": "builtin:BasicAggregator",
            "parameters": {"feeder": 2},
            "filter": _condition("{{2.n}}", op, "50000"),
            "mapper": {"n": "{{2.n}}", "name": "{{2.name}}"},
        }]}

    return {"name": "bench-router", "flow": [
        {"id": 1, "module": "gateway:CustomWebHook", "parameters": {"maxResults": 1}},
        {"id": 2, "module": "builtin:BasicFeeder", "mapper": {"array": "{{1.items}}"}},
        {"id": 3, "module": "builtin:BasicRouter", "routes": [
            route(4, "number:less"), route(5, "number:greaterorequal")]},
    ]}


def chain_blueprint(length: int) -> dict[str, Any]:
    flow: list[dict[str, Any]] = [
        {"id": 1, "module": "gateway:CustomWebHook", "parameters": {"maxResults": 1}},
        {"id": 2, "module": "builtin:BasicFeeder", "mapper": {"array": "{{1.items}}"}},
    ]
    previous = "{{2.value}}"
    for k in range(length):
        module_id = 3 + k
        flow.append({"id": module_id, "module": "util:ComposeTransformer",
                     "mapper": {"value": previous}})
        previous = f"{{{{{module_id}.value}}}}"
    return {"name": "bench-chain", "flow": flow}


def router_body(n: int) -> dict[str, Any]:
    """The webhook body of the router shape: `n` items."""
    return {"items": [{"n": i, "name": f"item {i}"} for i in range(n)]}


def chain_body(bundles: int) -> dict[str, Any]:
    """The webhook body of the chain shape: `bundles` numbers."""
    return {"items": list(range(bundles))}


async def run_once(blueprint: dict[str, Any], body: Any) -> tuple[float, Any]:
    plan = compile_plan(Blueprint.model_validate(blueprint))
    services = RunServices(webhook_request={"body": body})
    started = time.perf_counter()
    result = await run_plan(plan, services)
    elapsed = time.perf_counter() - started
    if result.status != "success":
        raise SystemExit(f"benchmark run failed: {result.error}")
    return elapsed, result


def bench_router(n: int) -> dict[str, Any]:
    body = router_body(n)
    elapsed, result = asyncio.run(run_once(router_blueprint(), body))
    return {"bundles_per_s": n / elapsed, "seconds": elapsed, "operations": result.operations}


def bench_history(n: int) -> dict[str, Any]:
    """Benchmark (1) with full history on (recorded into a fresh workspace, flushed and
    committed before the clock stops) against the same run with history off."""
    import tempfile
    from pathlib import Path

    from engine.history import start_recording

    body = router_body(n)
    blueprint = Blueprint.model_validate(router_blueprint())

    async def once(record: bool, workspace: Path) -> float:
        plan = compile_plan(blueprint)
        services = RunServices(webhook_request={"body": body}, execution_id="bench")
        started = time.perf_counter()
        recorder = start_recording(workspace, blueprint, plan, services) if record else None
        result = await run_plan(plan, services, [recorder] if recorder else [])
        if recorder is not None:
            recorder.finish(result)  # waits until every row is committed
        return time.perf_counter() - started

    off: list[float] = []
    on: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(3):
            off.append(asyncio.run(once(False, Path(tmp))))
            on.append(asyncio.run(once(True, Path(tmp) / str(k))))
    return {"off_s": min(off), "on_s": min(on), "ratio": min(on) / min(off)}


def bench_chain(length: int, bundles: int) -> dict[str, Any]:
    body = chain_body(bundles)
    base, _ = asyncio.run(run_once(chain_blueprint(0), body))
    elapsed, _ = asyncio.run(run_once(chain_blueprint(length), body))
    per = (elapsed - base) / (length * bundles)
    return {"us_per_module_bundle": per * 1e6, "seconds": elapsed}


def bench_iml(evaluations: int) -> dict[str, Any]:
    from engine.iml import Scope, compile_template

    template = "{{1.a}} {{upper(1.b)}} {{2.c.d}} {{lower(3.e)}} {{4.f[1]}}"
    evaluate = compile_template(template)
    scope = Scope({1: {"a": "x", "b": "hello"}, 2: {"c": {"d": 5}}, 3: {"e": "WORLD"},
                   4: {"f": ["first", "second"]}})
    started = time.perf_counter()
    for _ in range(evaluations):
        evaluate(scope)
    elapsed = time.perf_counter() - started
    return {"evaluations_per_s": evaluations / elapsed}


def _child(kind: str, size: int) -> None:
    if kind == "router":
        out = bench_router(size)
    elif kind == "chain":
        out = bench_chain(50, size)
    elif kind == "history":
        out = bench_history(size)
    else:
        out = bench_iml(size)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def _in_subprocess(kind: str, size: int) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.engine_bench", "--child", kind, str(size)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "SIZE"), help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="smaller inputs")
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], int(args.child[1]))
        return
    scale = 10 if args.quick else 1
    router = _in_subprocess("router", 100_000 // scale)
    chain = _in_subprocess("chain", 20_000 // scale)
    iml = _in_subprocess("iml", 1_000_000 // scale)
    history = _in_subprocess("history", 100_000 // scale)
    rows = [
        ("(1) webhook 100k items -> iterator -> router -> filter + aggregator x2",
         f"{router['bundles_per_s']:,.0f} bundles/s", ">= 100,000 bundles/s"),
        ("(2) chain of 50 ComposeTransformers", f"{chain['us_per_module_bundle']:.2f} µs per "
         "module per bundle", "<= 2 µs"),
        ("(3) IML: 5 references + 2 function calls", f"{iml['evaluations_per_s']:,.0f} evals/s",
         ">= 500,000 evals/s"),
        ("(4) peak RSS of (1)", f"{router['peak_rss_mb']:.0f} MB", "<= 200 MB"),
        ("(5) (1) with full history on vs off",
         f"{history['ratio']:.2f}x ({history['on_s']:.2f} s vs {history['off_s']:.2f} s)",
         "<= 2x"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"| {'benchmark'.ljust(width)} | result | target |")
    print(f"| {'-' * width} | --- | --- |")
    for name, value, target in rows:
        print(f"| {name.ljust(width)} | {value} | {target} |")


if __name__ == "__main__":
    main()
