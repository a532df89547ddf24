"""Create or edit a data structure: its fields with Make's types, required, default and
nested specs (JSON), "strict" mode, and "Generate" from a sample JSON."""

from __future__ import annotations

from typing import Any

import orjson
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.runtime import Workspace
from engine.store.data_structures import (
    DataStructure,
    StructureField,
    create_structure,
    save_structure,
)
from engine.store.structure_sample import fields_from_sample

TYPES = ("text", "number", "boolean", "date", "array", "collection", "buffer")
NAME, TYPE, REQUIRED, DEFAULT, SPEC = range(5)


class StructureEditor(QWidget):
    saved = Signal(str)  # the structure's id

    def __init__(self, workspace: Workspace, structure: DataStructure | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = workspace.state
        self.structure_id = structure.id if structure is not None else None
        self.name = QLineEdit(structure.name if structure else "")
        self.name.setPlaceholderText("Structure name")
        self.strict = QCheckBox("Strict: refuse fields that are not listed")
        self.strict.setChecked(bool(structure and structure.strict))
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Name", "Type", "Required", "Default",
                                              "Nested fields (JSON)"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.sample = QPlainTextEdit()
        self.sample.setPlaceholderText('Paste a sample JSON, e.g. {"email": "a@b.c", "n": 1}')
        self.sample.setFixedHeight(70)
        self.message = QLabel()
        self.message.setStyleSheet("color: #c62828;")
        add = QPushButton("Add field")
        add.clicked.connect(lambda: self.add_field(StructureField(name="")))
        remove = QPushButton("Remove field")
        remove.clicked.connect(lambda: self.table.removeRow(self.table.currentRow()))
        self.generate_button = QPushButton("Generate from sample")
        self.generate_button.clicked.connect(self.generate)
        self.save_button = QPushButton("Save structure")
        self.save_button.clicked.connect(self.save)
        row = QHBoxLayout()
        for button in (add, remove, self.generate_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.name)
        layout.addWidget(self.strict)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.sample)
        layout.addLayout(row)
        layout.addWidget(self.message)
        for field in structure.spec if structure else []:
            self.add_field(field)

    def add_field(self, field: StructureField) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, NAME, QTableWidgetItem(field.name))
        kind = QComboBox()
        kind.addItems(TYPES)
        if field.type not in TYPES:
            kind.addItem(field.type)
        kind.setCurrentText(field.type)
        self.table.setCellWidget(row, TYPE, kind)
        required = QTableWidgetItem()
        required.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
        required.setCheckState(Qt.CheckState.Checked if field.required
                               else Qt.CheckState.Unchecked)
        self.table.setItem(row, REQUIRED, required)
        default = "" if field.default is None else orjson.dumps(field.default).decode()
        self.table.setItem(row, DEFAULT, QTableWidgetItem(default))
        spec = "" if field.spec is None else orjson.dumps(field.spec).decode()
        self.table.setItem(row, SPEC, QTableWidgetItem(spec))

    def generate(self) -> None:
        """Replace the fields with those of the sample JSON (Make's "Generate")."""
        try:
            sample = orjson.loads(self.sample.toPlainText())
        except orjson.JSONDecodeError as exc:
            self.message.setText(f"The sample is not JSON: {exc}")
            return
        fields = fields_from_sample(sample)
        if not fields:
            self.message.setText("The sample has no fields: give a JSON object.")
            return
        self.table.setRowCount(0)
        for field in fields:
            self.add_field(field)
        self.message.setText("")

    def fields(self) -> list[StructureField]:
        """The fields as edited; ValueError names a row whose default or spec is not JSON."""
        fields = []
        for row in range(self.table.rowCount()):
            name = self._text(row, NAME).strip()
            if not name:
                continue
            kind = self.table.cellWidget(row, TYPE)
            required = self.table.item(row, REQUIRED)
            entry: dict[str, Any] = {
                "name": name,
                "type": kind.currentText() if isinstance(kind, QComboBox) else "text",
                "required": required is not None
                and required.checkState() == Qt.CheckState.Checked,
            }
            for column, key in ((DEFAULT, "default"), (SPEC, "spec")):
                text = self._text(row, column).strip()
                if text:
                    try:
                        entry[key] = orjson.loads(text)
                    except orjson.JSONDecodeError:
                        if key == "spec":
                            raise ValueError(f"{name}: the nested fields are not JSON") from None
                        entry[key] = text  # a plain text default
            fields.append(StructureField.model_validate(entry))
        return fields

    def _text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""

    def save(self) -> str | None:
        name = self.name.text().strip()
        if not name:
            self.message.setText("Give the structure a name.")
            return None
        try:
            fields = self.fields()
        except ValueError as exc:
            self.message.setText(str(exc))
            return None
        if self.structure_id is None:
            self.structure_id = create_structure(self.engine, name, list(fields),
                                                 strict=self.strict.isChecked()).id
        else:
            save_structure(self.engine, DataStructure(
                id=self.structure_id, name=name, spec=fields, strict=self.strict.isChecked()))
        self.message.setText("")
        self.saved.emit(self.structure_id)
        return self.structure_id
