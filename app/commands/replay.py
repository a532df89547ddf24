"""`scenarist replay EXEC_ID [--deterministic] [--from MODULE_ID [--input-bundle FILE.json]]`:
run a past execution again, live with its original trigger data, or exactly as it happened
from its recorded external effects (no network, no data store writes)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

import orjson

from engine.crash import describe
from engine.errors import BlueprintError, ScenaristError
from engine.report import OutputCollector, build_report, summary_text
from engine.runtime.workspace import Workspace


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "replay", help="run a past execution again (live, or deterministically)",
        description=__doc__,
    )
    parser.add_argument("execution_id", metavar="EXEC_ID", help="an id from `history list`")
    parser.add_argument("--deterministic", action="store_true",
                        help="feed back the run's recorded HTTP responses, data store reads,"
                             " time and randomness: it reproduces exactly, touching nothing")
    parser.add_argument("--from", dest="from_module", type=int, metavar="MODULE_ID",
                        help="start at this module, with the bundles it saw in that run")
    parser.add_argument("--operation", type=int, default=1, metavar="N",
                        help="with --from: start at the module's N-th operation (default 1)")
    parser.add_argument("--input-bundle", metavar="FILE.json",
                        help="with --from: the module's input to use instead (a JSON object)")
    parser.add_argument("--report", choices=["json", "summary"],
                        help="print the run report as JSON (summary: without the bundles)")
    parser.add_argument("--no-history", action="store_true",
                        help="do not record the replay in the history")
    return parser


def run(args: argparse.Namespace) -> int:
    if args.input_bundle and args.from_module is None:
        print("scenarist replay: --input-bundle needs --from MODULE_ID", file=sys.stderr)
        return 2
    try:
        edited = _read_bundle(args.input_bundle) if args.input_bundle else None
    except ValueError as exc:
        print(f"scenarist replay: {exc}", file=sys.stderr)
        return 2
    workspace = Workspace.resolve(args.data_dir)
    for recovered in workspace.recover():
        print(f"scenarist: {describe(recovered)}", file=sys.stderr)
    from engine.replay import replay

    collector = OutputCollector() if args.report == "json" else None
    try:
        outcome = asyncio.run(replay(
            workspace, args.execution_id, deterministic=args.deterministic,
            from_module=args.from_module, occurrence=args.operation, input_bundle=edited,
            history=not args.no_history, listeners=[collector] if collector else [],
        ))
    except (ScenaristError, BlueprintError) as exc:
        print(f"scenarist replay: {exc}", file=sys.stderr)
        return 1
    result = outcome.result
    if args.report:
        report = build_report(outcome.plan, result, collector)
        report.update({"execution_id": outcome.execution_id, "replay_of": outcome.original_id,
                       "deterministic": outcome.deterministic})
        sys.stdout.buffer.write(orjson.dumps(report) + b"\n")
    else:
        print(summary_text(outcome.plan.blueprint.name or "scenario", result))
        print(f"  replay of {outcome.original_id[:12]}"
              + (" (deterministic)" if outcome.deterministic else ""))
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 1 if result.status == "error" else 0


def _read_bundle(path: str) -> dict[str, Any]:
    try:
        data = orjson.loads(Path(path).read_bytes())
    except OSError as exc:
        raise ValueError(f"--input-bundle {path}: {exc.strerror}") from None
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"--input-bundle {path}: not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError(f"--input-bundle {path}: expected a JSON object (the module's input)")
    return data
