"""The form of one record, built from the store's data structure, with problems shown under
the field they concern (the key, a missing required field, a value of the wrong type).

Without a structure the record's data is one JSON object. `saved(key)` is emitted once the
record is stored; nothing is stored while a problem remains.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.resources.cells import COMPLEX_TYPES, cell_text, value_from_text
from engine.runtime import Workspace
from engine.store.data_structures import DataStructure, StructureField
from engine.store.record_edits import RecordInvalid, save_record
from engine.store.record_pages import Record
from engine.store.store_admin import StoreError

_ERROR_STYLE = "color: #c62828;"
_DATA = "data"  # the path problems of a structure-less record are shown under


class RecordForm(QWidget):
    saved = Signal(str)
    cancelled = Signal()

    def __init__(self, workspace: Workspace, store_id: str, structure: DataStructure | None,
                 record: Record | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine, self.store_id, self.structure = workspace.state, store_id, structure
        self.previous_key = record.key if record is not None else None
        data = record.data if record is not None else {}
        self.title = QLabel("Edit record" if record else "New record")
        self.title.setStyleSheet("font-weight: bold;")
        self.form = QFormLayout()
        self.inputs: dict[str, QLineEdit | QCheckBox | QPlainTextEdit] = {}
        self.errors: dict[str, QLabel] = {}
        self.key = QLineEdit(record.key if record else "")
        self.key.setPlaceholderText("left empty: a unique key is generated")
        self._add_row("key", "Key", self.key)
        fields = structure.spec if structure is not None else None
        if fields is None:
            editor = QPlainTextEdit(cell_text(data) if data else "{}")
            self._add_row(_DATA, "Data (JSON)", editor)
        for field in fields or []:
            self._add_row(field.name, self._label(field), self._input(field, data))
        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.cancelled.emit)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(self.form)
        layout.addLayout(buttons)
        layout.addStretch(1)

    @staticmethod
    def _label(field: StructureField) -> str:
        label = field.label or field.name
        return f"{label} *" if field.required else label

    def _input(self, field: StructureField, data: dict[str, Any]
               ) -> QLineEdit | QCheckBox | QPlainTextEdit:
        value = data.get(field.name, field.default)
        if field.type == "boolean":
            box = QCheckBox()
            box.setChecked(bool(value))
            return box
        if field.type in COMPLEX_TYPES:
            editor = QPlainTextEdit("" if value is None else cell_text(value))
            editor.setFixedHeight(64)
            editor.setPlaceholderText("JSON")
            return editor
        line = QLineEdit("" if value is None else cell_text(value))
        line.setPlaceholderText(field.type)
        return line

    def _add_row(self, name: str, label: str,
                 editor: QLineEdit | QCheckBox | QPlainTextEdit) -> None:
        error = QLabel()
        error.setStyleSheet(_ERROR_STYLE)
        error.setVisible(False)
        box = QVBoxLayout()
        box.setSpacing(1)
        box.addWidget(editor)
        box.addWidget(error)
        self.form.addRow(label, box)
        if name != "key":
            self.inputs[name] = editor
        self.errors[name] = error

    # -- values --

    def set_value(self, name: str, value: Any) -> None:
        """Type a value into a field (as the user would): text, or a bool for a checkbox."""
        editor = self.key if name == "key" else self.inputs[name]
        if isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QPlainTextEdit):
            editor.setPlainText(str(value))
        else:
            editor.setText(str(value))

    def problems(self) -> dict[str, str]:
        """The problem shown under each field (visible ones only)."""
        return {name: label.text() for name, label in self.errors.items()
                if not label.isHidden()}

    def _values(self) -> tuple[dict[str, Any], dict[str, str]]:
        data: dict[str, Any] = {}
        unreadable: dict[str, str] = {}
        types = {f.name: f.type for f in (self.structure.spec if self.structure else [])}
        for name, editor in self.inputs.items():
            if isinstance(editor, QCheckBox):
                data[name] = editor.isChecked()
                continue
            text = editor.toPlainText() if isinstance(editor, QPlainTextEdit) else editor.text()
            try:
                value = value_from_text(text.strip(), "collection" if name == _DATA
                                        else types.get(name))
            except ValueError as exc:
                unreadable[name] = str(exc)
                continue
            if name == _DATA:
                if not isinstance(value, dict):
                    unreadable[name] = "must be a JSON object"
                else:
                    data = value
            elif value is not None:
                data[name] = value
        return data, unreadable

    def save(self) -> bool:
        for label in self.errors.values():
            label.setVisible(False)
        data, unreadable = self._values()
        if unreadable:
            self._show(unreadable)
            return False
        key = self.key.text().strip()
        if not key:
            import uuid

            key = str(uuid.uuid4())
        try:
            save_record(self.engine, self.store_id, key, data, previous_key=self.previous_key)
        except RecordInvalid as exc:
            shown: dict[str, str] = {}
            for problem in exc.problems:
                top = problem.path.split(".")[0].split("[")[0] or "key"
                name = top if top in self.errors else (_DATA if _DATA in self.errors else "key")
                shown.setdefault(name, f"{problem.path} {problem.message}"
                                 if problem.path != name else problem.message)
            self._show(shown)
            return False
        except StoreError as exc:
            self._show({"key": str(exc)})
            return False
        self.saved.emit(key)
        return True

    def _show(self, problems: dict[str, str]) -> None:
        for name, text in problems.items():
            self.errors[name].setText(text)
            self.errors[name].setVisible(True)
