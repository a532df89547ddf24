"""`scenarist open [FILE ...] [--screenshot OUT.png]`: the desktop editor.

Files are opened in place (not copied into the workspace). With `--screenshot` the main
window is rendered once the scenarios are laid out and painted, saved as PNG, and the
command exits 0; this works on the offscreen Qt platform too.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "open", help="open the desktop editor (the default command)", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="blueprint files to open")
    parser.add_argument(
        "--screenshot",
        metavar="OUT.png",
        help="save a PNG of the window once the scenarios are painted, then exit",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    missing = [f for f in args.files if not Path(f).is_file()]
    if missing:
        print(f"scenarist open: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    # Qt is imported only here: headless commands (and `--help`) never load it.
    from app.gui.application import run_app
    from engine.store.workspace import resolve_workspace

    workspace = resolve_workspace(getattr(args, "data_dir", None))
    screenshot = Path(args.screenshot) if args.screenshot else None
    return run_app([Path(f) for f in args.files], workspace, screenshot)


def run_default() -> int:
    """`scenarist` with no subcommand: open the editor on the workspace."""
    return run(argparse.Namespace(files=[], screenshot=None, data_dir=None))
