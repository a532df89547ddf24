"""The bundle inspector: the operations of the clicked module, and for the chosen one its
input bundle, output bundles, filter verdict (each condition's evaluated sides) and error,
as lazy trees. While a run is paused it shows every bundle mappable so far.

It reads the RunRecord the controller fills; `refresh(touched)` is called once per batch
and only appends rows (the operations list is a model over the record's own list).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app.gui.debugger.bubbles import COLOURS
from app.gui.debugger.bundle_model import BundleModel, Root, copy_text, summarise
from app.gui.debugger.records import ERROR, FILTERED, OK, WARNING, OperationRecord, RunRecord
from app.gui.panels.filter_editor import operator_label, operator_words
from engine.executor.debug import Pause
from engine.filters import FilterVerdict
from engine.spec import FieldSpec

_TOP = QModelIndex()  # the invisible root (never mutated)
_GLYPHS = {OK: "✓", FILTERED: "⊘", WARNING: "⚠", ERROR: "✗"}
_FIELD = re.compile(r"\bfield ([^\s,)]+)")


def failing_field(error: dict[str, Any]) -> str | None:
    """The field an error names: its detail's `field`, else `field X` in the message."""
    detail = error.get("detail")
    if isinstance(detail, dict) and detail.get("field"):
        return str(detail["field"])
    match = _FIELD.search(str(error.get("message") or ""))
    return match.group(1) if match else None


def entry_title(entry: OperationRecord) -> str:
    glyph = _GLYPHS.get(entry.outcome, "")
    if entry.outcome == FILTERED:
        return f"{entry.number}. {glyph} filtered out"
    if entry.error is not None:
        return f"{entry.number}. {glyph} {entry.error.get('name') or 'Error'}"
    n = len(entry.outputs)
    return f"{entry.number}. {glyph} {n:,} bundle{'' if n == 1 else 's'}"


def verdict_root(verdict: FilterVerdict, passed: bool | None = None) -> Root:
    ok = verdict.passed if passed is None else passed
    title = f"Filter{f' “{verdict.name}”' if verdict.name else ''}"
    groups = []
    for g, group in enumerate(verdict.groups, 1):
        conditions = []
        for c, cond in enumerate(group, 1):
            words = operator_words(cond.o)
            sides = [Root("a", cond.a), Root("operator", display=operator_label(cond.o),
                                             type_text="", children=[])]
            unary = cond.o.endswith(("exist", "notexist"))
            if cond.b is not None or not unary:
                sides.append(Root("b", cond.b))
            shown = f"{summarise(cond.a)}  {words}" + ("" if unary else
                                                        f"  {summarise(cond.b)}")
            conditions.append(Root(
                f"Condition {c}", display=f"{shown}  →  {'true' if cond.passed else 'false'}",
                children=sides, tone="passed" if cond.passed else "failed"))
        label = f"OR group {g}" if len(verdict.groups) > 1 else "AND"
        groups.append(Root(label, display="all true" if all(
            c.passed for c in group) else "not all true", children=conditions))
    return Root(title, display="passed" if ok else "did not pass", children=groups,
                tone="passed" if ok else "failed")


def error_root(error: dict[str, Any]) -> Root:
    children = [Root("name", error.get("name")), Root("message", error.get("message"))]
    field = failing_field(error)
    if field:
        children.append(Root("field", field))
    if error.get("detail") is not None:
        children.append(Root("detail", error.get("detail")))
    return Root("Error", display=f"{error.get('name')}: {error.get('message')}",
                children=children, tone="failed")


def input_roots(values: dict[str, Any], fields: list[FieldSpec]) -> list[Root]:
    """A module's input as its form names it: "Variable lifetime: One cycle", not
    `scope: roundtrip` (fields the declaration doesn't have keep their keys)."""
    by_name = {f.name: f for f in fields}
    roots = []
    for key, value in values.items():
        spec = by_name.get(key)
        label = (spec.label or key) if spec is not None else str(key)
        if spec is None:
            roots.append(Root(label, value))
        elif spec.spec and isinstance(value, list) and all(isinstance(v, dict) for v in value):
            items = [Root(str(i), item, children=input_roots(item, spec.spec))
                     for i, item in enumerate(value, 1)]
            roots.append(Root(label, value, children=items))
        elif spec.spec and isinstance(value, dict):
            roots.append(Root(label, value, children=input_roots(value, spec.spec)))
        else:
            roots.append(Root(label, value, display=option_label(spec, value)))
    return roots


