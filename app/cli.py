"""The `scenarist` command line."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from app.commands import COMMANDS

DATABASE_HELP = ("where state and history live: postgresql://USER@HOST:PORT/DB, shared by a"
                 " cluster's workers and windows (default: $SCENARIST_DATABASE, else the"
                 " workspace's SQLite files)")


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
        cmd.add_argument("--database", metavar="URL", help=DATABASE_HELP)
        cmd.set_defaults(handler=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)  # exits 2 on bad arguments, with a message
    if args.command is None:  # plain `scenarist` opens the desktop editor
        from app.commands.open import run_default

        return run_default()
    if not _use_database(getattr(args, "database", None)):
        return 2
    from engine.store.database import DatabaseUnreachable

    try:
        code: int = args.handler(args)
    except DatabaseUnreachable as exc:
        print(f"scenarist {args.command}: {exc}", file=sys.stderr)
        return 1
    return code


def _use_database(url: str | None) -> bool:
    """`--database` becomes $SCENARIST_DATABASE, so this process (every workspace it opens)
    and the processes it starts use it; a location Scenarist cannot use is refused here."""
    from engine.store.database import DATABASE_ENV, BadDatabase, checked_database

    try:
        if url is not None:
            checked_database(url, "--database")
            os.environ[DATABASE_ENV] = url
        else:
            checked_database(os.environ.get(DATABASE_ENV), f"${DATABASE_ENV}")
    except BadDatabase as exc:
        print(f"scenarist: {exc}", file=sys.stderr)
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
