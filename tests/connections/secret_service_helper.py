"""Run inside the test's own D-Bus session with gnome-keyring: read back a connection the CLI
added (in another process) through the real Secret Service backend, print what was found."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import keyring

from engine.connections import ConnectionStore
from engine.secrets import SERVICE, secret_store

workspace, connection_id = Path(sys.argv[1]), sys.argv[2]
store = ConnectionStore(workspace)
connection = store.require(connection_id)
raw = keyring.get_password(SERVICE, connection_id)
print(json.dumps({
    "backend": f"{type(keyring.get_keyring()).__module__}.{type(keyring.get_keyring()).__name__}",
    "description": secret_store(workspace).description,
    "password": connection.secrets.get("password"),
    "entry_has_it": raw is not None and connection.secrets.get("password", "") in raw,
}))
store.delete(connection_id)
print(json.dumps({"after_delete": keyring.get_password(SERVICE, connection_id)}))
