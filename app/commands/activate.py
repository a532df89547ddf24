"""`scenarist activate FILE [--schedule WHEN] [--catch-up run_once|skip] [--start-from ...]`:
register a blueprint with the workspace's runtime and switch it on.

The file stays where it is (the runtime reads it again when it changes). The blueprint is
checked as `scenarist check` checks it; one that can't run is not activated (exit 2). A
scenario that starts with a webhook gets its URL (printed); one that starts with anything
else runs every 15 minutes unless `--schedule` says otherwise: "every 15m", "daily 09:00",
"weekly mon,fri 08:30", "monthly 1,15 07:00", "yearly dec 24 18:00",
"once 2026-12-24T18:00", "cron '*/5 * * * *'", "on-demand", "immediately" (webhooks only),
each optionally followed by "from DATE" and/or "until DATE". Times are in the `timezone`
setting (default: this computer's). A polling trigger starts "from now on" unless
`--start-from` says all, last:N, id:ID or a date.

The running runtime (`scenarist serve`, or the window) picks the change up within seconds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "activate", help="register a scenario and switch it on (schedules and webhooks)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", metavar="FILE", help="a blueprint file")
    parser.add_argument("--schedule", metavar="WHEN", help="when it runs (see above)")
    parser.add_argument("--catch-up", choices=["run_once", "skip"],
                        help="after sleep or downtime: run a missed time once (default), "
                             "or skip it")
    parser.add_argument("--start-from", metavar="WHERE",
                        help="polling triggers: now (default), all, last:N, id:ID, or a date")
    parser.add_argument("--json", action="store_true", help="print the scenario as JSON")
    return parser


def parse_start_from(text: str) -> dict[str, Any]:
    kind, _, value = text.partition(":")
    kind = kind.strip().lower()
    if kind in ("now", "all") and not value:
        return {"mode": kind}
    if kind == "last":
        try:
            count = int(value)
        except ValueError:
            raise ValueError(f"--start-from {text!r}: last:N takes a number") from None
        if count < 1:
            raise ValueError(f"--start-from {text!r}: N must be at least 1")
        return {"mode": "last", "count": count}
    if kind == "id" and value:
        return {"mode": "id", "id": value}
    from engine.runtime.schedule import zone_of
    from engine.runtime.schedule_model import parse_instant
    from engine.runtime.settings import local_zone_name

    try:
        when = parse_instant(text, zone_of(local_zone_name()))
    except ValueError:
        raise ValueError(f"--start-from {text!r}: use now, all, last:N, id:ID or a date "
                         "(2026-12-01T00:00)") from None
    return {"mode": "since", "date": when.isoformat()}


def run(args: argparse.Namespace) -> int:
    from engine.runtime import (
        RegistryError,
        ScenarioLoadError,
        ScheduleError,
        Workspace,
        activate_file,
        parse_schedule_option,
        scenario_statuses,
    )

    file = Path(args.file)
    if not file.is_file():
        print(f"scenarist activate: no such file: {args.file}", file=sys.stderr)
        return 2
    try:
        schedule = parse_schedule_option(args.schedule) if args.schedule else None
        start_from = parse_start_from(args.start_from) if args.start_from else None
    except (ScheduleError, ValueError) as exc:
        print(f"scenarist activate: {exc}", file=sys.stderr)
        return 2
    workspace = Workspace.resolve(args.data_dir)
    try:
        activated = activate_file(workspace, file, schedule=schedule, catch_up=args.catch_up,
                                  start_from=start_from)
    except ScenarioLoadError as exc:
        print(f"scenarist activate: {exc}", file=sys.stderr)
        return 2
    except (ScheduleError, RegistryError) as exc:
        print(f"scenarist activate: {exc}", file=sys.stderr)
        return 2
    for warning in activated.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    status = next(s for s in scenario_statuses(workspace) if s.name == activated.entry.name)
    if args.json:
        sys.stdout.buffer.write(orjson.dumps(status.as_json()) + b"\n")
    else:
        print(f"activated {status.name!r}: {status.schedule_text}")
        if status.webhook_url:
            print(f"webhook URL: {status.webhook_url}")
    owner = workspace.owner()
    if owner is None:
        print("scenarist activate: no runtime runs this workspace yet: start one with "
              "`scenarist serve` (or open the window)", file=sys.stderr)
    return 0
