"""One data store's records: a paged table with search by key and sort by column, add /
edit (the record form) / delete / delete all, import and export (CSV, JSON) off the GUI
thread with a progress bar, and the store's record count and size."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.gui.debugger.session import format_bytes
from app.gui.resources.record_form import RecordForm
from app.gui.resources.record_model import RecordTableModel
from engine.runtime import Workspace
from engine.store.record_edits import delete_all_records, delete_records
from engine.store.record_io import ImportResult, export_records, format_of, import_records
from engine.store.store_admin import store_info

_FILES = "CSV or JSON (*.csv *.json);;All files (*)"


class StoreBrowser(QWidget):
    changed = Signal()  # records changed: the store list's counts are stale
    message = Signal(str)

    def __init__(self, workspace: Workspace, store_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace, self.store_id = workspace, store_id
        self.engine = workspace.state
        self.model = RecordTableModel(workspace, store_id, self)
        self.model.problem.connect(self._show_problem)
        self.model.changed.connect(self._records_changed)
        self.model.modelReset.connect(self._update_info)
        self.model.indexing.connect(
            lambda name: self.info.setText(f"Indexing {name} to sort by it…"))
        self.form: RecordForm | None = None
        self.task: asyncio.Task[Any] | None = None

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search by key (starts with)…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.model.set_search)
        self.info = QLabel()
        self.table = QTableView()
        self.table.setModel(self.model)
        # the indicator first: enabling sorting sorts by it (Qt's default is descending)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.doubleClicked.connect(lambda index: self.edit_record(index.row())
                                         if index.column() == 0 else None)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #c62828;")
        self.progress = QProgressBar()
        self.progress.setVisible(False)

        self.add_button = QPushButton("Add record")
        self.add_button.clicked.connect(self.add_record)
        self.edit_button = QPushButton("Edit")
        self.edit_button.clicked.connect(lambda: self.edit_record(self.table.currentIndex().row()))
        self.delete_button = QPushButton("Delete")
        self.delete_button.clicked.connect(self.delete_selected)
        self.delete_all_button = QPushButton("Delete all")
        self.delete_all_button.clicked.connect(self.delete_all)
        self.import_button = QPushButton("Import…")
        self.import_button.clicked.connect(self._choose_import)
        self.export_button = QPushButton("Export…")
        self.export_button.clicked.connect(self._choose_export)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.delete_button,
                       self.delete_all_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.export_button)

        browse = QWidget()
        column = QVBoxLayout(browse)
        column.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.info)
        column.addLayout(top)
        column.addWidget(self.table, 1)
        column.addWidget(self.problem)
        column.addWidget(self.progress)
        column.addLayout(buttons)
        self.pages = QStackedWidget()
        self.pages.addWidget(browse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)
        self._update_info()

    # -- info --

    def _update_info(self) -> None:
        info = store_info(self.engine, self.store_id)
        limit = f" of {info.max_size_mb} MB" if info.max_size_mb else ""
        shown = (f"{self.model.total:,} of " if self.model.query.search else "")
        self.info.setText(f"{shown}{info.records:,} records · {format_bytes(info.size)}{limit}")

    def _show_problem(self, text: str) -> None:
        self.problem.setText(text)

    def _records_changed(self) -> None:
        self.problem.setText("")
        self._update_info()
        self.changed.emit()

    # -- records --

    def add_record(self) -> RecordForm:
        return self._open_form(None)

    def edit_record(self, row: int) -> RecordForm | None:
        record = self.model.record(row)
        return self._open_form(record) if record is not None else None

    def _open_form(self, record: Any) -> RecordForm:
        self._close_form()
        self.form = RecordForm(self.workspace, self.store_id, self.model.structure, record)
        self.form.saved.connect(self._form_saved)
        self.form.cancelled.connect(self._close_form)
        self.pages.addWidget(self.form)
        self.pages.setCurrentWidget(self.form)
        return self.form

    def _form_saved(self, key: str) -> None:
        self._close_form()
        self.model.reload()
        self._records_changed()
        self.message.emit(f"Saved record {key!r}")

    def _close_form(self) -> None:
        if self.form is not None:
            self.pages.removeWidget(self.form)
            self.form.deleteLater()
            self.form = None
        self.pages.setCurrentIndex(0)

    def selected_keys(self) -> list[str]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [r.key for row in rows if (r := self.model.record(row)) is not None]

    def delete_selected(self) -> None:
        keys = self.selected_keys()
        if not keys:
            return
        what = f"the record {keys[0]!r}" if len(keys) == 1 else f"{len(keys)} records"
        if self._ask("Delete records", f"Delete {what}?"):
            delete_records(self.engine, self.store_id, keys)
            self.model.reload()
            self._records_changed()

    def delete_all(self) -> None:
        info = store_info(self.engine, self.store_id)
        if self._ask("Delete all records",
                     f"Delete all {info.records:,} records of {info.name!r}?"):
            delete_all_records(self.engine, self.store_id)
            self.model.reload()
            self._records_changed()

    def _ask(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(
            self, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    # -- files --

    def _choose_import(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, "Import records", "", _FILES)
        if chosen:
            self.import_file(Path(chosen))

    def _choose_export(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, "Export records", "records.csv", _FILES)
        if chosen:
            self.export_file(Path(chosen))

    def import_file(self, path: Path) -> asyncio.Task[ImportResult]:
        """Import off the GUI thread; the bar shows the share of the file read so far."""
        total = max(path.stat().st_size, 1)
        lines = max(1, sum(1 for _ in path.open("rb")) - 1) if total < 50_000_000 else 0
        loop = asyncio.get_event_loop()
        self.progress.setRange(0, lines or 0)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.import_button.setEnabled(False)

        def report(rows: int) -> None:
            loop.call_soon_threadsafe(self.progress.setValue, min(rows, lines))

        async def work() -> ImportResult:
            try:
                result = await asyncio.to_thread(import_records, self.engine, self.store_id,
                                                 path, progress=report)
            except (OSError, ValueError) as exc:
                self.problem.setText(f"Import failed: {exc}")
                raise
            finally:
                self.progress.setVisible(False)
                self.import_button.setEnabled(True)
            self.model.reload()
            self._records_changed()
            skipped = f", skipped {result.skipped:,}" if result.skipped else ""
            self.problem.setText("; ".join(result.problems[:3]))
            self.message.emit(f"Imported {result.imported:,} records{skipped}")
            return result

        self.task = asyncio.ensure_future(work())
        return self.task

    def export_file(self, path: Path) -> asyncio.Task[int]:
        def write() -> int:
            with path.open("w", newline="", encoding="utf-8") as out:
                return export_records(self.engine, self.store_id, out, format_of(path))

        async def work() -> int:
            count = await asyncio.to_thread(write)
            self.message.emit(f"Exported {count:,} records to {path.name}")
            return count

        self.task = asyncio.ensure_future(work())
        return self.task
