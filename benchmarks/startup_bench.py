"""Start-up as a person waits for it: whole processes, from exec to exit (or first frame).

`uv run python -m benchmarks.startup_bench [--repeat N] [--command PATH]`

Rows:
- `scenarist --help`;
- `scenarist run` of a 2-module blueprint (examples/hello-world.json), with history (the
  default) and with `--no-history`, in a workspace that already exists;
- the first window: `scenarist open` of the same file on the offscreen platform, until the
  window's first frame is rendered (benchmarks.first_window_probe; not with `--command`,
  where no probe can be put inside);
- `scenarist open --screenshot` as a whole (it waits 1.2 s on purpose for the layout).

Cold is the first run of each (after the others' runs: files in the page cache, bytecode
as installed); warm is the median of the next N. Targets (issue #15): first window ≤ 1 s
warm, `scenarist run` ≤ 0.4 s warm. Bytecode is used as installed: the table says how many
of the project's modules have none (PYTHONDONTWRITEBYTECODE stops Python writing it, so
those compile again in every process).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "hello-world.json"
TARGETS = {"run": 0.4, "run --no-history": 0.4, "first window": 1.0}


def scenarist_command() -> list[str]:
    """The installed command next to this interpreter (no `uv run` in the timing)."""
    script = Path(sys.executable).with_name("scenarist")
    return [str(script)] if script.exists() else [sys.executable, "-m", "app"]


def cases(command: list[str] | None, data_dir: str, shot: str) -> dict[str, list[str]]:
    own = command is None
    cmd = command or scenarist_command()
    run = [*cmd, "run", str(EXAMPLE), "--data-dir", data_dir]
    opened = ["open", str(EXAMPLE), "--data-dir", data_dir]
    probe = [sys.executable, "-m", "benchmarks.first_window_probe", *opened[1:]]
    rows = {
        "--help": [*cmd, "--help"],
        "run": run,
        "run --no-history": [*run, "--no-history"],
        "first window": probe,
        "open --screenshot": [*cmd, *opened, "--screenshot", shot],
    }
    if not own:  # no probe fits inside another build: its screenshot alone says it
        del rows["first window"]
    return rows


def seconds(argv: Sequence[str]) -> float:
    """From exec until the process ends or prints `first-frame`."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    elapsed = None
    for line in proc.stdout:
        if line.strip() == "first-frame" and elapsed is None:
            elapsed = time.perf_counter() - started
    _, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{err}")
    return elapsed if elapsed is not None else time.perf_counter() - started


def without_bytecode() -> tuple[int, int]:
    """(modules of app/engine without cached bytecode, all of them)."""
    sources = [p for d in ("app", "engine") for p in (ROOT / d).rglob("*.py")]
    missing = sum(not Path(importlib.util.cache_from_source(str(p))).exists() for p in sources)
    return missing, len(sources)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="warm runs per row (median)")
    parser.add_argument("--command", help="the scenarist to time (default: this checkout's)")
    args = parser.parse_args()
    command = [args.command] if args.command else None
    with tempfile.TemporaryDirectory(prefix="scenarist-startup-") as folder:
        data_dir, shot = f"{folder}/ws", f"{folder}/shot.png"
        subprocess.run([*(command or scenarist_command()), "run", str(EXAMPLE), "--data-dir",
                        data_dir], capture_output=True, check=True)  # the workspace exists
        rows = []
        for name, argv in cases(command, data_dir, shot).items():
            cold = seconds(argv)
            warm = [seconds(argv) for _ in range(args.repeat)]
            rows.append((name, cold, statistics.median(warm), min(warm), max(warm)))
            print(f"  {name}: done", file=sys.stderr, flush=True)
    print(f"command: {' '.join(command or scenarist_command())}")
    if command is None:
        missing, total = without_bytecode()
        print(f"project modules without cached bytecode: {missing} of {total}")
    print()
    print("| process | cold s | warm s (median) | warm range s | target |")
    print("| --- | --- | --- | --- | --- |")
    for name, cold, warm, low, high in rows:
        target = TARGETS.get(name)
        verdict = "" if target is None else f"≤ {target} {'ok' if warm <= target else 'MISSED'}"
        print(f"| {name} | {cold:.2f} | {warm:.2f} | {low:.2f}–{high:.2f} | {verdict} |")


if __name__ == "__main__":
    main()
