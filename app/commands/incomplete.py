"""`scenarist incomplete list|show|retry|delete`: runs stored to be finished later (Make's
incomplete executions): a Break, an unhandled error with incomplete executions allowed, or a
run whose process died."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

import orjson

from app.commands.actions import action_adder
from engine.crash import describe
from engine.errors import ScenaristError
from engine.report import OutputCollector, build_report, summary_text
from engine.runtime.workspace import Workspace
from engine.values import to_json_value

STATUSES = ["pending", "resolved", "deleted"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "incomplete", help="list, inspect, retry and delete incomplete executions",
        description=__doc__,
    )
    action = action_adder(parser)

    listing = action("list", "incomplete executions waiting, oldest first")
    listing.add_argument("--scenario", metavar="NAME", help="only this scenario")
    listing.add_argument("--status", choices=STATUSES, default="pending",
                         help="which ones (default: pending)")
    listing.add_argument("--all", action="store_true", help="every status")
    listing.add_argument("--json", action="store_true", help="print JSON")

    show = action("show", "one incomplete execution with its stored bundles")
    show.add_argument("incomplete_id", metavar="ID")
    show.add_argument("--json", action="store_true", help="print JSON")

    retry = action("retry", "resume at the failed module and finish the run")
    retry.add_argument("incomplete_id", metavar="ID", nargs="?")
    retry.add_argument("--all", action="store_true",
                       help="retry every pending one (oldest first)")
    retry.add_argument("--scenario", metavar="NAME", help="with --all: only this scenario")
    retry.add_argument("--report", choices=["json", "summary"],
                       help="print the run report as JSON (summary: without the bundles)")
    retry.add_argument("--no-history", action="store_true",
                       help="do not record the retry in the history")

    delete = action("delete", "drop an incomplete execution (it will not be retried)")
    delete.add_argument("incomplete_id", metavar="ID")
    return parser


def _print_json(value: Any) -> None:
    sys.stdout.buffer.write(orjson.dumps(to_json_value(value),
                                         option=orjson.OPT_NON_STR_KEYS) + b"\n")


def run(args: argparse.Namespace) -> int:
    workspace = Workspace.resolve(args.data_dir)
    for recovered in workspace.recover():
        print(f"scenarist: {describe(recovered)}", file=sys.stderr)
    from engine.store.incomplete import IncompleteNotFound
    engine = workspace.state
    try:
        if args.action == "list":
            return _list(args, engine)
        if args.action == "show":
            return _show(args, engine)
        if args.action == "delete":
            return _delete(args, engine)
        return _retry(args, workspace, engine)
    except (IncompleteNotFound, ScenaristError) as exc:
        print(f"scenarist incomplete: {exc}", file=sys.stderr)
        return 1


# ------------------------------------------------------------------------ views


def _module_names(engine: Any, sha256: str, cache: dict[str, dict[int, str]]) -> dict[int, str]:
    if sha256 not in cache:
        from engine.edits.tree import modules
        from engine.loading import blueprint_from_data
        from engine.store.incomplete import load_blueprint_json

        try:
            blueprint = blueprint_from_data(load_blueprint_json(engine, sha256))
            cache[sha256] = {node.id: node.module for _place, node in modules(blueprint)}
        except (ScenaristError, LookupError):
            cache[sha256] = {}
    return cache[sha256]


def _entry(record: Any, names: dict[int, str]) -> dict[str, Any]:
    def iso(value: Any) -> str | None:
        return None if value is None else value.isoformat().replace("+00:00", "Z")

    return {
        "id": record.id, "scenario": record.scenario, "execution_id": record.execution_id,
        "module_id": record.module_id, "module": names.get(record.module_id),
        "reason": record.reason, "error": record.error, "status": record.status,
        "attempts": record.attempts, "retry": record.retry,
        "next_retry_at": iso(record.next_retry_at), "created_at": iso(record.created_at),
        "updated_at": iso(record.updated_at), "last_execution_id": record.last_execution_id,
        "resolved_by": record.resolved_by,
    }


def _list(args: argparse.Namespace, engine: Any) -> int:
    from engine.store.incomplete import list_incomplete

    records = list_incomplete(engine, scenario=args.scenario,
                              status=None if args.all else args.status)
    cache: dict[str, dict[int, str]] = {}
    rows = [_entry(r, _module_names(engine, r.blueprint_sha256, cache)) for r in records]
    if args.json:
        _print_json(rows)
        return 0
    if not rows:
        print("no incomplete executions")
    for row in rows:
        error = (row["error"] or {}).get("message", "")
        print(f"{row['id'][:12]}  {row['created_at']}  {row['status']:<8} {row['scenario']}"
              f"  module {row['module_id']} ({row['module']})  {row['reason']}: {error}"
              f"  attempts {row['attempts']}"
              + (f"  next retry {row['next_retry_at']}" if row["next_retry_at"] else ""))
    return 0


def _show(args: argparse.Namespace, engine: Any) -> int:
    from engine.store.incomplete import get_incomplete

    record = get_incomplete(engine, args.incomplete_id)
    entry = _entry(record, _module_names(engine, record.blueprint_sha256, {}))
    entry.update({
        "bundles": {str(k): v for k, v in record.bundles.items()},
        "execution_vars": record.execution_vars, "trigger": record.trigger,
        "blueprint_sha256": record.blueprint_sha256,
    })
    if args.json:
        _print_json(entry)
        return 0
    print(f"{entry['id']}  {entry['scenario']}: {entry['status']} ({entry['reason']})")
    print(f"  from execution {entry['execution_id']}, module {entry['module_id']}"
          f" ({entry['module']}), attempts {entry['attempts']}")
    if entry["error"]:
        print(f"  error: {entry['error'].get('name')}: {entry['error'].get('message')}")
    text = orjson.dumps(to_json_value(entry["bundles"]), option=orjson.OPT_INDENT_2).decode()
    print("  bundles: " + text.replace("\n", "\n  "))
    return 0


def _delete(args: argparse.Namespace, engine: Any) -> int:
    from engine.store.incomplete import delete_incomplete, get_incomplete

    record = get_incomplete(engine, args.incomplete_id)
    if not delete_incomplete(engine, record.id):
        print(f"scenarist incomplete: {record.id} is {record.status}, not pending",
              file=sys.stderr)
        return 1
    print(f"deleted incomplete execution {record.id}")
    return 0


# ------------------------------------------------------------------------ retry


def _retry(args: argparse.Namespace, workspace: Any, engine: Any) -> int:
    from engine.store.incomplete import list_incomplete

    if args.all == (args.incomplete_id is not None):
        print("scenarist incomplete retry: give an ID, or --all", file=sys.stderr)
        return 2
    ids = ([r.id for r in list_incomplete(engine, scenario=args.scenario)] if args.all
           else [args.incomplete_id])
    reports = []
    failed = False
    for incomplete_id in ids:
        report, ok = _retry_one(args, workspace, incomplete_id)
        failed = failed or not ok
        reports.append(report)
    if args.report:
        _print_json(reports if args.all else reports[0])
    elif args.all and not ids:
        print("no incomplete executions to retry")
    return 1 if failed else 0


def _retry_one(args: argparse.Namespace, workspace: Any, incomplete_id: str
               ) -> tuple[dict[str, Any], bool]:
    from engine.incomplete.retry import retry_incomplete

    collector = OutputCollector() if args.report == "json" else None
    outcome = asyncio.run(retry_incomplete(
        workspace, incomplete_id, history=not args.no_history,
        listeners=[collector] if collector is not None else [],
    ))
    report = build_report(outcome.plan, outcome.result, collector)
    record = outcome.incomplete
    report.update({
        "execution_id": outcome.execution_id, "resumed_from": record.execution_id,
        "incomplete": {
            "id": record.id, "status": record.status, "attempts": record.attempts,
            "next_retry_at": None if record.next_retry_at is None
            else record.next_retry_at.isoformat().replace("+00:00", "Z"),
            "new": outcome.new_incomplete_ids,
        },
    })
    if not args.report:
        print(summary_text(record.scenario, outcome.result))
        print("  incomplete execution " + record.id[:12] + (
            " resolved" if outcome.resolved else f" still pending (attempt {record.attempts})"))
    for warning in outcome.result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return report, outcome.result.status != "error"
