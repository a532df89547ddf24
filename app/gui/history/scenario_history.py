"""One scenario tab's history: the "History" and "Incomplete executions" docks, kept fresh
after each run and whenever the tab comes forward, and the past-run tabs they open.

Past-run tabs live on after their scenario's tab closes, so opening, replaying and diffing
are plain functions over (workspace, tabs), not methods of this per-tab object.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QDockWidget, QTabWidget, QWidget

from app.gui.history.diff_dialog import Candidate, DiffDialog
from app.gui.history.history_panel import HistoryPanel, format_started
from app.gui.history.incomplete_panel import IncompletePanel
from app.gui.history.past_run import PastRunView, load_past_run
from engine.history.runs import HistoryReader, RunFilter, fetch_page

DOCK_HEIGHT = 230
DIFF_CANDIDATES = 200

Say = Callable[[str], Any]
Later = Callable[[Callable[[], object]], None]  # app.gui.first_frame.FirstFrame.later


def scenario_name(document: Any) -> str:
    """The name runs are recorded under (as the debugger's run controller names them): the
    scenario's name, else its file's, as `scenarist run` does."""
    return str(document.name)


async def open_past_run(workspace: Path, execution_id: str, tabs: QTabWidget,
                        registry: Any, say: Say) -> PastRunView | None:
    """Open one run as it was, in a new tab (read on a worker thread)."""
    from engine.errors import ScenaristError

    try:
        past = await asyncio.to_thread(load_past_run, workspace, execution_id)
    except (ScenaristError, OSError) as exc:
        say(f"Cannot open run {execution_id[:8]}: {exc}")
        return None

    def opener(other_id: str) -> Any:
        return open_past_run(workspace, other_id, tabs, registry, say)

    view = PastRunView(workspace, past, registry, opener, lambda v: open_diff(v, say))
    view.message.connect(say)
    index = tabs.addTab(view, view.tab_title())
    tabs.setTabToolTip(index, f"Execution {past.id}: the scenario as it was, read-only")
    tabs.setCurrentIndex(index)
    return view


def diff_candidates(workspace: Path, scenario: str) -> list[Candidate]:
    reader = HistoryReader(workspace)
    try:
        engine = reader.engine()
        rows = [] if engine is None else fetch_page(
            engine, RunFilter(scenario, check_runs=True), 0, DIFF_CANDIDATES)
    finally:
        reader.close()
    return [(row.id, f"{format_started(row.started_at)} · {row.status} · "
                     f"{row.operations:,} operations · {row.id[:8]}") for row in rows]


def open_diff(view: PastRunView, say: Say) -> DiffDialog:
    scenario = str(view.past.entry.get("scenario") or "")
    dialog = DiffDialog(view.workspace, view.execution_id,
                        diff_candidates(view.workspace, scenario), view)
    dialog.finished.connect(lambda _r: dialog.deleteLater())
    dialog.open()
    view.diff_dialog = dialog  # type: ignore[attr-defined]
    return dialog


class ScenarioHistory(QObject):
    def __init__(self, editor: Any, workspace: Path | None, tabs: QTabWidget,
                 say: Say | None = None, later: Later | None = None) -> None:
        super().__init__(editor)
        self.editor = editor
        self.workspace = workspace
        self.tabs = tabs
        self.say: Say = say or (lambda _text: None)
        self.task: asyncio.Task[Any] | None = None
        self.reader = HistoryReader(workspace)
        scenario = lambda: scenario_name(editor.document)  # noqa: E731
        self.later: Later = later or (lambda fn: fn())  # reads: now, or after the first frame
        self.panel = HistoryPanel(self.reader, scenario)
        self.panel.later = self.later
        self.incomplete = IncompletePanel(workspace, scenario, editor.document.registry)
        self.incomplete.later = self.later
        self.history_dock = self._dock("History", self.panel, "history_dock")
        self.incomplete_dock = self._dock("Incomplete executions", self.incomplete,
                                          "incomplete_dock")
        # Tabs under the canvas, each with the full width (side by side, the inspector's
        # trees were squeezed); a run brings the inspector to the front.
        inspector = getattr(getattr(editor, "debugger", None), "inspector_dock", None)
        if isinstance(inspector, QDockWidget):
            editor.tabifyDockWidget(inspector, self.history_dock)
        editor.tabifyDockWidget(self.history_dock, self.incomplete_dock)
        editor.resizeDocks([self.history_dock], [DOCK_HEIGHT], Qt.Orientation.Vertical)
        # Until a run shows the inspector, the History tab is in front (not an empty list of
        # incomplete executions).
        shown = isinstance(inspector, QDockWidget) and not inspector.isHidden()
        (inspector if shown else self.history_dock).raise_()

        self.panel.open_requested.connect(self.start_open)
        self.incomplete.message.connect(self.say)
        self.incomplete.retried.connect(lambda _o: self.panel.refresh())
        self.incomplete.changed.connect(self._incomplete_count)
        controller = getattr(getattr(editor, "debugger", None), "controller", None)
        if controller is not None:
            controller.finished.connect(lambda _r: self.refresh())
        tabs.currentChanged.connect(self._tab_changed)
        editor.destroyed.connect(lambda *_: self.reader.close())

    def _dock(self, title: str, widget: QWidget, name: str) -> QDockWidget:
        dock = QDockWidget(title, self.editor)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.editor.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        return dock

    def refresh(self) -> None:
        """Re-read both lists (cheap: one page of runs, the pending incomplete ones)."""
        self.panel.refresh()
        self.incomplete.refresh()

    def _tab_changed(self, _index: int) -> None:
        if self.tabs.currentWidget() is self.editor:
            self.later(self.refresh)
            self.panel.read_quickly()  # until then (the window's first frame)
            self.incomplete.read_quickly()

    def _incomplete_count(self, count: int) -> None:
        self.incomplete_dock.setWindowTitle(
            f"Incomplete executions ({count})" if count else "Incomplete executions")

    def start_open(self, execution_id: str) -> asyncio.Task[Any] | None:
        if self.workspace is None:
            return None
        self.task = asyncio.ensure_future(self.open_run(execution_id))
        return self.task

    async def open_run(self, execution_id: str) -> PastRunView | None:
        if self.workspace is None:
            return None
        return await open_past_run(self.workspace, execution_id, self.tabs,
                                   self.editor.document.registry, self.say)


def attach_history(editor: Any, workspace: Path | None, tabs: QTabWidget,
                   say: Say | None = None, later: Later | None = None) -> ScenarioHistory:
    history = ScenarioHistory(editor, workspace, tabs, say, later)
    editor.history = history
    return history
