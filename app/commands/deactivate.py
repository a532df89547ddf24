"""`scenarist deactivate NAME|FILE`: switch a registered scenario off.

Its schedule stops within seconds in the running runtime; its webhook keeps its URL and
keeps accepting requests into its queue (as Make's does), which run when it is activated
again. Runs going on finish.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "deactivate", help="switch a scenario off", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("scenario", metavar="NAME|FILE",
                        help="the scenario's name (scenarist scenarios list), or its file")
    return parser


def run(args: argparse.Namespace) -> int:
    from engine.runtime import RegistryError, Workspace, deactivate_scenario

    workspace = Workspace.resolve(args.data_dir)
    try:
        entry = deactivate_scenario(workspace, args.scenario)
    except RegistryError as exc:
        print(f"scenarist deactivate: {exc}", file=sys.stderr)
        return 1
    print(f"deactivated {entry.name!r}")
    return 0
