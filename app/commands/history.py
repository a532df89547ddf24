"""`scenarist history list|show|diff|prune`: the runs recorded in the workspace's history.db."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import orjson

from app.commands.actions import action_adder
from engine.history.queries import (
    ExecutionNotFound,
    diff_executions,
    list_executions,
    show_execution,
    stored_blueprint,
)
from engine.history.retention import RetentionSettings, prune
from engine.store.history_db import history_exists, open_history_engine
from engine.store.workspace import resolve_workspace

STATUSES = ["success", "warning", "error", "running"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "history", help="list, show and compare past runs", description=__doc__
    )
    action = action_adder(parser)

    listing = action("list", "past executions, newest first (check runs hidden)")
    listing.add_argument("--scenario", metavar="NAME", help="only this scenario")
    listing.add_argument("--status", choices=STATUSES, help="only runs with this status")
    listing.add_argument("--all", action="store_true", help="include check runs")
    listing.add_argument("--limit", type=int, metavar="N", help="at most N executions")
    listing.add_argument("--json", action="store_true", help="print JSON")

    show = action("show", "one execution: its run report, ids and times")
    show.add_argument("execution_id", metavar="EXEC_ID")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.add_argument("--operations", action="store_true",
                      help="add every operation with its input and output bundles")
    show.add_argument("--blueprint", action="store_true",
                      help="print the scenario's blueprint as it was in that run")

    diff = action("diff", "compare two executions: per module, the bundles that differ")
    diff.add_argument("a", metavar="EXEC_A")
    diff.add_argument("b", metavar="EXEC_B")
    diff.add_argument("--json", action="store_true", help="print JSON")

    prune_cmd = action("prune", "delete old runs (by age and total size), then vacuum")
    defaults = RetentionSettings.from_env()
    prune_cmd.add_argument("--max-age-days", type=float, default=defaults.max_age_days,
                           help="keep runs younger than this (default: %(default)s)")
    prune_cmd.add_argument("--max-size-mb", type=float, default=defaults.max_total_mb,
                           help="keep the newest runs that fit (default: %(default)s)")
    prune_cmd.add_argument("--no-vacuum", action="store_true", help="skip VACUUM")
    prune_cmd.add_argument("--json", action="store_true", help="print JSON")
    return parser


def _print_json(value: Any) -> None:
    sys.stdout.buffer.write(orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS) + b"\n")


def run(args: argparse.Namespace) -> int:
    workspace = resolve_workspace(args.data_dir)
    if not history_exists(workspace) and args.action != "prune":
        if args.action == "list":
            _print_json([]) if args.json else print("no runs recorded yet")
            return 0
        print(f"scenarist history: no history in {workspace}", file=sys.stderr)
        return 1
    engine = open_history_engine(workspace)
    try:
        return _dispatch(args, engine, workspace)
    except ExecutionNotFound as exc:
        print(f"scenarist history: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()


def _dispatch(args: argparse.Namespace, engine: Any, workspace: Any) -> int:
    if args.action == "list":
        rows = list_executions(engine, workspace, scenario=args.scenario, status=args.status,
                               include_check_runs=args.all, limit=args.limit)
        if args.json:
            _print_json(rows)
        else:
            for row in rows:
                flag = " (check run)" if row["check_run"] else ""
                print(f"{row['id'][:12]}  {row['started_at']}  {row['status']:<8} "
                      f"{row['operations']:>6} ops  {row['data_transfer']:>9} B  "
                      f"{row['scenario']}{flag}")
        return 0
    if args.action == "show":
        if args.blueprint:
            _print_json(stored_blueprint(engine, workspace, args.execution_id))
            return 0
        report = show_execution(engine, workspace, args.execution_id,
                                with_operations=args.operations)
        if args.json or args.operations:
            _print_json(report)
        else:
            print(_show_text(report))
        return 0
    if args.action == "diff":
        diff = diff_executions(engine, workspace, args.a, args.b)
        if args.json:
            _print_json(diff)
        else:
            print(_diff_text(diff))
        return 0
    settings = RetentionSettings(max_age_days=args.max_age_days or None,
                                 max_total_mb=args.max_size_mb or None,
                                 vacuum=not args.no_vacuum)
    result = prune(engine, workspace, settings)
    if args.json:
        _print_json(result.__dict__)
    else:
        print(f"deleted {result.deleted_executions} executions, {result.deleted_blobs} blobs;"
              f" history.db {result.size_before:,} -> {result.size_after:,} bytes")
    return 0


def _show_text(report: dict[str, Any]) -> str:
    lines = [
        f"{report['scenario']}: {report['status']}  ({report['id']})",
        f"  started {report['started_at']}  finished {report['finished_at']}"
        f"  trigger {report['trigger']}",
        f"  operations: {report['operations']}   data transfer: {report['data_transfer']} bytes",
    ]
    if report.get("error"):
        lines.append(f"  error: {report['error'].get('message')}")
    for module_id, module in report["modules"].items():
        lines.append(f"  module {module_id} {module['module']}: {module['operations']} ops,"
                     f" {len(module['outputs'])} bundles, {len(module['errors'])} errors")
    return "\n".join(lines)


def _diff_text(diff: dict[str, Any]) -> str:
    if diff["same"]:
        return f"{diff['a']} and {diff['b']}: no differences"
    lines = [f"{diff['a']} vs {diff['b']}"]
    for name, sides in diff["run"].items():
        lines.append(f"  {name}: {sides['a']!r} -> {sides['b']!r}")
    for module_id, module in diff["modules"].items():
        ops = module["operations"]
        lines.append(f"  module {module_id} ({module['module']}): {ops['a']} vs {ops['b']}"
                     " operations")
        for bundle in module["bundles"]:
            where = f"    operation {bundle['operation']}"
            if "bundle" in bundle:
                where += f", {bundle['bundle']}"
            if "only_in" in bundle:
                lines.append(f"{where}: only in {bundle['only_in']}")
                continue
            for change in bundle["paths"]:
                lines.append(f"{where}: {change['path']}: "
                             f"{orjson.dumps(change['a']).decode()} -> "
                             f"{orjson.dumps(change['b']).decode()}")
    if diff["confidential"]:
        lines.append("  (a confidential run stores no bundles: only counts are compared)")
    return "\n".join(lines)
