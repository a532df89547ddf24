"""A lazy tree model over bundles: nodes are made only when a branch is opened, and long
arrays arrive in pages (fetchMore), so a 100,000-item bundle opens at once.

Columns: name (array items 1-based, as Make numbers them), value (long text and binary data
summarised), type (Make's names: text, number, boolean, date, collection, array, buffer).
Nodes under a module's output carry their path, for "Copy path" as `{{N.path}}`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from app.gui.panels.mapping_picker import quote_segment
from engine.values import to_json_value, to_text

PAGE = 500  # children made per fetch
LONG_TEXT = 160  # characters shown of a longer text
COLUMNS = ("Name", "Value", "Type")
PATH_ROLE = Qt.ItemDataRole.UserRole + 10
_MUTED = QBrush(QColor("#8a8a99"))
_PASSED = QBrush(QColor("#1f9d63"))
_FAILED = QBrush(QColor("#d92d3a"))

Index = QModelIndex | QPersistentModelIndex
_TOP = QModelIndex()  # the invisible root (never mutated)


def make_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, datetime):
        return "date"
    if isinstance(value, (bytes, bytearray)):
        return "buffer"
    if isinstance(value, dict):
        return "collection"
    if isinstance(value, (list, tuple)):
        return "array"
    return type(value).__name__


def summarise(value: Any) -> str:
    """One line for the value column."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value.replace("\n", "⏎ ")
        if len(text) > LONG_TEXT:
            return f"{text[:LONG_TEXT]}… ({len(value):,} characters)"
        return text
    if isinstance(value, (bytes, bytearray)):
        return f"Binary data ({len(value):,} bytes)"
    if isinstance(value, dict):
        return f"{len(value):,} field{'' if len(value) == 1 else 's'}" if value else "empty"
    if isinstance(value, (list, tuple)):
        return f"{len(value):,} item{'' if len(value) == 1 else 's'}" if value else "empty"
    return to_text(value)


def copy_text(value: Any) -> str:
    """What "Copy value" puts on the clipboard: text as is, structures as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list, tuple)):
        return orjson.dumps(to_json_value(value), option=orjson.OPT_INDENT_2).decode()
    if isinstance(value, (bytes, bytearray)):
        return summarise(value)
    return summarise(value) if value is None or isinstance(value, bool) else to_text(value)


def path_reference(module_id: int, path: Sequence[str | int]) -> str:
    """`{{3.items[2].name}}`: keys backticked when needed, array indexes 1-based."""
    text = str(module_id)
    for segment in path:
        text += f"[{segment}]" if isinstance(segment, int) else "." + quote_segment(segment)
    return "{{" + text + "}}"


@dataclass
class Root:
    """A top-level row: a label, a value shown as a tree, and whose output it is (for
    paths). `children` replaces the value's own children (filter verdicts, errors)."""

    label: str
    value: Any = None
    module_id: int | None = None
    display: str | None = None
    type_text: str | None = None
    children: list[Root] | None = None
    tone: str | None = None  # "passed" | "failed": colours the value


class _Node:
    __slots__ = ("label", "value", "parent", "row", "module_id", "path", "display",
                 "type_text", "tone", "_explicit", "_children", "_total")

    def __init__(self, label: str, value: Any, parent: _Node | None, row: int,
                 module_id: int | None, path: tuple[str | int, ...] | None,
                 root: Root | None = None) -> None:
        self.label = label
        self.value = value
        self.parent = parent
        self.row = row
        self.module_id = module_id
        self.path = path
        self.display = root.display if root else None
        self.type_text = root.type_text if root else None
        self.tone = root.tone if root else None
        self._explicit = root.children if root else None
        self._children: list[_Node] | None = None
        self._total: int | None = None

    def total(self) -> int:
        if self._total is None:
            if self._explicit is not None:
                self._total = len(self._explicit)
            elif isinstance(self.value, dict):
                self._total = len(self.value)
            elif isinstance(self.value, (list, tuple)):
                self._total = len(self.value)
            else:
                self._total = 0
        return self._total

    def loaded(self) -> list[_Node]:
        if self._children is None:
            self._children = []
        return self._children

    def load_more(self, count: int) -> int:
        """Make up to `count` more children; returns how many were made."""
        children = self.loaded()
        start = len(children)
        end = min(self.total(), start + count)
        if self._explicit is not None:
            for i in range(start, end):
                spec = self._explicit[i]
                children.append(_Node(spec.label, spec.value, self, i, spec.module_id,
                                      () if spec.module_id is not None else None, spec))
        elif isinstance(self.value, dict):
            keys = list(self.value.keys())[start:end]
            for offset, key in enumerate(keys):
                path = None if self.path is None else (*self.path, str(key))
                children.append(_Node(str(key), self.value[key], self, start + offset,
                                      self.module_id, path))
        else:
            for i in range(start, end):
                path = None if self.path is None else (*self.path, i + 1)
                children.append(_Node(str(i + 1), self.value[i], self, i, self.module_id, path))
        return end - start


