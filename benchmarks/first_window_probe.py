"""`scenarist open FILE --screenshot X` until the window's first frame, then exit.

`python -m benchmarks.first_window_probe FILE --data-dir DIR` starts the app exactly as the
`scenarist` command does, except that the screenshot step (which waits on purpose for the
layout to settle) is replaced: as soon as the window is shown, one frame is rendered, the
line `first-frame CPU` is printed (CPU: the process's CPU seconds so far), and the app
quits. startup_bench times this process from
its start to that line, so the figure is the person's wait for the first window. What the
window reads just after that frame (app.gui.first_frame: the History and Incomplete
executions lists, the workspace list's status lines) is in the process's CPU time, not in
that wait; `open --screenshot` shows the window with them.
"""

from __future__ import annotations

import os
import resource
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


async def _first_frame(window, target: Path) -> int:  # type: ignore[no-untyped-def]
    from app.gui import application

    application.grab(window)  # renders every widget once, as the first paint does
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"first-frame {usage.ru_utime + usage.ru_stime:.3f}", flush=True)
    window.discard_and_close()
    return 0


def main() -> int:
    from app import cli
    from app.gui import application

    application._take_screenshot = _first_frame  # type: ignore[assignment]
    return cli.main(["open", *sys.argv[1:], "--screenshot", os.devnull])


if __name__ == "__main__":
    sys.exit(main())
