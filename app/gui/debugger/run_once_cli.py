"""`scenarist open FILE --run-once [--input REQUEST.json] [--screenshot OUT.png]`.

Opens the scenario in the window, runs it once (the webhook request from `--input`), shows
the bubbles and the bundle inspector on the module worth looking at (the first that failed,
else the last that ran). With `--screenshot` the window is saved as PNG and the command
exits 0 whatever the scenario's outcome — the outcome is in the picture; 1 only when the app
itself failed, 2 when the file holds no scenario (said on stderr). Without it the window
stays open.
"""

from __future__ import annotations

import asyncio
import sys
import traceback
from pathlib import Path
from typing import Any

import qasync

from app.gui.application import (
    SCREENSHOT_SIZE,
    WINDOW_SIZE,
    ensure_application,
    fit_frame_on_screen,
    grab,
    interactive,
    openable,
    place_window,
)
from app.gui.debugger.records import ERROR, WARNING, RunRecord
from app.gui.debugger.session import DebugSession
from app.gui.main_window import MainWindow

_SETTLE_SECONDS = 0.4
RUN_TIMEOUT_S = 120.0


def run_once_app(file: Path, workspace: Path, request: dict[str, Any] | None,
                 screenshot: Path | None) -> int:
    app = ensure_application()
    app.setQuitOnLastWindowClosed(False)
    if (screenshot is not None or not interactive()) and not openable([file]):
        return 2
    window = MainWindow(Path(workspace))
    editor = window.open_file(Path(file))
    if editor is None:
        return 2
    result: int = qasync.run(_run(window, request, screenshot))
    return result


def module_to_show(record: RunRecord) -> int | None:
    """The module a person would click first: one that failed, else the last that ran."""
    for outcome in (ERROR, WARNING):
        for module_id, module in record.modules.items():
            if module.outcome == outcome:
                return module_id
    ran = [i for i, m in record.modules.items() if m.entries]
    return ran[-1] if ran else None


async def _run(window: MainWindow, request: dict[str, Any] | None,
               screenshot: Path | None) -> int:
    loop = asyncio.get_running_loop()
    closed: asyncio.Future[int] = loop.create_future()
    window.closed.connect(lambda: closed.done() or closed.set_result(0))
    place_window(window, SCREENSHOT_SIZE if screenshot is not None else WINDOW_SIZE)
    window.show()
    try:
        await asyncio.sleep(_SETTLE_SECONDS)
        fit_frame_on_screen(window)
        window.fit_all()
        session: DebugSession = window.current_editor().debugger  # type: ignore[union-attr]
        await asyncio.wait_for(session.controller.run_once(request), RUN_TIMEOUT_S)
        shown = module_to_show(session.controller.record)
        if shown is not None:
            window.current_editor().select_modules([shown])  # type: ignore[union-attr]
            session.inspect(shown)
        window.fit_all()
        await asyncio.sleep(_SETTLE_SECONDS)
    except Exception:  # the app failed (not the scenario): say so, exit 1
        traceback.print_exc()
        window.discard_and_close()
        return 1
    if screenshot is None:
        return await closed
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    ok = grab(window).save(str(screenshot), "PNG")
    window.discard_and_close()
    if not ok:
        print(f"scenarist open: could not write {screenshot}", file=sys.stderr)
        return 1
    return 0
