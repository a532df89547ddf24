"""What the "Aggregated fields" and "Merged outputs" editors share: a group of rows, each
under a name (None until a new row is named), kept in step with the model's names."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGroupBox, QVBoxLayout, QWidget


class NamedRows(QGroupBox):
    problem = Signal(str)
    what = "an entry"  # for messages: "an aggregated field", "a merged output"

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.rows: list[Any] = []  # widgets with `.key` and `.name` (a QLineEdit)
        self.rows_layout = QVBoxLayout()

    def _new_row(self, key: str | None, index: int) -> Any:
        raise NotImplementedError

    def _sync_rows(self, names: list[str]) -> None:
        """Rebuild the named rows when the model's names changed (rename, undo); rows still
        waiting for a name stay at the end."""
        if [row.key for row in self.rows if row.key is not None] == names:
            return
        pending = [row for row in self.rows if row.key is None]
        for row in list(self.rows):
            if row.key is not None:
                self._drop_row(row)
        for name in names:
            self._new_row(name, len(self.rows) - len(pending))

    def _drop_row(self, row: Any) -> None:
        self.rows.remove(row)
        self.rows_layout.removeWidget(row)
        row.hide()
        row.deleteLater()

    def _checked_name(self, row: Any, taken: list[str]) -> str | None:
        """The name typed into `row`, or None when nothing is to change: unchanged, emptied
        (a row goes with its ✕, not by emptying its name) or taken (said, then undone)."""
        name = str(row.name.text()).strip()
        if name == (row.key or ""):
            return None
        if name and name in taken:
            self.problem.emit(f"There is already {self.what} named “{name}”.")
            name = ""
        if not name:
            row.name.setText(row.key or "")
            return None
        return name