def declared_fields(document: Any, module_id: int) -> list[FieldSpec]:
    """A module's parameters and mapper fields as declared (none for an unknown module)."""
    try:
        spec = document.registry.get(document.node(module_id).module)
    except (KeyError, AttributeError):
        return []
    return [*spec.parameters, *spec.mapper] if spec is not None else []


def option_label(spec: FieldSpec, value: Any) -> str | None:
    """The label of a select's value ("One cycle" for roundtrip); None for other fields."""
    for option in spec.options or []:
        if isinstance(option, dict) and option.get("value") == value and option.get("label"):
            return str(option["label"])
    return None


def entry_roots(entry: OperationRecord, fields: list[FieldSpec] | None = None
                ) -> list[Root]:
    roots: list[Root] = []
    if entry.verdict is not None:
        roots.append(verdict_root(entry.verdict, entry.outcome != FILTERED))
    elif entry.outcome == FILTERED:
        roots.append(Root("Filter", display="did not pass", tone="failed", children=[]))
    if entry.outcome == FILTERED:
        if entry.context:
            roots.extend(Root(f"Bundle of module {k}", v, module_id=int(k))
                         for k, v in entry.context.items())
        return roots
    values = entry.input or {}
    roots.append(Root("Input", values, display="mapped fields" if values else "no mapped fields",
                      children=input_roots(values, fields) if fields else None))
    if entry.error is not None:
        roots.append(error_root(entry.error))
    total = len(entry.outputs)
    for i, bundle in enumerate(entry.outputs, 1):
        roots.append(Root(f"Output bundle {i}" if total > 1 else "Output", bundle,
                          module_id=entry.module_id))
    if not total and entry.error is None:
        roots.append(Root("Output", display="no bundles", children=[]))
    return roots


class OperationsModel(QAbstractListModel):
    """The operations of one module: a view over the record's own list. Rows reach the view
    in pages (fetchMore, as the user scrolls), so a module that ran 100,000 times costs the
    view what one page costs; new operations fill the first page as they come."""

    PAGE = 500

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.entries: list[OperationRecord] = []
        self._shown = 0

    def set_entries(self, entries: list[OperationRecord]) -> None:
        self.beginResetModel()
        self.entries = entries
        self._shown = min(len(entries), self.PAGE)
        self.endResetModel()

    def grow(self) -> None:
        """New operations arrived: show them while the first page is not full."""
        count = min(len(self.entries), self.PAGE)
        if count > self._shown:
            self.beginInsertRows(QModelIndex(), self._shown, count - 1)
            self._shown = count
            self.endInsertRows()

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> bool:  # noqa: N802
        return not parent.isValid() and self._shown < len(self.entries)

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> None:  # noqa: N802
        count = min(len(self.entries), self._shown + self.PAGE)
        if parent.isValid() or count <= self._shown:
            return
        self.beginInsertRows(QModelIndex(), self._shown, count - 1)
        self._shown = count
        self.endInsertRows()

    def show_row(self, row: int) -> None:
        """Make sure `row` is loaded (to open the last operation, say)."""
        while self._shown <= row < len(self.entries):
            self.fetchMore(QModelIndex())

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _TOP  # noqa: N802
                 ) -> int:
        return 0 if parent.isValid() else self._shown

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= self._shown:
            return None
        entry = self.entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return entry_title(entry)
        if role == Qt.ItemDataRole.ForegroundRole and entry.outcome != OK:
            return QBrush(COLOURS[entry.outcome])
        if role == Qt.ItemDataRole.ToolTipRole and entry.error is not None:
            return str(entry.error.get("message"))
        return None


