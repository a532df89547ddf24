"""`scenarist apps list|check`: the apps this workspace runs (built-ins, shipped connectors,
the workspace's `apps/` folder, installed packages) and a check of one app folder."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import orjson

from app.commands.actions import action_adder
from engine.store.workspace import resolve_workspace


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "apps", help="list the apps and modules available, check an app folder",
        description=__doc__,
    )
    action = action_adder(parser)
    listing = action("list", "every module of every app: app, module, label, kind")
    listing.add_argument("--json", action="store_true", help="print JSON")
    check = action("check", "load an app folder (makecomapp.json) and report its problems")
    check.add_argument("folder", metavar="FOLDER")
    check.add_argument("--json", action="store_true", help="print JSON")
    return parser


def run(args: argparse.Namespace) -> int:
    if args.action == "list":
        return _list(args)
    return _check(args)


def _list(args: argparse.Namespace) -> int:
    from engine.apps import list_apps
    from engine.registry import registry_with_apps

    registry, problems = registry_with_apps(resolve_workspace(args.data_dir))
    for problem in problems:
        print(f"warning: {problem.describe()}", file=sys.stderr)
    rows = list_apps(registry)
    if args.json:
        sys.stdout.buffer.write(orjson.dumps(rows) + b"\n")
        return 0
    for row in rows:
        print(f"{row['module']}  {row['kind']}  {row['label']}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from engine.apps import check_app

    problems = check_app(args.folder)
    errors = [p for p in problems if p.severity == "error"]
    if args.json:
        sys.stdout.buffer.write(orjson.dumps([p.model_dump() for p in problems]) + b"\n")
    else:
        for problem in problems:
            print(f"{problem.severity}: {problem.describe()}")
        print(f"{args.folder}: {'INVALID' if errors else 'OK'} ({len(errors)} errors, "
              f"{len(problems) - len(errors)} other notes)")
    return 1 if errors else 0
