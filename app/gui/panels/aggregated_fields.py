"""The array aggregator's "Aggregated fields": the item each bundle adds to `array`.

Make's Array aggregator turns every bundle of the loop into one item; its keys are the
aggregator's mapper keys, its values IML mapped from the modules inside the loop
(`{"line": "{{3.value}}"}` gives `{array: [{line: ...}, ...]}`). Each row is a name and a
mapped value; "Add field" adds a row, which reaches the blueprint once it has a name.

Like every field editor it only shows the model (`set_value(mapper)`) and reports edits as
`edited(path, value, typing)` relative to the mapper: a value's keystrokes are
`((name,), text, True)`; renaming is one `((), whole mapper, False)` so the key keeps its
place; removing is `((name,), CLEARED, False)`.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.panels.fields import CLEARED, as_text
from app.gui.panels.iml_editor import ImlEditor
from app.gui.panels.named_rows import NamedRows

HINT = "Each bundle of the loop adds one item with these fields to the output array."


class AggregatedFieldRow(QWidget):
    def __init__(self, key: str | None, completions: list[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key  # the mapper key it shows; None until the new row gets a name
        self.name = QLineEdit(self)
        self.name.setPlaceholderText("Field name")
        self.name.setText(key or "")
        self.value = ImlEditor(self, single_line=True)
        self.value.set_completions(completions)
        self.value.setPlaceholderText("Value, e.g. {{3.value}}")
        self.remove = QToolButton(self)
        self.remove.setText("✕")
        self.remove.setToolTip("Remove this field")
        line = QHBoxLayout(self)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.name, 2)
        line.addWidget(self.value, 3)
        line.addWidget(self.remove, 0, Qt.AlignmentFlag.AlignTop)


class AggregatedFields(NamedRows):
    edited = Signal(object, object, bool)  # path (relative to the mapper), value, typing
    what = "an aggregated field"

    def __init__(self, completions: list[str], parent: QWidget | None = None) -> None:
        super().__init__("Aggregated fields", parent)
        self.completions = completions
        self.mapper: dict[str, Any] = {}
        hint = QLabel(HINT, self)
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #8a8a99")
        self.add_button = QPushButton("Add field", self)
        self.add_button.clicked.connect(self.add_row)
        column = QVBoxLayout(self)
        column.addWidget(hint)
        column.addLayout(self.rows_layout)
        column.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)

    # ------------------------------------------------------------------ showing

    def set_value(self, mapper: Any) -> None:
        self.mapper = dict(mapper) if isinstance(mapper, dict) else {}
        self._sync_rows(list(self.mapper))
        for row in self.rows:
            if row.key is not None:
                value = self.mapper.get(row.key)
                row.value.set_text(value if isinstance(value, str) else as_text(value))
                if not row.name.hasFocus():
                    row.name.setText(row.key)

    def add_row(self) -> AggregatedFieldRow:
        row = self._new_row(None, self.rows_layout.count())
        row.name.setFocus()
        return row

    # ------------------------------------------------------------------ editing

    def _new_row(self, key: str | None, index: int) -> AggregatedFieldRow:
        row = AggregatedFieldRow(key, self.completions, self)
        row.name.editingFinished.connect(lambda r=row: self._named(r))
        row.value.text_edited.connect(lambda text, r=row: self._value_typed(r, text))
        row.remove.clicked.connect(lambda _c=False, r=row: self._remove(r))
        self.rows_layout.insertWidget(index, row)
        self.rows.insert(index, row)
        return row

    def _named(self, row: AggregatedFieldRow) -> None:
        name = self._checked_name(row, list(self.mapper))
        if name is None:
            return
        if row.key is None:  # a new row: it enters the blueprint with its name
            row.key = name
            self.edited.emit((name,), row.value.text(), False)
            return
        renamed = {(name if k == row.key else k): v for k, v in self.mapper.items()}
        row.key = name
        self.edited.emit((), renamed, False)

    def _value_typed(self, row: AggregatedFieldRow, text: str) -> None:
        if row.key is not None:
            self.edited.emit((row.key,), text, True)

    def _remove(self, row: AggregatedFieldRow) -> None:
        key = row.key
        if key is None:
            self._drop_row(row)
        else:
            self.edited.emit((key,), CLEARED, False)

