"""Subcommands with actions (`scenarist history list`, `scenarist incomplete retry`)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

AddAction = Callable[[str, str], argparse.ArgumentParser]


def action_adder(parser: argparse.ArgumentParser) -> AddAction:
    """A function adding one action; each also takes `--data-dir` and `--database` after the
    action name (SUPPRESS keeps a value given before it)."""
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        cmd: argparse.ArgumentParser = actions.add_parser(name, help=help_text,
                                                          description=help_text)
        cmd.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS,
                         help="workspace folder")
        cmd.add_argument("--database", metavar="URL", default=argparse.SUPPRESS,
                         help="where state and history live (postgresql://…)")
        return cmd

    return action
