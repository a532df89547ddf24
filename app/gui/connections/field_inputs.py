"""One input per field of a connection type (engine.connections.ConnectionField), generated
from the app's declaration: secret fields masked, selects as combo boxes, booleans as
check boxes, certificates and keys (PEM texts) as several lines, the rest as text. Editing
a connection shows its non-secret values; a secret field left empty keeps the secret it has."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QPlainTextEdit, QWidget

from app.gui.names import help_html
from engine.connections import ConnectionField, ConnectionType

KEPT_SECRET = "unchanged (kept in the secret store)"
PEM_TYPES = frozenset({"cert", "pkey"})


class FieldInput:
    """A field's widget and how to read it (None: leave the value as it is)."""

    def __init__(self, field: ConnectionField, kind: ConnectionType, current: Any,
                 editing: bool, parent: QWidget) -> None:
        self.field = field
        self.secret = field.secret or kind.is_secret(field.name)
        self.editing = editing
        value = field.default if current is None and not editing else current
        self.widget: QWidget
        if field.type == "boolean":
            box = QCheckBox(parent)
            box.setChecked(value in (True, "true", 1))
            self.widget = box
        elif field.type in PEM_TYPES:  # several lines: a one-line input would cut them
            pem = QPlainTextEdit(parent)
            pem.setTabChangesFocus(True)
            pem.setFixedHeight(84)
            if self.secret and editing:
                pem.setPlaceholderText(KEPT_SECRET)
            elif value is not None and not self.secret:
                pem.setPlainText(str(value))
            else:
                pem.setPlaceholderText("-----BEGIN ...")
            self.widget = pem
        elif field.options and not self.secret:
            combo = QComboBox(parent)
            if not field.required:
                combo.addItem("", None)
            for option in field.options:
                combo.addItem(str(option), option)
            index = combo.findData(value)
            combo.setCurrentIndex(max(index, 0))
            self.widget = combo
        else:
            line = QLineEdit(parent)
            if self.secret:
                line.setEchoMode(QLineEdit.EchoMode.Password)
                if editing:
                    line.setPlaceholderText(KEPT_SECRET)
            elif value is not None:
                line.setText(str(value))
            self.widget = line
        self.widget.setObjectName(f"field_{field.name}")
        if field.help:
            self.widget.setToolTip(help_html(field.help))
        if editing and not field.editable:
            self.widget.setEnabled(False)

    def value(self) -> Any:
        widget = self.widget
        if isinstance(widget, QCheckBox):
            return widget.isChecked()
        if isinstance(widget, QComboBox):
            return widget.currentData()
        if isinstance(widget, QPlainTextEdit):
            pem = widget.toPlainText()
            return None if self.secret and self.editing and not pem.strip() else pem
        assert isinstance(widget, QLineEdit)
        text = widget.text()
        if self.secret and self.editing and text == "":
            return None  # keep the secret
        return text.strip() if not self.secret else text

    def set_text(self, text: str) -> None:
        """Type into the field (tests, and the screenshot script)."""
        widget = self.widget
        if isinstance(widget, QLineEdit):
            widget.setText(text)
        elif isinstance(widget, QPlainTextEdit):
            widget.setPlainText(text)
        elif isinstance(widget, QComboBox):
            widget.setCurrentIndex(max(widget.findData(text), 0))
        elif isinstance(widget, QCheckBox):
            widget.setChecked(text == "true")


def label_of(field: ConnectionField) -> str:
    text = field.label or field.name
    return f"{text} *" if field.required else text
