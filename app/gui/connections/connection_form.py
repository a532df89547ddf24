"""Add or edit one connection: choose its type, fill the fields its app declares.

The fields are generated from the connection type (engine.connections.ConnectionType);
secret ones are masked. Saving stores the connection (its secrets in the keyring or the
encrypted file) through WorkspaceConnections; a new OAuth 2.0 connection is then authorized
in the browser while the form waits without blocking the window. `connection` is the saved
connection (also after a failed authorization, when it exists but is not authorized), and
`saved` fires once it is stored. The form opens with `open()`: callers continue on
`finished`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.gui.connections.field_inputs import FieldInput, label_of
from app.gui.connections.workspace_connections import WorkspaceConnections
from engine.connections import KEYCHAIN_TYPES, Connection, ConnectionType
from engine.errors import ScenaristError

BASE_URL_LABEL = "Base URL (optional)"
_ERROR = "color: #d1242f"
_BUSY = "color: #6d00cc"


class ConnectionForm(QDialog):
    saved = Signal(object)  # Connection

    def __init__(self, connections: WorkspaceConnections, parent: QWidget | None = None, *,
                 types: list[ConnectionType] | None = None,
                 connection: Connection | None = None, make_id: Any = None) -> None:
        super().__init__(parent)
        self.connections = connections
        self.editing = connection
        self.connection: Connection | None = connection
        self.make_id = make_id
        self.inputs: dict[str, FieldInput] = {}
        self.task: asyncio.Task[Any] | None = None
        if connection is not None:
            types = [connections.type_of(connection.type_key)]
        self.types = types if types is not None else connections.types()
        self.setWindowTitle("Edit connection" if connection else "Add a connection")
        self.setMinimumWidth(460)

        self.type_combo = QComboBox(self)
        self.type_combo.setObjectName("connection_type")
        for kind in self.types:
            self.type_combo.addItem(connections.type_label(kind.key), kind.key)
        self.type_combo.setEnabled(len(self.types) > 1)
        self.name = QLineEdit(self)
        self.name.setObjectName("connection_name")
        self.base_url: QLineEdit  # made with each type's fields
        head = QFormLayout()
        head.addRow("Type", self.type_combo)
        head.addRow("Connection name *", self.name)
        self.fields_box = QWidget(self)
        self.fields = QFormLayout(self.fields_box)
        self.fields.setContentsMargins(0, 0, 0, 0)
        store = QLabel(connections.store_text(), self)
        store.setObjectName("store_note")
        store.setWordWrap(True)
        store.setStyleSheet("color: #5c5a6b")
        self.status = QLabel(self)
        self.status.setObjectName("form_status")
        self.status.setWordWrap(True)
        self.status.setOpenExternalLinks(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.status.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.fields_box)
        layout.addWidget(store)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.type_combo.currentIndexChanged.connect(lambda _i: self._build_fields())
        if connection is not None:
            self.name.setText(connection.name)
        self._build_fields()

    # ------------------------------------------------------------------ form

    @property
    def kind(self) -> ConnectionType:
        return self.types[max(self.type_combo.currentIndex(), 0)]

    def choose_type(self, key: str) -> None:
        self.type_combo.setCurrentIndex(max(self.type_combo.findData(key), 0))

    def _build_fields(self) -> None:
        while self.fields.rowCount():
            self.fields.removeRow(0)
        self.inputs = {}
        kind = self.kind
        current = self.editing.fields if self.editing is not None else {}
        if self.editing is None and not self.name.isModified():
            self.name.setText(f"My {kind.label.lower()}" if kind in KEYCHAIN_TYPES.values()
                              else f"My {self.connections.app_label(kind.app)} connection")
        for field in kind.fields:
            entry = FieldInput(field, kind, current.get(field.name), self.editing is not None,
                               self.fields_box)
            self.inputs[field.name] = entry
            self.fields.addRow(label_of(field), entry.widget)
        self.base_url = self._base_url_row(kind)

    def _base_url_row(self, kind: ConnectionType) -> QLineEdit:
        line = QLineEdit(self.fields_box)
        line.setObjectName("base_url")
        line.setPlaceholderText("the app's own")
        line.setToolTip("Send this connection's requests to another server "
                        "(a self-hosted or test instance)")
        if self.editing is not None:
            line.setText(self.editing.base_url_override or "")
        keychain = kind in KEYCHAIN_TYPES.values()  # no server of its own to redirect
        if kind.field("baseUrl") is None and not keychain:  # an app's own field is used
            self.fields.addRow(BASE_URL_LABEL, line)
        else:
            line.hide()
        return line

    def set_value(self, name: str, text: str) -> None:
        self.inputs[name].set_text(text)

    def values(self) -> dict[str, Any]:
        out = {}
        for name, entry in self.inputs.items():
            value = entry.value()
            if value is None or (value == "" and not entry.field.required):
                continue
            out[name] = value
        return out

    # ---------------------------------------------------------------- saving

    def save(self) -> None:
        if self.task is not None and not self.task.done():
            return
        name = self.name.text().strip()
        if not name:
            self.show_error("Give the connection a name.")
            return
        missing = [entry.field.label or key for key, entry in self.inputs.items()
                   if entry.field.required and entry.value() in ("", None)
                   and not (self.editing is not None and entry.secret)]
        if missing:
            self.show_error(f"Fill in: {', '.join(missing)}.")
            return
        try:
            if self.connection is None:
                self.connection = self.connections.add(
                    self.kind, name, self.values(), base_url=self.base_url.text().strip(),
                    make_id=self.make_id)
                self.saved.emit(self.connection)
            elif self.editing is not None:
                self.connection = self.connections.edit(
                    self.connection.id, self.values(), name=name,
                    base_url=self.base_url.text().strip())
                self.saved.emit(self.connection)
        except ScenaristError as error:
            self.show_error(str(error))
            return
        if self.editing is None and self.kind.kind == "oauth2":
            self.save_button.setEnabled(False)
            self.show_busy("Waiting for you to authorize Scenarist in your browser…")
            self.task = asyncio.ensure_future(self.authorize())
            return
        self.accept()

    async def authorize(self) -> None:
        """The browser flow for the new OAuth 2.0 connection; the form stays open (and
        answers Cancel) while the provider waits for the user."""
        assert self.connection is not None
        try:
            self.connection = await self.connections.authorize(self.connection.id,
                                                               self._show_url)
        except asyncio.CancelledError:
            return
        except ScenaristError as error:
            self.show_error(f"Saved, but not authorized: {error}. Save again to retry, or "
                            "authorize it later from the Connections dialog.")
            self.save_button.setEnabled(True)
            return
        self.accept()

    def _show_url(self, url: str) -> None:
        self.show_busy("Waiting for you to authorize Scenarist in your browser… "
                       f"(<a href=\"{url}\">open the page again</a>)")

    def cancel(self) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()
        self.reject()

    def show_error(self, text: str) -> None:
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setStyleSheet(_ERROR)
        self.status.setText(text)
        self.status.show()

    def show_busy(self, html: str) -> None:
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.setStyleSheet(_BUSY)
        self.status.setText(html)
        self.status.show()
