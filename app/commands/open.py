"""`scenarist open [FILE ...] [--screenshot OUT.png] [--run-once [--input REQUEST.json]]
[--background]`: the desktop editor, which also runs the workspace's active scenarios in the
background (in the tray once the window closes; `--background` starts there).

Files are opened in place (not copied into the workspace). With `--screenshot` the main
window is rendered once the scenarios are laid out and painted, saved as PNG, and the
command exits 0; this works on the offscreen Qt platform too. With `--run-once` the (single)
scenario runs once in the window first, with the webhook request of `--input`; the
bubbles and the bundle inspector show the outcome, and the exit code is 0 whatever it is
(1 only if the app itself failed).

A blueprint with problems opens and lists them above the canvas. Where no one can click a
message box away (`--screenshot`, the offscreen platform), a file with no scenario in it is
reported on stderr, exit 2. Before Qt starts, the display is checked (Qt would abort the
process): no display, or missing X11 libraries, are said on stderr, exit 2; a screenshot
is then rendered offscreen instead.
"""

from __future__ import annotations

import argparse
import os
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
    parser.add_argument(
        "--run-once", action="store_true",
        help="run the scenario once in the window and show its bubbles and bundles",
    )
    parser.add_argument(
        "--input", metavar="REQUEST.json",
        help='with --run-once: the webhook request {"body": ..., "headers": {...}}',
    )
    parser.add_argument(
        "--background", action="store_true",
        help="start hidden in the tray, running the active scenarios (start at login)",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    missing = [f for f in args.files if not Path(f).is_file()]
    if missing:
        print(f"scenarist open: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    run_once = getattr(args, "run_once", False)
    request = None
    if run_once or getattr(args, "input", None):
        from app.commands.run import _BadInput, _read_request

        if not run_once or len(args.files) != 1:
            print("scenarist open: --run-once takes exactly one FILE (and --input needs "
                  "--run-once)", file=sys.stderr)
            return 2
        try:
            request = _read_request(args.input) if args.input else None
        except _BadInput as exc:
            print(f"scenarist open: {exc}", file=sys.stderr)
            return 2
    screenshot = Path(args.screenshot) if args.screenshot else None
    if not _display_ready(screenshot is not None):
        return 2
    # Qt is imported only here: headless commands (and `--help`) never load it.
    from engine.store.workspace import resolve_workspace

    workspace = resolve_workspace(getattr(args, "data_dir", None))
    if run_once:
        from app.gui.debugger.run_once_cli import run_once_app

        return run_once_app(Path(args.files[0]), workspace, request, screenshot)
    from app.gui.application import run_app

    return run_app([Path(f) for f in args.files], workspace, screenshot,
                   background=getattr(args, "background", False))


def _display_ready(screenshot: bool) -> bool:
    """Before Qt starts (it would abort the process): can the window open? A screenshot
    needs no screen, so without one it is rendered offscreen."""
    from app.gui.display_check import display_problem

    problem = display_problem()
    if problem is None:
        return True
    if screenshot and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        print("scenarist open: no usable display, the screenshot is rendered offscreen",
              file=sys.stderr)
        return True
    print(problem, file=sys.stderr)
    return False


def run_default() -> int:
    """`scenarist` with no subcommand: open the editor on the workspace."""
    return run(argparse.Namespace(files=[], screenshot=None, data_dir=None, run_once=False,
                                  input=None, background=False))
