"""A past run opened from history: the scenario AS IT WAS (the blueprint version stored with
the run, not the current file), read-only, with the run's operation bubbles and its bundle
inspector — the debugger's own RunOverlay and InspectorPanel, fed a RunRecord rebuilt from the
operations history stored. From here: Replay (live, with the original trigger data),
Replay deterministically (recorded effects fed back), Diff with another run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDockWidget, QGraphicsItem, QLabel, QMainWindow, QMenu, QToolBar

from app.gui.debugger.bubbles import RunOverlay
from app.gui.debugger.inspector import InspectorPanel, declared_fields
from app.gui.debugger.records import ERROR, FILTERED, OK, WARNING, OperationRecord, RunRecord
from app.gui.debugger.session import format_bytes
from app.gui.document import ScenarioDocument
from app.gui.editor import make_canvas
from app.gui.history.history_panel import format_started
from app.gui.panels.mapping_picker import module_title
from engine.blueprint import Blueprint
from engine.edits.commands import EditError
from engine.errors import ScenaristError
from engine.registry import Registry

INSPECTOR_HEIGHT = 300


@dataclass
class PastRun:
    """What history keeps of one run, read for the past-run view."""

    entry: dict[str, Any]  # the history list entry (id, status, times, counts, ...)
    blueprint: Blueprint
    operations: list[dict[str, Any]]  # in order, with their bundles
    summary: dict[str, Any] | None  # the stored run report (module counts, filtered)

    @property
    def id(self) -> str:
        return str(self.entry["id"])

    @property
    def started_at(self) -> datetime:
        return datetime.fromisoformat(str(self.entry["started_at"]).replace("Z", "+00:00"))

    def title(self) -> str:
        return f"Run {self.id[:8]} · {self.started_at.astimezone().strftime('%Y-%m-%d %H:%M')}"


def load_past_run(workspace: Path, execution_id: str) -> PastRun:
    """Read one run from history.db (blocking: call it off the GUI thread)."""
    from engine.history.queries import (
        execution_entry,
        execution_summary,
        operations,
        stored_blueprint,
    )
    from engine.loading import blueprint_from_data
    from engine.store.history_db import open_history_engine

    engine = open_history_engine(workspace)
    try:
        entry = execution_entry(engine, workspace, execution_id)
        full_id = entry["id"]
        data = stored_blueprint(engine, workspace, full_id)
        ops = operations(engine, workspace, full_id)
        summary = execution_summary(engine, workspace, full_id)
    finally:
        engine.dispose()
    if data is None:
        raise ScenaristError(f"execution {full_id} has no stored blueprint")
    return PastRun(entry, blueprint_from_data(data), ops, summary)


def record_from_history(past: PastRun, handled: set[int]) -> RunRecord:
    """The RunRecord the debugger would have built live, from the stored operations.

    Operation counts come from the stored report (Make's counting: an aggregator's results
    in one operation, routers none); bundles a filter stopped are known only by number, so
    they are listed after the module's operations."""
    record = RunRecord(handled)
    for op in past.operations:
        module_id = int(op["module_id"])
        module = record.module(module_id)
        outputs = list(op["outputs"] or [])
        error = op["error"]
        if error is not None:
            module.errors += 1
            if module_id in handled:
                module.handled_errors += 1
            outcome = WARNING if module_id in handled else ERROR
        else:
            outcome = OK
        module.outputs += len(outputs) or int(op.get("output_count") or 0)
        module.entries.append(OperationRecord(
            module_id, len(module.entries) + 1, outcome, op["input"], outputs, error,
            duration_s=(op.get("duration_ms") or 0.0) / 1000,
        ))
    summary = past.summary or {}
    counts = {int(k): int(v.get("operations") or 0)
              for k, v in (summary.get("modules") or {}).items()}
    if not counts:  # no report stored (an interrupted run): one operation per stored entry
        counts = {i: len(m.entries) for i, m in record.modules.items()}
    record.sync_operations(counts, set())
    for key, blocked in (summary.get("filtered") or {}).items():
        module = record.module(int(key))
        for _ in range(int(blocked)):
            module.filtered += 1
            module.entries.append(OperationRecord(int(key), len(module.entries) + 1, FILTERED))
    record.status = str(past.entry.get("status"))
    record.error = past.entry.get("error")
    record.operations = int(past.entry.get("operations") or record.operations)
    record.data_transfer = int(past.entry.get("data_transfer") or 0)
    return record


class ReadOnlyDocument(ScenarioDocument):
    """The scenario as it was: every edit is refused (the canvas shows why)."""

    def push(self, edit: Any, merge_key: Any = None) -> None:
        raise EditError("This is a past run: the scenario is shown as it was, read-only")


Opener = Callable[[str], Awaitable[Any]]


