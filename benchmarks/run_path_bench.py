"""The run path's cost: `scenarist run` timed as a whole process against the in-process engine.

`uv run python -m benchmarks.run_path_bench [--repeat N] [--quick]`

For each shape of benchmarks.engine_bench (the router: a webhook with 100,000 items through an
iterator, a router, filters and aggregators; the chain: 2,000 items through 50 Compose-a-string
modules, 100,000 operations), it times

- in-process: the engine alone (engine_bench's `run_once`, in a fresh subprocess);
- end to end: `scenarist run BLUEPRINT --input REQUEST.json --data-dir TMP` from process start
  to exit, minus the same command on a 2-item input (start-up, imports, workspace creation),
  with history on and with `--no-history`, each in a fresh workspace;
- the run path: what `scenarist run` does after start-up (`start_run`, the run, `finish`:
  history committed and closed), timed inside a fresh subprocess, history on and off, after
  an untimed 2-item run in the same new workspace (what the end-to-end figure subtracts).
  No process start-up is subtracted from it, so its history ratio moves less from one
  invocation to the next than the end-to-end one.

Throughput is in bundles per second: items for the router, item × module passes for the chain
(so both columns of a row count the same work). Each figure is the median of the repetitions;
on/off runs alternate, back to back, so that a busy machine slows both alike. On this shared
virtual machine, whose speed changes by a third for seconds at a time, a figure moves by a
tenth from one invocation to the next: compare several (or `--repeat` more).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from benchmarks.engine_bench import (
    chain_blueprint,
    chain_body,
    router_blueprint,
    router_body,
    run_once,
)

CHAIN_LENGTH = 50
TARGET_RATIO = 0.70  # end to end (no history) / in-process
TARGET_HISTORY = 1.3  # history on / off, end to end


@dataclass(frozen=True)
class Shape:
    name: str
    blueprint: Callable[[], dict[str, Any]]
    body: Callable[[int], dict[str, Any]]
    items: int
    per_item: int  # bundles each item makes (the chain: one per module)

    @property
    def bundles(self) -> int:
        return self.items * self.per_item


def shapes(scale: int) -> list[Shape]:
    return [
        Shape("router, 100k items", router_blueprint, router_body, 100_000 // scale, 1),
        Shape(f"chain of {CHAIN_LENGTH} Compose, 100k operations",
              lambda: chain_blueprint(CHAIN_LENGTH), chain_body,
              100_000 // CHAIN_LENGTH // scale, CHAIN_LENGTH),
    ]


# ------------------------------------------------------------------ in-process


def _child(kind: str, items: int) -> None:
    shape = next(s for s in shapes(1) if s.name.startswith(kind))
    elapsed, _ = asyncio.run(run_once(shape.blueprint(), shape.body(items)))
    print(json.dumps({"seconds": elapsed}))


def _path_child(kind: str, items: int, history: bool) -> None:
    """`scenarist run`'s work after start-up, timed: start_run, the run, finish. A 2-item run
    in the same workspace goes first, untimed, as the end-to-end figure subtracts one: what
    any run pays once (history's imports, history.db made) is left out of both."""
    from app.gc_policy import headless_run
    from engine.blueprint import Blueprint
    from engine.executor.plan import compile_plan
    from engine.runtime.policy import RunPolicy
    from engine.runtime.start import start_run
    from engine.runtime.workspace import Workspace

    shape = next(s for s in shapes(1) if s.name.startswith(kind))
    blueprint = Blueprint.model_validate(shape.blueprint())
    plan = compile_plan(blueprint)
    policy = RunPolicy.manual(history=history, webhook=True, breaking=False)
    with tempfile.TemporaryDirectory(prefix="scenarist-bench-") as folder:
        workspace = Workspace.resolve(folder)
        list(workspace.recover())
        elapsed = 0.0
        for count in (2, items):
            request = {"body": shape.body(count)}
            started = time.perf_counter()
            handle = start_run(workspace, blueprint, policy, plan=plan, scenario=kind,
                               request=request)
            with headless_run():
                result = asyncio.run(handle.run())
                handle.finish(result)
            elapsed = time.perf_counter() - started
            if result.status != "success":
                raise SystemExit(f"benchmark run failed: {result.error}")
    print(json.dumps({"seconds": elapsed}))


def _child_seconds(*args: str) -> float:
    cmd = [sys.executable, "-m", "benchmarks.run_path_bench", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, env=_environment())
    return float(json.loads(done.stdout.strip().splitlines()[-1])["seconds"])


def _kind(shape: Shape) -> str:
    return shape.name.split(",")[0].split()[0]


def in_process_seconds(shape: Shape) -> float:
    return _child_seconds("--child", _kind(shape), str(shape.items))


def run_path_seconds(shape: Shape, history: bool) -> float:
    return _child_seconds("--path-child", _kind(shape), str(shape.items),
                          "on" if history else "off")


# ------------------------------------------------------------------ end to end


def _scenarist() -> list[str]:
    """The installed command next to this interpreter (no `uv run` in the timing)."""
    script = Path(sys.executable).with_name("scenarist")
    return [str(script)] if script.exists() else [sys.executable, "-m", "app"]


class Timing(NamedTuple):
    wall: float  # seconds from process start to exit
    cpu: float  # user + system seconds of all its threads (steadier on a busy machine)


def process_seconds(blueprint: Path, request: Path, history: bool) -> Timing:
    with tempfile.TemporaryDirectory(prefix="scenarist-bench-") as data_dir:
        cmd = [*_scenarist(), "run", str(blueprint), "--input", str(request),
               "--data-dir", data_dir]
        if not history:
            cmd.append("--no-history")
        env = _environment()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, env=env)
        elapsed = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"scenarist run failed ({done.returncode}):\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(elapsed, cpu)


