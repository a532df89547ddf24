"""The Connections dialog (File ▸ Connections…): the workspace's connections with their app,
name, kind, account and state, and where their secrets are kept (the OS keyring or the
encrypted file, said at the top and per row).

Add and Edit open the connection form; Test runs the app's own check and shows what it
said; Authorize runs OAuth 2.0 in the browser; Delete asks first, naming the scenarios that
use the connection. Checks and authorizations run as tasks on the Qt loop (`task`), so the
window keeps working meanwhile.
"""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.gui.connections.connection_form import ConnectionForm
from app.gui.connections.workspace_connections import KIND_LABELS, WorkspaceConnections
from app.gui.list_table import list_table, row_button
from engine.connections import Connection, ConnectionType
from engine.errors import ScenaristError

COLUMNS = ("Name", "App", "Kind", "Account", "Status", "Secrets kept in")
_OK = "color: #1a7f37"
_ERROR = "color: #d1242f"
_BUSY = "color: #6d00cc"


class ConnectionsDialog(QDialog):
    def __init__(self, connections: WorkspaceConnections, parent: QWidget | None = None):
        super().__init__(parent)
        self.connections = connections
        self.rows: list[Connection] = []
        self.form: ConnectionForm | None = None
        self.task: asyncio.Task[Any] | None = None
        self.busy = False  # a test or an authorization is running
        self.setWindowTitle("Connections")
        self.resize(860, 420)

        self.store_note = QLabel(self)
        self.store_note.setObjectName("store_note")
        self.store_note.setWordWrap(True)
        self.unlock_button = QPushButton("Unlock…", self)
        self.unlock_button.setToolTip("Give the master password of the encrypted secrets file")
        self.unlock_button.clicked.connect(self.unlock)
        note = QHBoxLayout()
        note.addWidget(self.store_note, 1)
        note.addWidget(self.unlock_button)

        self.table = list_table(COLUMNS, "connections_table", self)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda _i: self.edit())

        self.status = QLabel(self)
        self.status.setObjectName("result")
        self.status.setWordWrap(True)
        self.status.setOpenExternalLinks(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)

        buttons = QHBoxLayout()
        self.add_button = row_button(self, "Add…", self.add, buttons)
        self.edit_button = row_button(self, "Edit…", self.edit, buttons)
        self.test_button = row_button(self, "Test", self.test, buttons)
        self.authorize_button = row_button(self, "Authorize", self.authorize, buttons)
        self.delete_button = row_button(self, "Delete…", self.delete, buttons)
        buttons.addStretch(1)
        row_button(self, "Close", self.close, buttons)

        layout = QVBoxLayout(self)
        layout.addLayout(note)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        connections.changed.connect(self.refresh)
        self.refresh()


    # ------------------------------------------------------------------ list

    def refresh(self) -> None:
        selected = self.selected()
        self.store_note.setText(self.connections.store_text())
        kind = self.connections.store_kind()
        self.unlock_button.setVisible(kind == "none")
        self.rows = self.listed()
        self.table.setRowCount(len(self.rows))
        for row, connection in enumerate(self.rows):
            for column, text in enumerate(self._cells(connection, kind)):
                item = QTableWidgetItem(text)
                item.setToolTip(connection.id if column == 0 else text)
                self.table.setItem(row, column, item)
            if selected is not None and connection.id == selected.id:
                self.table.selectRow(row)
        self._update_buttons()

    def listed(self) -> list[Connection]:
        """The connections this dialog shows (the Keys dialog shows keychains only)."""
        return self.connections.list()

    def form_types(self) -> list[ConnectionType] | None:
        """The types Add offers (None: every app's)."""
        return None

    def _cells(self, connection: Connection, store: str) -> list[str]:
        if connection.kind == "oauth2":
            state = "authorized" if connection.verified_at else "not authorized"
        else:
            state = "verified" if connection.verified_at else "not tested"
        secrets = {"keyring": "OS keyring", "encrypted file": "encrypted file",
                   "none": "locked (master password)"}[store]
        return [connection.name, self.connections.app_label(connection.app),
                KIND_LABELS.get(connection.kind, connection.kind), connection.label or "",
                state, secrets if connection.secret_fields else "no secrets"]

    def names(self) -> list[str]:
        return [c.name for c in self.rows]

    def select(self, connection_id: str) -> None:
        for row, connection in enumerate(self.rows):
            if connection.id == connection_id:
                self.table.selectRow(row)

    def selected(self) -> Connection | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or rows[0].row() >= len(self.rows):
            return None
        return self.rows[rows[0].row()]

    def _update_buttons(self) -> None:
        chosen = self.selected()
        for button in (self.edit_button, self.test_button, self.delete_button):
            button.setEnabled(chosen is not None and not self.busy)
        self.authorize_button.setEnabled(
            chosen is not None and chosen.kind == "oauth2" and not self.busy)

    # --------------------------------------------------------------- actions

    def add(self) -> ConnectionForm:
        form = ConnectionForm(self.connections, self, types=self.form_types())
        form.saved.connect(lambda c: self.select(c.id))
        form.finished.connect(lambda _r: self._form_closed(form))
        self.form = form
        form.open()
        return form

    def edit(self) -> ConnectionForm | None:
        chosen = self.selected()
        if chosen is None:
            return None
        form = ConnectionForm(self.connections, self, connection=chosen)
        form.finished.connect(lambda _r: self._form_closed(form))
        self.form = form
        form.open()
        return form

    def _form_closed(self, form: ConnectionForm) -> None:
        if form.connection is not None:
            self.select(form.connection.id)
            self.say(f"Saved {form.connection.name}.", _OK)

    def unlock(self) -> None:
        try:
            self.connections.unlock()
        except ScenaristError as error:
            self.say(str(error), _ERROR)
        self.refresh()

    def test(self) -> asyncio.Task[Any] | None:
        chosen = self.selected()
        if chosen is None:
            return None
        return self._start(self._test(chosen), f"Testing {chosen.name}…")

    async def _test(self, chosen: Connection) -> None:
        result = await self.connections.test(chosen.id)
        text = result.message if result.checked else f"nothing to test: {result.message}"
        self.say(f"{chosen.name}: {text}", _OK)

    def authorize(self) -> asyncio.Task[Any] | None:
        chosen = self.selected()
        if chosen is None or chosen.kind != "oauth2":
            return None
        return self._start(self._authorize(chosen),
                           "Waiting for you to authorize Scenarist in your browser…")

    async def _authorize(self, chosen: Connection) -> None:
        def shown(url: str) -> None:
            self.say("Waiting for you to authorize Scenarist in your browser… "
                     f"(<a href=\"{url}\">open the page again</a>)", _BUSY, rich=True)

        connection = await self.connections.authorize(chosen.id, shown)
        self.say(f"{connection.name} is authorized.", _OK)

    def _start(self, work: Any, busy: str) -> asyncio.Task[Any] | None:
        try:  # asked here, from the click: never from inside the task
            self.connections.unlock()
        except ScenaristError as error:
            work.close()
            self.say(str(error), _ERROR)
            return None
        self.say(busy, _BUSY)

        async def guarded() -> None:
            try:
                await work
            except ScenaristError as error:
                self.say(str(error), _ERROR)
            finally:
                self.busy = False
                self._update_buttons()

        self.busy = True
        self.task = asyncio.ensure_future(guarded())
        self._update_buttons()
        return self.task

    def delete(self) -> bool:
        chosen = self.selected()
        if chosen is None:
            return False
        users = self.connections.usage(chosen)
        text = f"Delete the connection “{chosen.name}” and its secrets?"
        if users:
            text += ("\n\nThese scenarios use it and will stop working until you choose "
                     "another connection:\n" + "\n".join(f"• {name}" for name in users))
        else:
            text += "\n\nNo scenario in this workspace uses it."
        answer = QMessageBox.question(
            self, "Delete connection", text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return False
        self.connections.delete(chosen.id)
        self.say(f"Deleted {chosen.name}.", _OK)
        return True

    def say(self, text: str, style: str, *, rich: bool = False) -> None:
        self.status.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
        self.status.setStyleSheet(style)
        self.status.setText(text)

    def closeEvent(self, event: Any) -> None:  # noqa: N802 (Qt override)
        if self.task is not None and not self.task.done():
            self.task.cancel()  # an authorization nobody waits for any more
        super().closeEvent(event)
