"""`scenarist run BLUEPRINT [--input REQUEST.json] [--report json|summary]`: run once, headless."""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from pathlib import Path
from typing import Any

import orjson

from app import progress
from engine.errors import BlueprintError, IMLError
from engine.executor.plan import compile_plan
from engine.executor.run import Executor
from engine.executor.services import RunServices
from engine.loading import load_blueprint
from engine.report import OutputCollector, build_report, summary_text
from engine.store.workspace import resolve_workspace


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "run", help="run a blueprint once, headless", description=__doc__
    )
    parser.add_argument("blueprint", metavar="BLUEPRINT.json", help="a Make blueprint file")
    parser.add_argument(
        "--input",
        metavar="REQUEST.json",
        help='the incoming webhook request: {"body": ..., "headers": {...}, "method", "query"}',
    )
    parser.add_argument(
        "--report",
        choices=["json", "summary"],
        help="print the run report as JSON (summary: without the bundles)",
    )
    parser.add_argument(
        "--no-history", action="store_true", help="do not record this run in the history"
    )
    return parser


def run(args: argparse.Namespace) -> int:
    try:
        blueprint = load_blueprint(Path(args.blueprint))
        plan = compile_plan(blueprint)
        request = _read_request(args.input) if args.input else None
    except (BlueprintError, IMLError) as exc:
        print(f"scenarist run: {args.blueprint}: {exc}", file=sys.stderr)
        return 2
    except _BadInput as exc:
        print(f"scenarist run: {exc}", file=sys.stderr)
        return 2
    workspace = resolve_workspace(args.data_dir)
    services = RunServices(
        data_dir=workspace,
        webhook_request=request,
        auto_commit=bool(blueprint.metadata.scenario.autoCommit is not False),
        scenario_name=blueprint.name or Path(args.blueprint).stem,
        execution_id=uuid.uuid4().hex,
    )
    collector = OutputCollector() if args.report == "json" else None
    listeners: list[Any] = [collector] if collector is not None else []
    recorder = None
    if not args.no_history:
        from engine.history import start_recording  # sqlalchemy loads only when recording

        recorder = start_recording(workspace, blueprint, plan, services,
                                   trigger="webhook" if request is not None else "manual")
        listeners.append(recorder)
    executor = Executor(plan, services, listeners)
    result = asyncio.run(
        progress.while_running(
            executor.run(), lambda: f"running: {sum(executor.ops.values()):,} operations"
        )
    )
    if recorder is not None:
        recorder.finish(result)
    if args.report:
        report = build_report(plan, result, collector)
        sys.stdout.buffer.write(orjson.dumps(report) + b"\n")
        for warning in result.warnings:  # stdout is for the machine; tell the person too
            print(f"warning: {warning}", file=sys.stderr)
    else:
        print(summary_text(services.scenario_name, result))
    return 1 if result.status == "error" else 0


class _BadInput(Exception):
    pass


def _read_request(path: str) -> dict[str, Any]:
    try:
        data = orjson.loads(Path(path).read_bytes())
    except OSError as exc:
        raise _BadInput(f"--input {path}: {exc.strerror}") from None
    except orjson.JSONDecodeError as exc:
        raise _BadInput(f"--input {path}: not JSON ({exc})") from None
    if not isinstance(data, dict) or "body" not in data:
        raise _BadInput(f'--input {path}: expected {{"body": ..., "headers": {{}}, ...}}')
    return data