class PastRunView(QMainWindow):
    """One past run in its own tab."""

    message = Signal(str)

    def __init__(self, workspace: Path, past: PastRun, registry: Registry | None,
                 opener: Opener, differ: Callable[[PastRunView], Any]) -> None:
        super().__init__()
        self.setWindowFlags(Qt.WindowType.Widget)
        self.workspace = workspace
        self.past = past
        self.execution_id = past.id
        self._opener = opener
        self._differ = differ
        self.task: asyncio.Task[Any] | None = None
        self.document = ReadOnlyDocument(past.blueprint.model_copy(deep=True), None, registry,
                                         self)
        self.view, self.canvas = make_canvas(self.document, self)
        self.setCentralWidget(self.view)
        handled = {link.source for link in self.document.graph().links if link.kind == "onerror"}
        self.record = record_from_history(past, handled)
        self._make_read_only()

        self.inspector = InspectorPanel(self.title)
        self.inspector.fields_of = lambda module_id: declared_fields(self.document, module_id)
        self.inspector.pin_button.hide()  # pins and "run this module only" belong to the
        self.inspector.module_only_button.hide()  # live scenario, not to a past run
        self.inspector.set_record(self.record)
        dock = QDockWidget("Bundle inspector", self)
        dock.setObjectName("past_inspector_dock")
        dock.setWidget(self.inspector)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.resizeDocks([dock], [INSPECTOR_HEIGHT], Qt.Orientation.Vertical)
        self.inspector_dock = dock

        self.overlay = RunOverlay(self.canvas, lambda: self.record, self._aggregators)
        self.overlay.module_clicked.connect(self.inspect)
        if self.canvas is not None:
            self.canvas.selection_changed.connect(self._on_selection)
            self.canvas.error.connect(self.message.emit)
        self.overlay.refresh(None)
        self._build_toolbar()
        first = next(iter(self.record.modules), None)
        if first is not None:
            self.inspect(first)
        fit = getattr(self.view, "fit", None)
        if fit is not None:
            fit()

    # --------------------------------------------------------------- showing

    def title(self, module_id: int) -> str:
        try:
            return module_title(self.document, module_id)
        except (KeyError, AttributeError):
            return f"{module_id}."

    def tab_title(self) -> str:
        return self.past.title()

    def summary_text(self) -> str:
        entry = self.past.entry
        ops = int(entry.get("operations") or 0)
        text = (f"{entry.get('status')} · started {format_started(self.past.started_at)} · "
                f"{ops:,} operation{'' if ops == 1 else 's'} · "
                f"{format_bytes(int(entry.get('data_transfer') or 0))} · "
                f"{entry.get('trigger')}")
        if entry.get("kind") in ("retry", "replay") and entry.get("resumed_from"):
            text += f" · {entry['kind']} of {str(entry['resumed_from'])[:8]}"
        return text

    def inspect(self, module_id: int) -> None:
        self.inspector_dock.show()
        self.inspector.show_module(module_id)

    def _on_selection(self, module_ids: list[int]) -> None:
        if len(module_ids) == 1:
            self.inspect(module_ids[0])

    def _aggregators(self) -> set[int]:
        found = set()
        for module_id, view in self.document.graph().modules.items():
            spec = self.document.registry.get(view.module)
            if spec is not None and spec.kind == "aggregator":
                found.add(module_id)
        return found

    def _make_read_only(self) -> None:
        scene = self.canvas
        if scene is None:
            return
        for item in scene.modules.values():
            item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable, False)

        def module_menu(module_id: int, parent: Any = None) -> QMenu:
            menu = QMenu(parent)
            menu.addAction("Inspect bundles", lambda: self.inspect(module_id))
            return menu

        scene.module_menu = module_menu
        scene.link_menu = lambda _link, parent=None: QMenu(parent)
        self.view.setAcceptDrops(False)

    def _build_toolbar(self) -> None:
        bar = QToolBar("Past run")
        bar.setObjectName("past_run_toolbar")
        bar.setMovable(False)
        bar.addWidget(QLabel(f"  <b>{self.tab_title()}</b> — the scenario as it was  "))
        self.act_replay = bar.addAction("Replay", lambda: self.start_replay(False))
        self.act_replay.setToolTip("Run the scenario as it was again, live, with this run's "
                                   "trigger data")
        self.act_replay_exact = bar.addAction(
            "Replay deterministically", lambda: self.start_replay(True))
        self.act_replay_exact.setToolTip(
            "Feed back this run's recorded external effects (HTTP responses, data store reads, "
            "time, randomness): reproduces it exactly and touches nothing outside")
        if self.past.entry.get("confidential"):
            self.act_replay_exact.setEnabled(False)
            self.act_replay_exact.setToolTip("Confidential scenarios keep no bundle data: their "
                                             "runs can't be replayed deterministically")
        self.act_diff = bar.addAction("Diff with…", lambda: self._differ(self))
        bar.addSeparator()
        self.status = QLabel(self.summary_text())
        bar.addWidget(self.status)
        self.addToolBar(bar)

    # ---------------------------------------------------------------- replay

    def start_replay(self, deterministic: bool) -> asyncio.Task[Any] | None:
        if self.task is not None and not self.task.done():
            return None
        self.task = asyncio.ensure_future(self.replay(deterministic))
        return self.task

    async def replay(self, deterministic: bool) -> Any:
        """Replay this run; the replay (a new history entry) opens in its own tab."""
        from engine.replay import ReplayError, replay

        what = "Deterministic replay" if deterministic else "Replay"
        self.act_replay.setEnabled(False)
        self.act_replay_exact.setEnabled(False)
        self.message.emit(f"{what} of run {self.execution_id[:8]}…")
        try:
            # On a worker thread with its own loop: the window stays live meanwhile.
            outcome = await asyncio.to_thread(lambda: asyncio.run(replay(
                self.workspace, self.execution_id, deterministic=deterministic)))
        except (ReplayError, ScenaristError, OSError) as exc:
            self.message.emit(f"{what} failed: {exc}")
            return None
        finally:
            self.act_replay.setEnabled(True)
            self.act_replay_exact.setEnabled(not self.past.entry.get("confidential"))
        self.message.emit(f"{what}: {outcome.result.status}, "
                          f"{outcome.result.operations:,} operations")
        return await self._opener(outcome.execution_id)
