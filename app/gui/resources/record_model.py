"""A data store's records as a Qt table that reads one page at a time.

Only the record count is known up front; a row's page (PAGE_SIZE records) is read from
SQLite when the view first shows it, and at most CACHED_PAGES pages are kept, so a store of a
million records opens and scrolls like a small one. Columns: the key, then the data
structure's fields (or, without one, the fields of the first page). Editing a cell saves the
record in its own transaction; a value the structure refuses is reported by `problem` and
the cell keeps its old value.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from app.gui.resources.cells import cell_text, value_from_text
from engine.runtime import Workspace
from engine.store.data_structures import DataStructure, get_structure
from engine.store.record_edits import RecordInvalid, save_record
from engine.store.record_pages import Record, RecordQuery, count_records, read_page
from engine.store.record_search import has_index, index_field
from engine.store.store_admin import StoreError, store_info

PAGE_SIZE = 100
CACHED_PAGES = 40
_Index = QModelIndex | QPersistentModelIndex


class RecordTableModel(QAbstractTableModel):
    problem = Signal(str)  # an edit was refused: why
    changed = Signal()  # records were added, edited or removed
    indexing = Signal(str)  # a field's index is being made for a sort

    def __init__(self, workspace: Workspace, store_id: str, parent: Any = None) -> None:
        super().__init__(parent)
        self.engine = workspace.state
        self.query = RecordQuery(store_id)
        self.structure: DataStructure | None = None
        self.fields: list[str] = []
        self.total = 0
        self._pages: OrderedDict[int, list[Record]] = OrderedDict()
        self.pages_read = 0  # how many page reads the view caused (tests, benchmarks)
        self.task: asyncio.Task[None] | None = None
        self.reload()

    # -- reading --

    def reload(self) -> None:
        self.beginResetModel()
        self._pages.clear()
        info = store_info(self.engine, self.query.store_id)
        self.structure = get_structure(self.engine, info.structure_id)
        # the store's count is kept by triggers; only a search needs counting
        self.total = count_records(self.engine, self.query) if self.query.search else info.records
        if self.structure is not None:
            self.fields = [f.name for f in self.structure.spec]
        else:
            seen: dict[str, None] = {}
            for record in self._page(0) if self.total else []:
                seen.update(dict.fromkeys(record.data))
            self.fields = list(seen)
        self.endResetModel()

    def set_search(self, prefix: str) -> None:
        self.query = RecordQuery(self.query.store_id, prefix, self.query.order,
                                 self.query.sort_field)
        self.reload()

    def record(self, row: int) -> Record | None:
        if not 0 <= row < self.total:
            return None
        page = self._page(row // PAGE_SIZE)
        offset = row % PAGE_SIZE
        return page[offset] if offset < len(page) else None

    def row_of(self, key: str) -> int | None:
        """The row of a cached record (after a search, the first page holds it)."""
        for number, page in self._pages.items():
            for offset, record in enumerate(page):
                if record.key == key:
                    return number * PAGE_SIZE + offset
        return None

    def _page(self, number: int) -> list[Record]:
        page = self._pages.get(number)
        if page is None:
            before = self._pages.get(number - 1)  # scrolling: start after its last key
            after = before[-1].key if before and len(before) == PAGE_SIZE else None
            page = read_page(self.engine, self.query, number * PAGE_SIZE, PAGE_SIZE,
                             total=self.total, after=after)
            self.pages_read += 1
            self._pages[number] = page
            while len(self._pages) > CACHED_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        return page

    # -- Qt model --

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else self.total

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else 1 + len(self.fields)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return "Key" if section == 0 else self.fields[section - 1]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return None
        record = self.record(index.row())
        if record is None:
            return None
        if index.column() == 0:
            return record.key
        return cell_text(record.data.get(self.fields[index.column() - 1]))

    def flags(self, index: _Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base | Qt.ItemFlag.ItemIsEditable if index.isValid() else base

    def setData(self, index: _Index, value: Any,  # noqa: N802
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        record = self.record(index.row())
        if record is None or role != Qt.ItemDataRole.EditRole:
            return False
        key, data = record.key, dict(record.data)
        try:
            if index.column() == 0:
                key = str(value).strip()
            else:
                name = self.fields[index.column() - 1]
                data[name] = value_from_text(str(value), self.field_type(name))
            save_record(self.engine, self.query.store_id, key, data, previous_key=record.key)
        except (RecordInvalid, StoreError, ValueError) as exc:
            self.problem.emit(str(exc))
            return False
        if key != record.key:
            self.reload()  # the record moves to its key's place
        else:
            self._pages.pop(index.row() // PAGE_SIZE, None)
            self.dataChanged.emit(self.index(index.row(), 0),
                                  self.index(index.row(), self.columnCount() - 1))
        self.changed.emit()
        return True

    def field_type(self, name: str) -> str | None:
        if self.structure is None:
            return None
        field = next((f for f in self.structure.spec if f.name == name), None)
        return field.type if field is not None else None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        descending = order == Qt.SortOrder.DescendingOrder
        sort_field = None if column <= 0 else self.fields[column - 1]
        query = RecordQuery(self.query.store_id, self.query.search,
                            "-key" if descending else "key", sort_field)
        if query == self.query:  # the view asks again for the order it already has
            return
        if sort_field is not None and not has_index(self.engine, sort_field):
            loop = _running_loop()
            if loop is not None:  # the index is made off the GUI thread, then the order shown
                self.indexing.emit(sort_field)
                self.task = loop.create_task(self._sort_when_indexed(query))
                return
        self.query = query
        self.reload()

    async def _sort_when_indexed(self, query: RecordQuery) -> None:
        assert query.sort_field is not None
        await asyncio.to_thread(index_field, self.engine, query.sort_field)
        self.query = query
        self.reload()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
