"""Start the desktop app: one QApplication, a qasync event loop, the main window.

The engine's coroutines run on the Qt loop (qasync), so a scenario run never needs a thread
and its events reach widgets on the GUI thread.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import qasync
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from app.gui.debugger.gc_policy import collect_on_gui_thread
from app.gui.main_window import MainWindow
from app.gui.problems import load_tolerant
from app.gui.runtime import tray as system_tray
from engine.errors import BlueprintError

# Time for Qt to lay out and paint the window before a screenshot is taken.
_SETTLE_SECONDS = 0.4
WINDOW_SIZE = (1440, 900)
SCREENSHOT_SIZE = (1920, 1080)


def ensure_application() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationName("Scenarist")
    app.setOrganizationName("Scenarist")
    app.setApplicationDisplayName("Scenarist")
    app.setStyle("Fusion")  # the same light look on every platform and under Xvfb
    app.setPalette(light_palette())
    collect_on_gui_thread(app)  # never destroy Qt objects in a worker thread's collection
    return app


def light_palette() -> QPalette:
    """Make's light theme with its purple accent, whatever the desktop's dark mode says."""
    palette = QPalette()
    roles = QPalette.ColorRole
    for role, colour in (
        (roles.Window, "#f6f5fa"), (roles.WindowText, "#1f1d2b"), (roles.Base, "#ffffff"),
        (roles.AlternateBase, "#f1ecf8"), (roles.Text, "#1f1d2b"), (roles.Button, "#f6f5fa"),
        (roles.ButtonText, "#1f1d2b"), (roles.Highlight, "#6d00cc"),
        (roles.HighlightedText, "#ffffff"), (roles.ToolTipBase, "#ffffff"),
        (roles.ToolTipText, "#1f1d2b"), (roles.Link, "#6d00cc"),
        (roles.PlaceholderText, "#8a8a99"),
    ):
        palette.setColor(role, QColor(colour))
    disabled = QPalette.ColorGroup.Disabled
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        palette.setColor(disabled, role, QColor("#a9a7b5"))
    return palette


def run_app(files: Sequence[str | Path], workspace: Path, screenshot: Path | None = None,
            background: bool = False) -> int:
    """Open the main window with `files` (opened in place) and run until it quits; the
    window runs the workspace's active scenarios in the background meanwhile.

    With `screenshot`, render the window once the scenarios are laid out and painted, save
    it as PNG and return 0 (1 if the image could not be written). With `background`, start
    hidden in the tray (where the desktop has one)."""
    app = ensure_application()
    # The window decides when the app ends (after its Save/Discard/Cancel prompts); Qt's own
    # quit would stop the loop under the running coroutine.
    app.setQuitOnLastWindowClosed(False)
    if (screenshot is not None or not interactive()) and not openable(files):
        return 2
    window = MainWindow(Path(workspace), quick_start=True)
    if screenshot is None:
        window.restore_session()  # the tabs open when the app last closed
    for file in files:
        window.open_file(Path(file))
    if screenshot is not None:
        report_problems(window)
    result: int = qasync.run(_serve(window, screenshot, background))
    return result


def interactive() -> bool:
    """Whether someone can answer a dialog (not on the offscreen or minimal platform)."""
    return QGuiApplication.platformName() not in ("offscreen", "minimal")


def openable(files: Sequence[str | Path]) -> bool:
    """Where no one can click a message box away, say on stderr which files cannot be
    opened at all (a blueprint with problems opens, showing them)."""
    ok = True
    for file in files:
        try:
            load_tolerant(Path(file))
        except BlueprintError as error:
            print(f"scenarist open: {error.describe()}", file=sys.stderr)
            ok = False
    return ok


def report_problems(window: MainWindow) -> None:
    for editor in window.editors():
        for problem in editor.document.problems():
            print(f"scenarist open: {editor.document.path}: {problem.describe()}",
                  file=sys.stderr)


async def _serve(window: MainWindow, screenshot: Path | None, background: bool = False) -> int:
    loop = asyncio.get_running_loop()
    closed: asyncio.Future[int] = loop.create_future()
    window.closed.connect(lambda: closed.done() or closed.set_result(0))
    place_window(window, SCREENSHOT_SIZE if screenshot is not None else WINDOW_SIZE)
    hidden = background and system_tray.tray_available()
    if not hidden:
        window.show()
    else:  # no frame to wait for
        window.first_frame.done()
    if screenshot is not None:
        return await _take_screenshot(window, Path(screenshot))
    await window.first_frame.reached()  # the runtime (its webhook server) starts after it
    await window.background.start()
    if hidden and window.background.tray is None:  # not ours to run: nothing to hide for
        window.show()
    if window.isVisible():
        window.offer_restores()
    else:  # started in the tray: when the window first opens
        window.background.when_first_shown(window.offer_restores)
    window.autosaver.start()
    _quit_on_terminate(window, loop)
    return await closed


def _quit_on_terminate(window: MainWindow, loop: asyncio.AbstractEventLoop) -> None:
    """SIGTERM (logging out, `kill`) quits as the tray's Quit does: background runs stop
    cleanly and the workspace is released (unsaved changes are still asked about)."""
    if threading.current_thread() is not threading.main_thread():
        return
    signal.signal(signal.SIGTERM, lambda _n, _f: loop.call_soon_threadsafe(window.quit))


def place_window(window: QWidget, size: tuple[int, int]) -> None:
    """The window at `size`, but never larger than the screen's free area (a screenshot of
    a window reaching past the screen has black areas and misses its right side)."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        window.resize(*size)
        return
    area = screen.availableGeometry()
    window.resize(min(size[0], area.width()), min(size[1], area.height()))
    window.move(area.topLeft())


def fit_frame_on_screen(window: QWidget) -> None:
    """Once shown (a window manager adds its frame): shrink the window so that its frame,
    decorations included, is on the screen."""
    screen = window.screen()
    if screen is None:
        return
    area = screen.availableGeometry()
    frame = window.frameGeometry()
    extra_w, extra_h = frame.width() - window.width(), frame.height() - window.height()
    if frame.width() > area.width() or frame.height() > area.height():
        window.resize(min(window.width(), area.width() - extra_w),
                      min(window.height(), area.height() - extra_h))
    if not area.contains(window.frameGeometry()):
        window.move(area.topLeft())


async def _take_screenshot(window: MainWindow, target: Path) -> int:
    await asyncio.sleep(_SETTLE_SECONDS)
    fit_frame_on_screen(window)
    await asyncio.sleep(_SETTLE_SECONDS)
    window.fit_all()
    editor = window.current_editor()
    if editor is not None:  # show the settings of the trigger, as a user would look at it
        modules = editor.document.graph().modules
        first = next((m.id for m in modules.values() if m.first), None)
        if first is not None:
            editor.select_modules([first])
    await asyncio.sleep(_SETTLE_SECONDS)
    target.parent.mkdir(parents=True, exist_ok=True)
    ok = grab(window).save(str(target), "PNG")
    window.discard_and_close()
    if not ok:
        print(f"scenarist open: could not write {target}", file=sys.stderr)
        return 1
    return 0


def grab(window: QWidget):  # type: ignore[no-untyped-def]
    """The window as the user sees it: from the X screen when there is one (decorations and
    all), else rendered by the widgets themselves (offscreen)."""
    if QGuiApplication.platformName() == "xcb":
        screen = window.screen()
        frame: QRect = window.frameGeometry().intersected(screen.geometry())
        window.repaint()
        QApplication.processEvents()
        shot = screen.grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height())
        if not shot.isNull():
            return shot
    return window.grab()