def _environment() -> dict[str, str]:
    """As a user runs it: bytecode cached (in a folder of the benchmark's own, so nothing is
    written into the source tree), whatever this shell says."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "scenarist-bench-pycache")
    return env


@dataclass
class Row:
    shape: Shape
    in_process: list[float]  # seconds
    off: list[tuple[Timing, Timing]]  # end to end: (the whole input, 2 items)
    on: list[tuple[Timing, Timing]]
    path_off: list[float]  # the run path after start-up, seconds
    path_on: list[float]

    def seconds(self, runs: list[tuple[Timing, Timing]], cpu: bool = False) -> float:
        """The run's own time: the medians' difference (one slow start-up among the
        repetitions moves it less than a median of differences would)."""
        k = 1 if cpu else 0
        return (statistics.median(r[0][k] for r in runs)
                - statistics.median(r[1][k] for r in runs))

    def rate(self, runs: list[tuple[Timing, Timing]]) -> float:
        return self.shape.bundles / self.seconds(runs)

    def in_process_rate(self) -> float:
        return self.shape.bundles / statistics.median(self.in_process)

    def path_ratio(self) -> float:
        return statistics.median(self.path_on) / statistics.median(self.path_off)


def measure(shape: Shape, repeat: int, folder: Path) -> Row:
    slug = shape.name.split(",")[0].split()[0]
    blueprint = folder / f"{slug}.blueprint.json"
    blueprint.write_text(json.dumps(shape.blueprint()))
    big, small = folder / f"{slug}-big.json", folder / f"{slug}-small.json"
    big.write_text(json.dumps({"body": shape.body(shape.items)}))
    small.write_text(json.dumps({"body": shape.body(2)}))
    row = Row(shape, [], [], [], [], [])
    process_seconds(blueprint, small, True)  # bytecode compiled and cached before timing
    for k in range(repeat):
        row.in_process.append(in_process_seconds(shape))
        order = (k % 2 == 0, k % 2 == 1)  # alternate which goes first
        wholes = {history: process_seconds(blueprint, big, history) for history in order}
        for history in order:  # the whole runs back to back: they share the machine's phase
            start_up = process_seconds(blueprint, small, history)
            (row.on if history else row.off).append((wholes[history], start_up))
        for history in order:
            (row.path_on if history else row.path_off).append(run_path_seconds(shape, history))
        print(f"  {shape.name}: repetition {k + 1}/{repeat} done", file=sys.stderr, flush=True)
    return row


def _spread(row: Row, seconds: list[float]) -> str:
    rates = sorted(row.shape.bundles / s for s in seconds)
    return f"{rates[0]:,.0f}–{rates[-1]:,.0f}"


def _differences(runs: list[tuple[Timing, Timing]]) -> list[float]:
    return [whole.wall - start_up.wall for whole, start_up in runs]


def print_table(rows: list[Row]) -> None:
    print("| shape | in-process bundles/s | end to end, --no-history | ratio (≥ 0.70) "
          "| end to end, history on | history on/off (≤ 1.3) | run path: history on/off |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        inp, off, on = row.in_process_rate(), row.rate(row.off), row.rate(row.on)
        print(f"| {row.shape.name} | {inp:,.0f} | {off:,.0f} | {off / inp:.2f} | {on:,.0f} "
              f"| {off / on:.2f}× | {row.path_ratio():.2f}× |")
    print()
    print("Ranges over the repetitions (bundles/s; end to end: each run minus its own 2-item "
          "run):")
    for row in rows:
        print(f"- {row.shape.name}: in-process {_spread(row, row.in_process)}, "
              f"--no-history {_spread(row, _differences(row.off))}, "
              f"history on {_spread(row, _differences(row.on))}")
    for row in rows:
        paired = sorted(on / off for on, off in zip(row.path_on, row.path_off, strict=True))
        print(f"- {row.shape.name}: run path (start_run to finish, after a 2-item run) history off "
              f"{statistics.median(row.path_off) * 1000:.0f} ms, on "
              f"{statistics.median(row.path_on) * 1000:.0f} ms; each repetition's on/off "
              f"{paired[0]:.2f}–{paired[-1]:.2f}×")
    for row in rows:
        start_up = statistics.median(r[1].wall for r in row.off + row.on)
        by_cpu = row.seconds(row.on, cpu=True) / row.seconds(row.off, cpu=True)
        print(f"- {row.shape.name}: start-up (the 2-item run) {start_up:.2f} s; history "
              f"on/off by CPU time (user + system, all threads) {by_cpu:.2f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "ITEMS"), help=argparse.SUPPRESS)
    parser.add_argument("--path-child", nargs=3, metavar=("KIND", "ITEMS", "HISTORY"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=9, help="repetitions (median reported)")
    parser.add_argument("--quick", action="store_true", help="inputs 10x smaller")
    parser.add_argument("--shape", choices=["router", "chain"], help="only this shape")
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], int(args.child[1]))
        return
    if args.path_child:
        kind, items, history = args.path_child
        _path_child(kind, int(items), history == "on")
        return
    chosen = [s for s in shapes(10 if args.quick else 1)
              if args.shape is None or s.name.startswith(args.shape)]
    with tempfile.TemporaryDirectory(prefix="scenarist-bench-") as tmp:
        rows = [measure(shape, args.repeat, Path(tmp)) for shape in chosen]
    print_table(rows)


if __name__ == "__main__":
    main()
