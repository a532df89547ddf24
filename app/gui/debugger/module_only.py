""""Run this module only": one operation of one module with input bundles you choose —
those an earlier operation saw in the last run, or your own JSON ({"module id": bundle})."""

from __future__ import annotations

from typing import Any

import orjson
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.gui.debugger.records import FILTERED, OperationRecord
from engine.values import to_json_value


def bundles_text(bundles: dict[Any, Any]) -> str:
    data = {str(k): to_json_value(v) for k, v in bundles.items()}
    return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()


def parse_bundles(text: str) -> dict[int, Any]:
    """`{"1": {...}, "3": {...}}` -> {1: {...}, 3: {...}}; ValueError when malformed."""
    try:
        data = orjson.loads(text or "{}")
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError('expected {"module id": bundle, ...}')
    bundles: dict[int, Any] = {}
    for key, value in data.items():
        if not str(key).isdigit():
            raise ValueError(f"{key!r} is not a module id")
        if not isinstance(value, dict):
            raise ValueError(f"the bundle of module {key} must be a collection")
        bundles[int(key)] = value
    return bundles


class ModuleOnlyDialog(QDialog):
    def __init__(self, module_title: str, upstream: list[int],
                 entries: list[OperationRecord], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Run {module_title} only")
        self.choices = [e for e in entries if e.context is not None and e.outcome != FILTERED]
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(
            f"Run <b>{module_title}</b> once with these bundles of the earlier modules "
            "(nothing after it runs):"))
        self.source = QComboBox()
        for entry in self.choices:
            self.source.addItem(f"As in operation {entry.number} of the last run")
        self.source.addItem("Edit the bundles (JSON)")
        layout.addWidget(self.source)
        self.editor = QPlainTextEdit()
        layout.addWidget(self.editor, 1)
        self.problem = QLabel("")
        self.problem.setStyleSheet("color: #c0392b;")
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Run this module")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._blank = bundles_text({i: {} for i in upstream})
        self.source.currentIndexChanged.connect(self._source_chosen)
        self._source_chosen(0)
        self.resize(560, 420)

    def _source_chosen(self, index: int) -> None:
        if 0 <= index < len(self.choices):
            self.editor.setPlainText(bundles_text(self.choices[index].context or {}))
        elif not self.editor.toPlainText().strip():
            self.editor.setPlainText(self._blank)

    def bundles(self) -> dict[int, Any]:
        return parse_bundles(self.editor.toPlainText())

    def _accept(self) -> None:
        try:
            self.bundles()
        except ValueError as exc:
            self.problem.setText(str(exc))
            return
        self.accept()
