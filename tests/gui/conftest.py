"""Qt tests run offscreen on real widgets (pytest-qt).

The platform is chosen here, at import, before anything loads Qt. Async tests run on a
qasync loop (DESIGN.md §8): inside them click, then `await` — never `qtbot.waitUntil` or
`waitSignal`, which nest a Qt loop under the running asyncio task.
"""

from __future__ import annotations

import gc
import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"

from collections.abc import Callable, Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
import qasync  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.gui.debugger.gc_policy import GuiCollector, collect_on_gui_thread  # noqa: E402


def _application(args: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(args or ["scenarist-tests"])
    return app


@pytest.fixture(scope="session")
def qapp(qapp_args: list[str]) -> QApplication:
    """pytest-qt's `qapp`, shared with the qasync loops below (one QApplication per run)."""
    return _application(qapp_args)


@pytest.fixture(autouse=True)
def gui_thread_collection(qapp: QApplication) -> Iterator[GuiCollector]:
    """As in the app (application.ensure_application): garbage is collected on the GUI
    thread only, so no Qt object of a test is destroyed by a worker thread's collection."""
    collector = collect_on_gui_thread(qapp)
    yield collector
    collector.stop()
    collector.deleteLater()
    gc.collect()  # this test's garbage, here on the GUI thread


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> dict[str, Callable[[], qasync.QEventLoop]]:
    return {"qasync": lambda: qasync.QEventLoop(_application())}


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty workspace folder; $SCENARIST_HOME points at it so nothing leaks to the user's."""
    folder = tmp_path / "workspace"
    folder.mkdir()
    monkeypatch.setenv("SCENARIST_HOME", str(folder))
    yield folder
