"""`scenarist settings [list] [--json] | set KEY VALUE`: the workspace's runtime settings.

port (8765) and host (127.0.0.1; 0.0.0.0 makes hooks reachable from the network, with a
warning), public_url (what external services are given for this machine's hooks: a tunnel
or a reverse proxy), timezone (schedules; default this computer's), catch_up (run_once or
skip), keep_running_in_tray, notifications, start_at_login, max_parallel_runs, theme
(light, dark or system), history_days (executions kept this many days; 0: no age limit),
granted_folders (the folders the Files on this computer modules may use, with everything in
them: several separated by ':' (';' on Windows) or a JSON list; `none` grants none).
A running runtime applies a new port or host at its next start.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any

import orjson

from app.commands.actions import action_adder


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "settings", help="runtime settings: port, host, public URL, time zone, ...",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    action = action_adder(parser)
    listing = action("list", "every setting and its value")
    listing.add_argument("--json", action="store_true", help="print JSON")
    change = action("set", "change one setting (none: back to the default)")
    change.add_argument("key", metavar="KEY")
    change.add_argument("value", metavar="VALUE")
    return parser


def run(args: argparse.Namespace) -> int:
    from engine.runtime import SettingsError, Workspace, load_settings, save_setting
    from engine.runtime.settings import parse_value

    engine = Workspace.resolve(args.data_dir).state
    if args.action == "set":
        try:
            settings = save_setting(engine, args.key, parse_value(args.key, args.value))
        except SettingsError as exc:
            print(f"scenarist settings: {exc}", file=sys.stderr)
            return 2
        print(f"{args.key} = {getattr(settings, args.key)!r}")
        for warning in settings.warnings():
            print(f"warning: {warning}", file=sys.stderr)
        return 0
    settings = load_settings(engine)
    values = dataclasses.asdict(settings) | {"timezone (in use)": settings.zone}
    if getattr(args, "json", False):
        sys.stdout.buffer.write(orjson.dumps(dataclasses.asdict(settings)) + b"\n")
        return 0
    for key, value in values.items():
        print(f"{key} = {value!r}")
    return 0
