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
warm, `scenarist run` ≤ 0.4 s warm. The CPU column (user + system time of the process,
median) moves less than the wall time when other work shares the machine; for the first
window it also gives, in brackets, the CPU time until the first frame (the rest is what the
window does just after it: the usual database reads, app.gui.first_frame, and quitting). Bytecode is
used as installed: the table says how many of the project's modules have none
(PYTHONDONTWRITEBYTECODE stops Python writing it, so those compile again in every process).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
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


def seconds(argv: Sequence[str]) -> tuple[float, float, float | None]:
    """(wall seconds from exec until the process ends or prints `first-frame`, CPU seconds
    of the whole process, CPU seconds until the first frame as the probe printed them): on
    a busy machine the CPU time moves less."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    elapsed = frame_cpu = None
    for line in proc.stdout:
        words = line.split()
        if words[:1] == ["first-frame"] and elapsed is None:
            elapsed = time.perf_counter() - started
            frame_cpu = float(words[1]) if len(words) > 1 else None
    _, err = proc.communicate()
    ended = time.perf_counter()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{err}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return (elapsed if elapsed is not None else ended - started), cpu, frame_cpu


def without_bytecode() -> tuple[int, int]:
    """(modules of app/engine without up-to-date cached bytecode, all of them)."""
    sources = [p for d in ("app", "engine") for p in (ROOT / d).rglob("*.py")]

    def stale(source: Path) -> bool:
        cached = Path(importlib.util.cache_from_source(str(source)))
        return not cached.exists() or cached.stat().st_mtime < source.stat().st_mtime

    return sum(map(stale, sources)), len(sources)


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
            cold = seconds(argv)[0]
            runs = [seconds(argv) for _ in range(args.repeat)]
            warm = [wall for wall, _, _ in runs]
            cpu = statistics.median(c for _, c, _ in runs)
            frame = [f for _, _, f in runs if f is not None]
            rows.append((name, cold, statistics.median(warm), min(warm), max(warm), cpu,
                         statistics.median(frame) if frame else None))
            print(f"  {name}: done", file=sys.stderr, flush=True)
    print(f"command: {' '.join(command or scenarist_command())}")
    if command is None:
        missing, total = without_bytecode()
        print(f"project modules without cached bytecode: {missing} of {total}")
    print()
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print()
    print("| process | cold s | warm s (median) | warm range s | warm CPU s | target (warm) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, cold, warm, low, high, cpu, frame_cpu in rows:
        target = TARGETS.get(name)
        verdict = "" if target is None else f"≤ {target} {'ok' if warm <= target else 'MISSED'}"
        to_frame = "" if frame_cpu is None else f" ({frame_cpu:.2f} to the frame)"
        print(f"| {name} | {cold:.2f} | {warm:.2f} | {low:.2f}–{high:.2f} | {cpu:.2f}{to_frame} "
              f"| {verdict} |")


if __name__ == "__main__":
    main()
