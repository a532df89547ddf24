"""The workspace's connections as the desktop app uses them: one object per window, shared
by the Connections dialog, the connection pickers of module settings, dynamic options and
the import flow.

It calls the same engine functions as `scenarist connections` (engine.connections) and says
when connections change (`changed`). Secrets go to the OS keyring; where none works, to the
workspace's encrypted file, whose master password the app asks for (`ask_password`, a Qt
dialog, never a terminal prompt) and keeps for this process only. App checks and RPCs run
off the UI thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

import engine.connections as conn_api
from app.gui.connections.off_ui import off_ui
from engine.connections.store import ConnectionStoreError
from engine.errors import ScenaristError
from engine.secrets import (
    MASTER_PASSWORD_ENV,
    EncryptedFileStore,
    KeyringStore,
    NoStore,
    SecretStore,
    secret_store,
    use_master_password,
)

if TYPE_CHECKING:  # engine.connections' names load when used (HTTP, OAuth: not at start-up)
    from engine.apps import LoadedApps
    from engine.connections import CheckResult, Connection, ConnectionStore, ConnectionType
    from engine.spec import FieldSpec, ModuleSpec

# ask_password(message) -> the password, or None when the user cancels.
AskPassword = Callable[[str], "str | None"]
_ASK = ("No OS keyring works here, so Scenarist keeps secrets in an encrypted file in the "
        "workspace. Master password for that file:")
_WRONG = "That password does not open the encrypted file. Master password:"
KIND_LABELS = {"api_key": "API key", "basic": "Username and password",
               "oauth2": "OAuth 2.0", "custom": "Custom fields"}


class SecretsLocked(ConnectionStoreError):
    """No keyring, and the user gave no master password."""


class NeedsConnection(ConnectionStoreError):
    """An RPC of a module whose connection is not chosen (or not in this workspace)."""


def ask_password_dialog(message: str) -> str | None:
    from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit

    text, ok = QInputDialog.getText(QApplication.activeWindow(), "Master password", message,
                                    QLineEdit.EchoMode.Password)
    return text if ok and text else None


def open_in_browser(url: str) -> None:
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices

    QDesktopServices.openUrl(QUrl(url))


class WorkspaceConnections(QObject):
    changed = Signal()

    def __init__(self, workspace: Path, loaded: LoadedApps | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workspace = Path(workspace)
        self._loaded = loaded
        self.ask_password: AskPassword = ask_password_dialog
        self.open_browser: Callable[[str], Any] = open_in_browser
        self.revoking: asyncio.Future[None] | None = None  # the last deletion's revocation

    # ------------------------------------------------------------------ types

    @property
    def loaded(self) -> LoadedApps:
        if self._loaded is None:
            from engine.apps import discover_apps

            self._loaded = discover_apps(self.workspace)
        return self._loaded

    def types(self) -> list[ConnectionType]:
        return conn_api.connection_types(self.loaded)

    def type_of(self, key: str) -> ConnectionType:
        return conn_api.find_type(key, self.loaded)

    def app_label(self, app_id: str) -> str:
        from app.gui.panels.palette import app_name

        app = self.loaded.app(app_id)  # an app without a label of its own is named by id
        label = app.label if app is not None and app.label != app.name else ""
        return label or app_name(app_id)

    def type_label(self, key: str) -> str:
        """"Gist (API key)", "HTTP (Username and password)"; the key of an app gone."""
        try:
            kind = self.type_of(key)
        except ScenaristError:
            return key
        app = self.app_label(kind.app)
        what = KIND_LABELS.get(kind.kind, kind.kind) if kind.label in ("", app) else kind.label
        return f"{app} ({what})"

    # ------------------------------------------------------------- the store

    def secrets(self) -> SecretStore:
        return secret_store(self.workspace)

    @property
    def locked(self) -> bool:
        """No keyring, and no master password known yet."""
        return isinstance(self.secrets(), NoStore)

    def store_kind(self) -> str:
        """"keyring", "encrypted file" or "none"."""
        found = self.secrets()
        if isinstance(found, KeyringStore):
            return "keyring"
        return "encrypted file" if isinstance(found, EncryptedFileStore) else "none"

    def store_text(self) -> str:
        """What the dialogs say about where secrets are kept."""
        found = self.secrets()
        if isinstance(found, KeyringStore):
            return f"Secrets are kept in the OS keyring ({found.backend_name})."
        if isinstance(found, EncryptedFileStore):
            return (f"No OS keyring works here: secrets are kept in the encrypted file "
                    f"{found.path}, under your master password.")
        return ("No OS keyring works here: secrets go to an encrypted file in the workspace, "
                f"under a master password (asked when needed, or {MASTER_PASSWORD_ENV}).")

    def unlock(self) -> SecretStore:
        """The secret store, asking for the master password where it takes one; raises
        SecretsLocked when the user cancels."""
        found = self.secrets()
        message = _ASK
        while isinstance(found, NoStore):
            password = self.ask_password(message)
            if not password:
                raise SecretsLocked("no master password given: the secrets cannot be kept "
                                    "or read")
            candidate = EncryptedFileStore(self.workspace / "secrets.enc", password)
            if candidate.unlocks():
                use_master_password(password)
                found = self.secrets()
            message = _WRONG
        return found

    def store(self, *, unlock: bool = True) -> ConnectionStore:
        return conn_api.ConnectionStore(self.workspace, self.unlock() if unlock else self.secrets())

    def _open_store(self) -> ConnectionStore:
        """For work running as a task: the password dialog nests a Qt loop, which must never
        run inside an asyncio task, so callers `unlock()` first, from the click itself."""
        if self.locked:
            raise SecretsLocked("the secrets are locked: give the master password first")
        return self.store(unlock=False)

    # ------------------------------------------------------------- reading

    def list(self) -> list[Connection]:
        return self.store(unlock=False).list()

    def matching(self, type_key: str) -> list[Connection]:
        return [c for c in self.list() if c.type_key == type_key]

    def resolve(self, reference: Any) -> Connection | None:
        """The connection a blueprint names (local id or mapped Make id), without secrets."""
        store = self.store(unlock=False)
        found = store.resolve(reference)
        return store.get(found.id, with_secrets=False) if found is not None else None

    def usage(self, connection: Connection) -> list[str]:
        return conn_api.scenarios_using(self.workspace, connection)

    # ------------------------------------------------------------- writing

    def add(self, kind: ConnectionType, name: str, values: dict[str, Any], *,
            base_url: str | None = None, make_id: Any = None) -> Connection:
        connection = conn_api.create_connection(self.store(), kind, name, values,
                                       base_url_override=base_url or None, make_id=make_id)
        self.changed.emit()
        return connection

    def edit(self, connection_id: str, values: dict[str, Any], *, name: str | None = None,
             base_url: str | None = None) -> Connection:
        store = self.store()
        kind = self.type_of(store.require(connection_id).type_key)
        connection = conn_api.edit_connection(store, kind, connection_id, values, name=name,
                                     base_url_override=base_url)
        self.changed.emit()
        return connection

    def delete(self, connection_id: str) -> bool:
        """Delete it; an app that says how revokes its tokens at the provider meanwhile
        (`revoking`: that task, best effort, off the UI thread)."""
        store = self.store(unlock=False)
        connection = store.resolve(connection_id)
        deleted = store.delete(connection_id)
        if deleted and connection is not None:
            self._revoke(store, connection)
        self.changed.emit()
        return deleted

    def _revoke(self, store: ConnectionStore, connection: Connection) -> None:
        try:
            kind = self.type_of(connection.type_key)
            asyncio.get_running_loop()
        except (ScenaristError, RuntimeError):
            return  # an app gone, or no loop (nothing to revoke with)
        if not kind.own_flow:
            return

        async def revoke() -> None:
            try:
                await off_ui(lambda: conn_api.invalidate_connection(store, connection, kind=kind))
            except ScenaristError:
                pass  # the connection is gone here; the provider keeps it until it expires

        self.revoking = asyncio.ensure_future(revoke())

    def map_import(self, make_id: Any, connection_id: str) -> None:
        """What `connections add --make-id` records: the export's id names this one."""
        self.store(unlock=False).map_import(make_id, connection_id)
        self.changed.emit()

    # ------------------------------------------------------ service calls

    async def test(self, connection_id: str) -> CheckResult:
        """The app's own check (ConnectionCheckFailed says why it failed)."""
        store = self._open_store()
        kind = self.type_of(store.require(connection_id).type_key)
        try:
            return await off_ui(lambda: conn_api.check_connection(store, connection_id, kind))
        finally:
            self.changed.emit()

    async def authorize(self, connection_id: str, shown: Callable[[str], Any] | None = None,
                        *, timeout: float = 300.0) -> Connection:
        """OAuth 2.0 in the browser (`open_browser`; `shown` gets the URL too, for a link),
        on the UI's loop: the wait for the loopback redirect is a thread."""
        store = self._open_store()
        kind = self.type_of(store.require(connection_id).type_key)

        def browse(url: str) -> None:
            if shown is not None:
                shown(url)
            self.open_browser(url)

        connection = await conn_api.authorize_connection(store, connection_id, browse, kind=kind,
                                                timeout=timeout)
        self.changed.emit()
        return connection

    async def options(self, spec: ModuleSpec, field: FieldSpec,
                      parameters: dict[str, Any]) -> list[Any]:
        """A select's options from its app RPC, with the module's connection."""
        from app.gui.connections.rpc_call import call_rpc

        app = self.loaded.app(spec.app)
        if app is None or field.rpc is None:
            raise ConnectionStoreError(f"no app {spec.app} here to ask for {field.label}")
        reference = parameters.get("__IMTCONN__")
        store = self._open_store() if reference not in (None, "") else None
        connection = store.resolve(reference) if store is not None else None
        if spec.connection and connection is None:
            raise NeedsConnection("choose a connection first" if reference in (None, "") else
                                  f"connection {reference} is not in this workspace")
        return await off_ui(lambda: call_rpc(self.workspace, app, field.rpc or "", parameters,
                                             store, connection))
