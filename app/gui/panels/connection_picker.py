"""The connection field of a module's settings: the workspace's connections of the type the
module needs, and "Add…", which opens the connection form and picks the new connection.

The choice is the module's `__IMTCONN__` (or the HTTP modules' keychain parameter), written
like any other field: one undoable edit through the document. An imported Make id that maps
to a local connection shows as that connection and is kept until the user picks another;
an id that maps to nothing says so.
"""

from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtWidgets import QComboBox, QToolButton, QWidget

from app.gui.panels.fields import CLEARED, FieldContext, FieldEditor, narrow_combo
from engine.connections import Connection, credential_types
from engine.spec import FieldSpec

NO_CONNECTION = "Choose a connection"


def picker_types(spec: FieldSpec, ctx: FieldContext) -> list[str]:
    """The connection types this field takes (the module's own, then its alternative, as
    Make's altConnection) when the form can offer connections; none otherwise."""
    if ctx.connections is None or spec.type not in ("account", "keychain"):
        return []
    module = ctx.document.registry.get(ctx.module_type) if ctx.document is not None else None
    return credential_types(module, spec.name)


class ConnectionPicker(FieldEditor):
    def __init__(self, spec: FieldSpec, ctx: FieldContext, type_keys: list[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(spec, ctx, parent)
        self.type_keys = type_keys
        self.type_key = type_keys[0]  # the module's own type
        self.connections = ctx.connections
        self.form: Any = None
        self.combo = narrow_combo(QComboBox(self))
        self.combo.setObjectName("connection_picker")
        self.add_button = QToolButton(self)
        self.add_button.setText("Add…")
        self.add_button.setObjectName("add_connection")
        self.add_button.setToolTip("Add a connection of this app and use it here")
        self.body.addWidget(self.combo, 1)
        self.body.addWidget(self.add_button)
        self.combo.activated.connect(self._chosen)
        self.add_button.clicked.connect(lambda _checked=False: self.add())
        self.connections.changed.connect(self._refill)

    def _show(self, value: Any) -> None:
        self._refill()

    def _refill(self) -> None:
        if not shiboken6.isValid(self):
            return
        value = self._value
        current = self.connections.resolve(value) if value not in (None, "") else None
        self.combo.clear()
        self.combo.addItem(NO_CONNECTION, None)
        choices = [c for key in self.type_keys for c in self.connections.matching(key)]
        for connection in choices:
            self.combo.addItem(_title(connection), connection.id)
        if current is not None and all(c.id != current.id for c in choices):
            self.combo.addItem(f"{_title(current)} — not a {self.type_key} connection",
                               current.id)
        elif current is None and value not in (None, ""):
            self.combo.addItem(f"Connection {value} (not in this workspace)", value)
        wanted = current.id if current is not None else value
        self.combo.setCurrentIndex(max(self.combo.findData(wanted), 0))

    def _chosen(self, index: int) -> None:
        chosen = self.combo.itemData(index)
        current = self.connections.resolve(self._value) if self._value is not None else None
        if chosen is not None and current is not None and chosen == current.id:
            return  # the same connection (perhaps named by its Make id): nothing to write
        self._emit((), CLEARED if chosen is None else chosen, False)

    def choose(self, connection_id: str) -> None:
        """Pick a connection as the user does in the dropdown."""
        index = self.combo.findData(connection_id)
        self.combo.setCurrentIndex(index)
        self._chosen(index)

    def add(self) -> Any:
        """Open the connection form for this type; the saved connection is picked."""
        from app.gui.connections.connection_form import ConnectionForm

        form = ConnectionForm(self.connections, self.window(),
                              types=[self.connections.type_of(k) for k in self.type_keys])
        form.finished.connect(lambda _result: self._added(form))
        self.form = form
        form.open()
        return form

    def _added(self, form: Any) -> None:
        if form.connection is not None and shiboken6.isValid(self):
            self._refill()
            self.choose(form.connection.id)


def _title(connection: Connection) -> str:
    return f"{connection.name} ({connection.label})" if connection.label else connection.name
