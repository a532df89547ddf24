"""`scenarist scenarios list [--json] | remove NAME`: the scenarios registered with the
workspace's runtime: active or not, schedule, next run, webhook URL, queued requests.

`list --json` prints `[{"name", "active", "schedule", "next_run", "webhook_url", "queue",
...}]`; webhook URLs carry the port of the runtime serving the workspace (or the configured
one when none runs). `remove` forgets a scenario (deactivate it first); its file stays.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import orjson

from app.commands.actions import action_adder


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "scenarios", help="registered scenarios: list, remove", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    action = action_adder(parser)
    listing = action("list", "every registered scenario and what it is doing")
    listing.add_argument("--json", action="store_true", help="print JSON")
    remove = action("remove", "forget a (deactivated) scenario; its file stays")
    remove.add_argument("name", metavar="NAME")
    return parser


def run(args: argparse.Namespace) -> int:
    from engine.runtime import Workspace, scenario_statuses

    workspace = Workspace.resolve(args.data_dir)
    if args.action == "remove":
        return _remove(workspace, args.name)

    statuses = scenario_statuses(workspace)
    if args.json:
        sys.stdout.buffer.write(orjson.dumps([s.as_json() for s in statuses]) + b"\n")
        return 0
    if not statuses:
        print("no registered scenario: activate one with `scenarist activate FILE`")
        return 0
    owner = workspace.owner()
    print(f"runtime: {owner.describe() if owner else 'none runs this workspace'}")
    for s in statuses:
        state = "active" if s.active else "inactive"
        print(f"{s.name}  [{state}]  {s.schedule_text}")
        if s.next_run:
            print(f"    next run: {s.next_run.astimezone().isoformat(timespec='seconds')}")
        if s.webhook_url:
            print(f"    webhook: {s.webhook_url}  ({s.queue} queued)")
        if s.deactivated_reason:
            print(f"    deactivated: {s.deactivated_reason}")
    return 0


def _remove(workspace: Any, name: str) -> int:
    from engine.runtime import RegistryError, remove_scenario

    try:
        entry = remove_scenario(workspace, name)
    except RegistryError as exc:
        print(f"scenarist scenarios: {exc}", file=sys.stderr)
        return 1
    print(f"removed {name!r} (its file {entry.file} stays)")
    import asyncio

    from engine.errors import ScenaristError
    from engine.runtime.app_hooks import detach_scenario

    try:
        if asyncio.run(detach_scenario(workspace, entry)):
            print("its webhook is unregistered from the service")
    except (ScenaristError, OSError) as exc:
        print(f"warning: its webhook could not be unregistered from the service ({exc}); "
              "remove it there by hand", file=sys.stderr)
    return 0