class InspectorPanel(QWidget):
    pin_requested = Signal(int, object)  # module id, bundles
    unpin_requested = Signal(int)
    module_only_requested = Signal(int)

    def __init__(self, titles: Callable[[int], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._title = titles
        # The module's declared fields (parameters and mapper), to label its input.
        self.fields_of: Callable[[int], list[FieldSpec]] = lambda _id: []
        self.record = RunRecord()
        self.module_id: int | None = None
        self.pause: Pause | None = None
        self.pinned: Callable[[int], bool] = lambda _id: False

        self.header = QLabel("Run the scenario once, then click a module's bubble.")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.pin_button = QPushButton("Pin this output")
        self.pin_button.setToolTip("Use these bundles instead of running the module "
                                   "(side effects are skipped while debugging)")
        self.pin_button.clicked.connect(self._pin_clicked)
        self.module_only_button = QPushButton("Run this module only…")
        self.module_only_button.clicked.connect(
            lambda: self.module_id is not None and self.module_only_requested.emit(self.module_id))
        # The run's outcome when it went wrong: the error that stopped it (module and
        # message), a run that could not start, errors that handler routes took.
        self.run_error = QLabel("")
        self.run_error.setObjectName("run_error")
        self.run_error.setWordWrap(True)
        self.run_error.setTextFormat(Qt.TextFormat.RichText)
        self.run_error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.run_error.setStyleSheet(
            "#run_error { color: #8f1d12; background: #fdecea; border: 1px solid #f1b0a8;"
            " border-radius: 3px; padding: 4px 6px; }")
        self.run_error.hide()
        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(self.pin_button)
        top.addWidget(self.module_only_button)

        self.operations = OperationsModel(self)
        # A tree view, not a QListView: a list view lays out every row again whenever rows
        # are added, which stalls the window once a module has run 100,000 times.
        self.operations_view = QTreeView()
        self.operations_view.setModel(self.operations)
        self.operations_view.setUniformRowHeights(True)
        self.operations_view.setRootIsDecorated(False)
        self.operations_view.setHeaderHidden(True)
        self.operations_view.selectionModel().currentChanged.connect(self._operation_chosen)

        self.bundles = BundleModel(self)
        self.tree = QTreeView()
        self.tree.setModel(self.bundles)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.tree.header().resizeSection(0, 220)
        self.tree.header().resizeSection(1, 360)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)

        splitter = QSplitter()
        splitter.addWidget(self.operations_view)
        splitter.addWidget(self.tree)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([200, 700])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(self.run_error)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        self._update_buttons()

    # ---------------------------------------------------------------- showing

    def show_run_error(self, text: str | None) -> None:
        self.run_error.setText(text or "")
        self.run_error.setVisible(bool(text))

    def set_record(self, record: RunRecord) -> None:
        self.record = record
        self.pause = None
        if self.module_id is not None:
            self.show_module(self.module_id)

    def show_module(self, module_id: int | None, operation: int | None = None) -> None:
        """List the module's operations and open one (the last one by default)."""
        self.module_id = module_id
        entries = self.record.entries(module_id) if module_id is not None else []
        self.operations.set_entries(entries)
        self._update_header()
        self._update_buttons()
        if self.pause is not None and self.pause.module_id == module_id and operation is None:
            self._show_pause_bundles()
            return
        if entries:
            last = min(len(entries), self.operations.PAGE) - 1  # the last of the first page
            row = last if operation is None else max(0, min(operation - 1, len(entries) - 1))
            self.operations.show_row(row)
            self.operations_view.setCurrentIndex(self.operations.index(row))
            self.show_entry(entries[row])
        else:
            self.bundles.set_roots([])

    def show_entry(self, entry: OperationRecord) -> None:
        self.bundles.set_roots(entry_roots(entry, self.fields_of(entry.module_id)))
        for row in range(self.bundles.rowCount()):
            index = self.bundles.index(row, 0)
            # The filter verdict opens down to each condition; bundles one level.
            self._expand(index, 3 if self.bundles.node(index).label.startswith("Filter") else 1)

    def _expand(self, index: QModelIndex, depth: int) -> None:
        if depth <= 0 or not self.bundles.hasChildren(index):
            return
        while self.bundles.canFetchMore(index):
            self.bundles.fetchMore(index)
        self.tree.expand(index)
        if depth > 1:
            for row in range(self.bundles.rowCount(index)):
                self._expand(self.bundles.index(row, 0, index), depth - 1)

    def show_pause(self, pause: Pause | None) -> None:
        """While paused: the module about to run and every bundle it can map."""
        self.pause = pause
        if pause is None:
            self._update_header()
            return
        self.show_module(pause.module_id)

    def _show_pause_bundles(self) -> None:
        pause = self.pause
        assert pause is not None
        values = pause.input or {}
        fields = self.fields_of(pause.module_id)
        roots = [Root("Input (mapped now)", values, display=pause.input_error,
                      children=input_roots(values, fields) if fields and values else None)]
        for module_id, bundle in sorted(pause.bundles.items(), key=lambda kv: str(kv[0])):
            label = self._title(module_id) if isinstance(module_id, int) else str(module_id)
            roots.append(Root(f"Bundle of {label}", bundle,
                              module_id=module_id if isinstance(module_id, int) else None))
        self.operations_view.clearSelection()
        self.bundles.set_roots(roots)
        for row in range(self.bundles.rowCount()):
            self.tree.expand(self.bundles.index(row, 0))
        self._update_header()

    def refresh(self, touched: set[int]) -> None:
        """A batch of events arrived: grow the operations list of the shown module."""
        if self.module_id is None or self.module_id not in touched:
            return
        if self.operations.entries is not self.record.entries(self.module_id):
            self.show_module(self.module_id)
            return
        had = self.operations.rowCount()
        self.operations.grow()
        if had == 0 and self.operations.rowCount():
            self.show_module(self.module_id)
        self._update_header()

    def _update_header(self) -> None:
        if self.module_id is None:
            self.header.setText("Run the scenario once, then click a module's bubble.")
            return
        title = self._title(self.module_id)
        module = self.record.modules.get(self.module_id)
        parts = [f"<b>{title}</b>"]
        if module is not None:
            parts.append(f"{module.operations:,} operation{'' if module.operations == 1 else 's'}")
            if module.filtered:
                parts.append(f"{module.filtered:,} filtered out")
            if module.errors:
                parts.append(f"{module.errors:,} error{'' if module.errors == 1 else 's'}")
        else:
            parts.append("did not run")
        if self.pause is not None and self.pause.module_id == self.module_id:
            parts.append("<span style='color:#b36b00'><b>paused before it runs</b> — every "
                         "bundle so far</span>")
        if self.pinned(self.module_id):
            parts.append("<span style='color:#6d00cc'>output pinned</span>")
        self.header.setText(" · ".join(parts))

    def _update_buttons(self) -> None:
        has_module = self.module_id is not None
        pinned = has_module and self.pinned(self.module_id)  # type: ignore[arg-type]
        self.pin_button.setText("Unpin output" if pinned else "Pin this output")
        entry = self.current_entry()
        self.pin_button.setEnabled(bool(pinned or (entry is not None and entry.outputs)))
        self.module_only_button.setEnabled(has_module)

    # ---------------------------------------------------------------- choice

    def current_entry(self) -> OperationRecord | None:
        index = self.operations_view.currentIndex()
        if not index.isValid() or index.row() >= len(self.operations.entries):
            return None
        return self.operations.entries[index.row()]

    def _operation_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and current.row() < len(self.operations.entries):
            self.show_entry(self.operations.entries[current.row()])
        self._update_buttons()

    def _pin_clicked(self) -> None:
        if self.module_id is None:
            return
        if self.pinned(self.module_id):
            self.unpin_requested.emit(self.module_id)
        else:
            entry = self.current_entry()
            if entry is not None and entry.outputs:
                self.pin_requested.emit(self.module_id, list(entry.outputs))
        self._update_header()
        self._update_buttons()

    # ------------------------------------------------------------- copying

    def copy_value(self, index: QModelIndex) -> str:
        text = copy_text(self.bundles.value(index))
        QGuiApplication.clipboard().setText(text)
        return text

    def copy_path(self, index: QModelIndex) -> str | None:
        reference = self.bundles.reference(index)
        if reference is not None:
            QGuiApplication.clipboard().setText(reference)
        return reference

    def context_menu(self, index: QModelIndex) -> QMenu:
        menu = QMenu(self)
        menu.addAction("Copy value", lambda: self.copy_value(index))
        reference = self.bundles.reference(index)
        action = menu.addAction(f"Copy path {reference}" if reference else "Copy path",
                                lambda: self.copy_path(index))
        action.setEnabled(reference is not None)
        return menu

    def _context_menu(self, at: QPoint) -> None:
        index = self.tree.indexAt(at)
        if not index.isValid():
            return
        menu = self.context_menu(index.siblingAtColumn(0))
        menu.exec(self.tree.viewport().mapToGlobal(at))
        menu.deleteLater()
