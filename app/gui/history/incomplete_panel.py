"""A scenario's incomplete executions (Make's folder of them, reference §5.4): the failed
module, the error, when, attempts and the next automatic retry; the stored bundles as the
inspector's tree; edit them as JSON; Retry (the selected ones, oldest first) and Delete.

Retries run on a worker thread with their own loop (as the CLI's `incomplete retry` does),
so the window stays live; each is a new history entry, and a resolved one leaves the list.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app.gui.debugger.bundle_model import BundleModel, Root
from app.gui.debugger.inspector import error_root
from app.gui.history.history_panel import format_started
from engine.values import to_json_value

COLUMNS = ("Failed module", "Error", "Created", "Attempts", "Next retry")
ID_ROLE = Qt.ItemDataRole.UserRole + 1


def _state_engine(workspace: Path) -> Any:
    from engine.runtime.workspace import Workspace

    return Workspace(workspace).state


def module_names(workspace: Path, sha256: str, registry: Any) -> dict[int, str]:
    """Titles of the modules of the blueprint version an incomplete execution resumes."""
    from engine.edits.tree import modules
    from engine.errors import ScenaristError
    from engine.loading import blueprint_from_data
    from engine.store.incomplete import load_blueprint_json

    try:
        blueprint = blueprint_from_data(load_blueprint_json(_state_engine(workspace), sha256))
    except (ScenaristError, LookupError):
        return {}
    names: dict[int, str] = {}
    for _place, node in modules(blueprint):
        if node.id is None:
            continue
        name = ((node.metadata or {}).get("designer") or {}).get("name")
        spec = registry.get(node.module) if registry is not None else None
        names[node.id] = f"{node.id}. {name or (spec.label if spec else node.module)}"
    return names


def bundles_to_json(bundles: dict[Any, Any]) -> str:
    value = {str(k): v for k, v in bundles.items()}
    return orjson.dumps(to_json_value(value), option=orjson.OPT_INDENT_2).decode()


def bundles_from_json(text: str) -> dict[Any, Any]:
    """Edited bundles back, keyed by module id; raises ValueError when not a JSON object of
    objects."""
    value = orjson.loads(text)
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise ValueError('expected {"module id": {bundle}, ...}')
    return {int(k) if k.lstrip("-").isdigit() else k: v for k, v in value.items()}


class BundlesEditor(QDialog):
    """Edit the bundles an incomplete execution resumes with, as JSON."""

    def __init__(self, bundles: dict[Any, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit the input bundles")
        self.resize(560, 480)
        self.text = QPlainTextEdit(bundles_to_json(bundles))
        self.error = QLabel("")
        self.error.setStyleSheet("color: #d92d3a;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("The bundles the failed module maps from, by module id. "
                                "A retry resumes with them."))
        layout.addWidget(self.text, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.bundles: dict[Any, Any] | None = None

    def _save(self) -> None:
        try:
            self.bundles = bundles_from_json(self.text.toPlainText())
        except ValueError as exc:  # orjson.JSONDecodeError is a ValueError
            self.error.setText(f"Not saved: {exc}")
            return
        self.accept()


class IncompletePanel(QWidget):
    changed = Signal(int)  # how many are pending now
    retried = Signal(object)  # the RetryOutcome list of one Retry click
    message = Signal(str)

    def __init__(self, workspace: Path | None, scenario: Callable[[], str], registry: Any,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self._scenario = scenario
        self.registry = registry
        self.records: list[Any] = []
        self.task: asyncio.Task[Any] | None = None
        self.busy = False  # retrying
        self._names: dict[str, dict[int, str]] = {}
        self._read = False  # refresh() has run
        self._quick = False  # read_quickly() has
        # When reads may happen: at once, or (the window's first frame) just after it.
        self.later: Callable[[Callable[[], object]], None] = lambda fn: fn()

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)

        self.bundles = BundleModel(self)
        self.tree = QTreeView()
        self.tree.setModel(self.bundles)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.header().resizeSection(0, 200)

        self.retry_button = QPushButton("Retry")
        self.retry_button.setToolTip("Resume at the failed module and finish the run "
                                     "(the selected ones, oldest first)")
        self.edit_button = QPushButton("Edit input…")
        self.delete_button = QPushButton("Delete")
        self.retry_button.clicked.connect(lambda: self.start_retry())
        self.edit_button.clicked.connect(lambda: self.edit_bundles())
        self.delete_button.clicked.connect(lambda: self.delete_selected())
        self.info = QLabel("")
        buttons = QHBoxLayout()
        for button in (self.retry_button, self.edit_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.info)

        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(self.tree)
        splitter.setSizes([520, 420])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addLayout(buttons)
        layout.addWidget(splitter, 1)
        self._update_buttons()

    # --------------------------------------------------------------- reading

    def refresh(self) -> None:
        from engine.runtime.workspace import Workspace
        from engine.store.incomplete import list_incomplete

        chosen = set(self.selected_ids())
        self._read = True
        self.records = []
        if self.workspace is not None and Workspace(self.workspace).has_state():
            self.records = list_incomplete(_state_engine(self.workspace),
                                           scenario=self._scenario())
        self.table.setRowCount(len(self.records))
        for row, record in enumerate(self.records):
            error = record.error or {}
            next_retry = format_started(record.next_retry_at) if record.next_retry_at else "—"
            cells = (self.title(record, record.module_id),
                     f"{error.get('name') or record.reason}: {error.get('message') or ''}",
                     format_started(record.created_at), str(record.attempts), next_retry)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(ID_ROLE, record.id)
                item.setToolTip(f"{record.reason} · incomplete execution {record.id}\n"
                                f"from execution {record.execution_id}")
                self.table.setItem(row, column, item)
            if record.id in chosen:
                self.table.selectRow(row)
        self.info.setText(f"{len(self.records)} waiting")
        self._selection_changed()
        self.changed.emit(len(self.records))

    def title(self, record: Any, module_id: int) -> str:
        names = self._names.get(record.blueprint_sha256)
        if names is None and self.workspace is not None:
            names = self._names[record.blueprint_sha256] = module_names(
                self.workspace, record.blueprint_sha256, self.registry)
        return (names or {}).get(module_id, f"{module_id}.")

    def selected_ids(self) -> list[str]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.records[r].id for r in rows if r < len(self.records)]

    def select(self, incomplete_ids: list[str]) -> None:
        self.table.clearSelection()
        mode = self.table.selectionMode()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for row, record in enumerate(self.records):
            if record.id in incomplete_ids:
                self.table.selectRow(row)
        self.table.setSelectionMode(mode)

    def current(self) -> Any:
        ids = self.selected_ids()
        return next((r for r in self.records if ids and r.id == ids[0]), None)

    def _selection_changed(self) -> None:
        record = self.current()
        roots: list[Root] = []
        if record is not None:
            if record.error:
                roots.append(error_root(record.error))
            for module_id, bundle in sorted(record.bundles.items(), key=lambda kv: str(kv[0])):
                mid = module_id if isinstance(module_id, int) else None
                label = self.title(record, mid) if mid is not None else str(module_id)
                roots.append(Root(f"Bundle of {label}", bundle, module_id=mid))
        self.bundles.set_roots(roots)
        for row in range(self.bundles.rowCount()):
            self.tree.expand(self.bundles.index(row, 0))
        self._update_buttons()

    def _update_buttons(self) -> None:
        busy = self.busy
        selected = bool(self.table.selectionModel().selectedRows())
        self.retry_button.setEnabled(selected and not busy)
        self.delete_button.setEnabled(selected and not busy)
        self.edit_button.setEnabled(len(self.selected_ids()) == 1 and not busy)

    # --------------------------------------------------------------- actions

    def edit_bundles(self, dialog: BundlesEditor | None = None) -> bool:
        """Edit the selected one's bundles (`dialog` already filled: tests); True if saved."""
        from engine.store.incomplete import update_incomplete

        record = self.current()
        if record is None or self.workspace is None:
            return False
        if dialog is None:
            dialog = BundlesEditor(record.bundles, self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return False
        if dialog.bundles is None:
            return False
        update_incomplete(_state_engine(self.workspace), record.id, bundles=dialog.bundles)
        self.message.emit("Input bundles saved: the next retry resumes with them")
        self.refresh()
        return True

    def delete_selected(self) -> int:
        from engine.store.incomplete import delete_incomplete

        if self.workspace is None:
            return 0
        engine = _state_engine(self.workspace)
        deleted = sum(delete_incomplete(engine, i) for i in self.selected_ids())
        self.refresh()
        self.message.emit(f"Deleted {deleted} incomplete execution(s)")
        return deleted

    def start_retry(self, incomplete_ids: list[str] | None = None) -> asyncio.Task[Any] | None:
        if self.busy:
            return None
        self.task = asyncio.ensure_future(self.retry(incomplete_ids or self.selected_ids()))
        return self.task

    async def retry(self, incomplete_ids: list[str]) -> list[Any]:
        """Retry each, oldest first, one at a time; returns the RetryOutcomes."""
        if self.workspace is None:
            return []
        workspace = self.workspace
        order = [r.id for r in self.records if r.id in incomplete_ids]
        outcomes = []
        self.busy = True
        self._update_buttons()
        try:
            outcomes = await self._retry_each(workspace, order)
        finally:
            self.busy = False
        self.refresh()
        self.retried.emit(outcomes)
        return outcomes

    async def _retry_each(self, workspace: Path, order: list[str]) -> list[Any]:
        from engine.errors import ScenaristError
        from engine.incomplete.retry import retry_incomplete

        outcomes = []
        for incomplete_id in order:
            self.message.emit(f"Retrying incomplete execution {incomplete_id[:8]}…")
            try:
                # On a worker thread with its own loop: the window stays live meanwhile.
                outcome = await asyncio.to_thread(
                    asyncio.run, retry_incomplete(workspace, incomplete_id))
            except (ScenaristError, LookupError, OSError) as exc:
                self.message.emit(f"Retry failed: {exc}")
                continue
            outcomes.append(outcome)
            self.message.emit(
                f"Retry {'finished the run' if outcome.resolved else 'failed again'}: "
                f"{outcome.result.status}, {outcome.result.operations:,} operations")
        return outcomes

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self.later(self.refresh)
        self.read_quickly()

    def read_quickly(self) -> None:
        """Until the first usual read (the window's first frame): how many wait, for the
        dock's title, read without SQLAlchemy, once."""
        if self._read or self._quick or self.workspace is None:
            return
        from engine.store.peek import pending_incomplete

        count = pending_incomplete(self.workspace, self._scenario())
        if count is not None:
            self._quick = True
            self.info.setText(f"{count} waiting")
            self.changed.emit(count)
