"""The `scenarist` command line."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from app.commands import COMMANDS


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser; only the command named in `argv` is loaded, the others are listed."""
    parser = argparse.ArgumentParser(
        prog="scenarist",
        description="Make-style automation scenarios on your own machine.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = next((a for a in argv if not a.startswith("-")), None)
    for name, summary in COMMANDS.items():
        if name != wanted:
            sub.add_parser(name, help=summary)  # listed, not loaded
            continue
        module = importlib.import_module(f"app.commands.{name}")
        cmd = module.add_parser(sub)
        cmd.add_argument(
            "--data-dir",
            metavar="DIR",
            help="workspace folder (default: $SCENARIST_HOME, else the user data folder)",
        )
        cmd.set_defaults(handler=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)  # exits 2 on bad arguments, with a message
    if args.command is None:  # plain `scenarist` opens the desktop editor
        from app.commands.open import run_default

        return run_default()
    code: int = args.handler(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