class BundleModel(QAbstractItemModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._root = _Node("", None, None, 0, None, None, Root("", children=[]))

    def set_roots(self, roots: list[Root]) -> None:
        self.beginResetModel()
        self._root = _Node("", None, None, 0, None, None, Root("", children=roots))
        self._root.load_more(len(roots))
        self.endResetModel()

    def node(self, index: Index) -> _Node:
        if index.isValid():
            found: _Node = index.internalPointer()
            return found
        return self._root

    # ------------------------------------------------------------ structure

    def index(self, row: int, column: int, parent: Index = _TOP) -> QModelIndex:
        node = self.node(parent)
        children = node.loaded()
        if 0 <= row < len(children) and 0 <= column < len(COLUMNS):
            return self.createIndex(row, column, children[row])
        return QModelIndex()

    def parent(self, index: Index = _TOP) -> QModelIndex:  # type: ignore[override]
        if not index.isValid():
            return QModelIndex()
        node: _Node = index.internalPointer()
        up = node.parent
        if up is None or up is self._root:
            return QModelIndex()
        return self.createIndex(up.row, 0, up)

    def rowCount(self, parent: Index = _TOP) -> int:  # noqa: N802
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self.node(parent).loaded())

    def columnCount(self, parent: Index = _TOP) -> int:  # noqa: N802
        return len(COLUMNS)

    def hasChildren(self, parent: Index = _TOP) -> bool:  # noqa: N802
        if parent.isValid() and parent.column() != 0:
            return False
        return self.node(parent).total() > 0

    def canFetchMore(self, parent: Index) -> bool:  # noqa: N802
        node = self.node(parent)
        return len(node.loaded()) < node.total()

    def fetchMore(self, parent: Index) -> None:  # noqa: N802
        node = self.node(parent)
        start = len(node.loaded())
        count = min(PAGE, node.total() - start)
        if count <= 0:
            return
        self.beginInsertRows(parent, start, start + count - 1)
        node.load_more(count)
        self.endInsertRows()

    # ----------------------------------------------------------------- data

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node: _Node = index.internalPointer()
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == 0:
                return node.label
            if column == 1:
                if node.display is not None:
                    return node.display
                if role == Qt.ItemDataRole.ToolTipRole and isinstance(node.value, str):
                    return node.value[:2000]
                return summarise(node.value)
            return node.type_text if node.type_text is not None else (
                make_type(node.value) if node._explicit is None else "")
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == 2:
                return _MUTED
            if column == 1 and node.tone is not None:
                return _PASSED if node.tone == "passed" else _FAILED
        if role == PATH_ROLE:
            return self.reference(index)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    # ---------------------------------------------------------------- queries

    def reference(self, index: Index) -> str | None:
        """`{{N.path}}` of a field of a module's bundle (None elsewhere)."""
        node = self.node(index)
        if node.module_id is None or not node.path:
            return None
        return path_reference(node.module_id, node.path)

    def value(self, index: Index) -> Any:
        return self.node(index).value

    def find(self, *labels: str) -> QModelIndex:
        """The index reached by following row labels from the top (tests, scripts)."""
        index = QModelIndex()
        for label in labels:
            while self.canFetchMore(index):
                self.fetchMore(index)
            for row in range(self.rowCount(index)):
                child = self.index(row, 0, index)
                if self.node(child).label == label:
                    index = child
                    break
            else:
                return QModelIndex()
        return index

    def labels(self, parent: Index = _TOP) -> list[str]:
        """The labels of a node's first page of children (loading it if needed)."""
        if self.rowCount(parent) == 0 and self.canFetchMore(parent):
            self.fetchMore(parent)
        return [self.node(self.index(r, 0, parent)).label for r in range(self.rowCount(parent))]
