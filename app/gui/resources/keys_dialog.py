"""The Keys dialog (File ▸ Keys and certificates…): Make's keychains, the credentials the
HTTP modules name by id (username and password, API key, client certificate) and PGP keys.

A keychain is a connection of a keychain type (engine.connections.keychains), so this is the
Connections dialog showing only those, with the same form (certificates and keys as
several-line fields), the same secret store and the same delete question; there is nothing
to test or authorize, and the Make ids an imported blueprint uses are listed.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from app.gui.connections.connections_dialog import ConnectionsDialog
from app.gui.connections.workspace_connections import WorkspaceConnections
from engine.connections import (
    KEYCHAIN_TYPES,
    Connection,
    ConnectionType,
    is_keychain,
    keychain_type,
)

COLUMNS = ("Name", "Type", "Make ids", "Secrets kept in")
_STORES = {"keyring": "OS keyring", "encrypted file": "encrypted file",
           "none": "locked (master password)"}


class KeysDialog(ConnectionsDialog):
    def __init__(self, connections: WorkspaceConnections, parent: QWidget | None = None):
        super().__init__(connections, parent)
        self.setWindowTitle("Keys and certificates")
        self.table.setColumnCount(len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setObjectName("keys_table")
        for button in (self.test_button, self.authorize_button):
            button.hide()
        self.refresh()

    def listed(self) -> list[Connection]:
        return [c for c in self.connections.list() if is_keychain(c)]

    def form_types(self) -> list[ConnectionType] | None:
        return list(KEYCHAIN_TYPES.values())

    def _cells(self, connection: Connection, store: str) -> list[str]:
        secrets = _STORES[store] if connection.secret_fields else "no secrets"
        return [connection.name, keychain_type(connection.type_key).label,
                ", ".join(connection.make_ids), secrets]
