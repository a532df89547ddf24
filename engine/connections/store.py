"""The workspace's connections: metadata in state.db, secret values in the secret store.

`ConnectionStore(workspace)` adds, lists, edits and deletes connections. Each connection's
secret fields (and the secret part of what its check stored) are one entry of the secret
store (engine.secrets: the OS keyring, service `scenarist`, user name = the connection id),
as JSON `{"fields": {...}, "data": {...}}`; state.db never holds them. Ids are uuid4 hex,
unique across workspaces; a Make export's numeric id maps to a local connection through
`connection_import` (`add(..., make_id=4242)` or `map_import`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from engine.connections.kinds import ConnectionType
from engine.errors import ScenaristError
from engine.secrets import EncryptedFileStore, KeyringStore, SecretStore, secret_store

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def text(sql: str) -> Any:
    """SQLAlchemy's `text`, imported at the first query (the window's first frame makes
    none, and needs this module for its error types)."""
    from sqlalchemy import text as sql_text

    return sql_text(sql)


class ConnectionStoreError(ScenaristError):
    pass


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class Connection:
    """One connection. `secrets` never appears in its repr or `public()`."""

    id: str
    app: str
    component: str
    kind: str
    name: str
    fields: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)  # the check's non-secret data
    label: str | None = None
    base_url_override: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    verified_at: datetime | None = None
    make_ids: list[str] = field(default_factory=list)
    secret_fields: list[str] = field(default_factory=list)  # names only
    secrets: dict[str, Any] = field(default_factory=dict, repr=False)
    secret_data: dict[str, Any] = field(default_factory=dict, repr=False)
    with_secrets: bool = field(default=True, repr=False)  # False: listed, secrets unread

    @property
    def type_key(self) -> str:
        return f"{self.app}:{self.component}"

    def values(self) -> dict[str, Any]:
        """The user's values, secret ones included (what the app's check gets)."""
        return {**self.fields, **self.secrets}

    def connection_data(self) -> dict[str, Any]:
        """What app modules read as `connection.*`: the values plus the check's data."""
        return {**self.values(), **self.data, **self.secret_data}

    def secret_values(self) -> list[str]:
        """Every secret as text (for the run's redaction)."""
        out = []
        for value in (*self.secrets.values(), *self.secret_data.values()):
            if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                out.append(str(value))
        return [v for v in out if v]

    def public(self) -> dict[str, Any]:
        """The JSON `connections list` prints: everything but secret values."""
        return {
            "id": self.id, "app": self.app, "component": self.component, "kind": self.kind,
            "name": self.name, "fields": self.fields, "data": self.data,
            "secret_fields": sorted(self.secret_fields), "label": self.label,
            "base_url_override": self.base_url_override,
            "created_at": _iso(self.created_at), "updated_at": _iso(self.updated_at),
            "verified_at": _iso(self.verified_at), "make_ids": self.make_ids,
        }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.replace(tzinfo=UTC).isoformat()


def _datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def split_values(kind: ConnectionType, values: Mapping[str, Any]
                 ) -> tuple[dict[str, Any], dict[str, Any]]:
    """(non-secret, secret) by the connection type's declaration and the names."""
    plain: dict[str, Any] = {}
    secret: dict[str, Any] = {}
    for key, value in values.items():
        (secret if kind.is_secret(key) else plain)[key] = value
    return plain, secret


class ConnectionStore:
    def __init__(self, workspace: Path, secrets: SecretStore | None = None) -> None:
        self.workspace = Path(workspace)
        self.secrets = secrets if secrets is not None else secret_store(self.workspace)

    @property
    def engine(self) -> Engine:
        from engine.store.state_db import state_engine

        return state_engine(self.workspace)

    @property
    def keeps_secrets(self) -> bool:
        return isinstance(self.secrets, (KeyringStore, EncryptedFileStore))

    # ------------------------------------------------------------------ reading

    def list(self) -> list[Connection]:
        with self.engine.connect() as conn:
            rows = conn.execute(text("SELECT * FROM connection ORDER BY created_at, id")
                                ).mappings().all()
            imports = conn.execute(text("SELECT make_id, connection_id FROM connection_import"
                                        " ORDER BY make_id")).all()
        by_id: dict[str, list[str]] = {}
        for make_id, connection_id in imports:
            by_id.setdefault(connection_id, []).append(make_id)
        return [self._connection(row, by_id.get(row["id"], []), with_secrets=False)
                for row in rows]

    def get(self, connection_id: str, *, with_secrets: bool = True) -> Connection | None:
        with self.engine.connect() as conn:
            row = conn.execute(text("SELECT * FROM connection WHERE id = :id"),
                               {"id": connection_id}).mappings().first()
            if row is None:
                return None
            make_ids = [m for (m,) in conn.execute(text(
                "SELECT make_id FROM connection_import WHERE connection_id = :id"
                " ORDER BY make_id"), {"id": connection_id})]
        return self._connection(row, make_ids, with_secrets=with_secrets)

    def resolve(self, reference: Any) -> Connection | None:
        """The connection a blueprint's reference names: a local id, or an import's id."""
        if reference is None or reference == "" or isinstance(reference, bool):
            return None
        ref = str(int(reference)) if isinstance(reference, float) and reference.is_integer() \
            else str(reference)
        with self.engine.connect() as conn:
            mapped = conn.execute(text("SELECT connection_id FROM connection_import WHERE"
                                       " make_id = :m"), {"m": ref}).scalar()
        return self.get(str(mapped) if mapped is not None else ref)

    def require(self, connection_id: str) -> Connection:
        found = self.resolve(connection_id)
        if found is None:
            raise ConnectionStoreError(f"no connection {connection_id} in this workspace")
        return found

    def _connection(self, row: Any, make_ids: Sequence[str], *, with_secrets: bool) -> Connection:
        connection = Connection(
            id=row["id"], app=row["app"], component=row["component"], kind=row["kind"],
            name=row["name"], fields=orjson.loads(row["fields"]),
            data=orjson.loads(row["data"]), label=row["label"],
            base_url_override=row["base_url_override"],
            created_at=_datetime(row["created_at"]), updated_at=_datetime(row["updated_at"]),
            verified_at=_datetime(row["verified_at"]), make_ids=list(make_ids),
            with_secrets=with_secrets,
        )
        raw = self.secrets.get(connection.id) if with_secrets else None
        if raw:
            try:
                stored = orjson.loads(raw)
            except orjson.JSONDecodeError:
                stored = {}
            connection.secrets = dict(stored.get("fields") or {})
            connection.secret_data = dict(stored.get("data") or {})
        connection.secret_fields = list(orjson.loads(row["secret_fields"] or "[]"))
        return connection

    # ------------------------------------------------------------------ writing

    def add(self, kind: ConnectionType, name: str, values: Mapping[str, Any], *,
            base_url_override: str | None = None, make_id: Any = None) -> Connection:
        plain, secret = split_values(kind, values)
        now = _now()
        connection = Connection(
            id=uuid.uuid4().hex, app=kind.app, component=kind.component, kind=kind.kind,
            name=name, fields=plain, base_url_override=base_url_override, created_at=now,
            updated_at=now, secrets=secret, secret_fields=sorted(secret),
        )
        self._save_secrets(connection)
        with self.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO connection (id, app, component, kind, name, fields, data,"
                " secret_fields, label, base_url_override, created_at, updated_at,"
                " verified_at) VALUES (:id, :app, :component, :kind, :name, :fields, '{}',"
                " :secret_fields, NULL, :base, :now, :now, NULL)"),
                {"id": connection.id, "app": connection.app, "component": connection.component,
                 "kind": connection.kind, "name": name, "fields": orjson.dumps(plain).decode(),
                 "secret_fields": orjson.dumps(sorted(secret)).decode(),
                 "base": base_url_override, "now": now})
        if make_id is not None:
            self.map_import(make_id, connection.id)
            connection.make_ids = [str(make_id)]
        return connection

    def update(self, connection: Connection, kind: ConnectionType | None = None,
               values: Mapping[str, Any] | None = None, *, name: str | None = None,
               data: Mapping[str, Any] | None = None, label: str | None = None,
               verified: bool = False, base_url_override: str | None = None) -> Connection:
        """Change values (secret ones go to the secret store), the name, or the data a
        check stored (`data` replaces it; `verified` stamps `verified_at`)."""
        if (values or data is not None) and not connection.with_secrets:
            loaded = self.get(connection.id)  # listed without its secrets: keep them
            if loaded is not None:
                connection.secrets, connection.secret_data = loaded.secrets, loaded.secret_data
                connection.with_secrets = True
        if values:
            if kind is None:
                raise ValueError("values need the connection's type")
            plain, secret = split_values(kind, values)
            connection.fields.update(plain)
            connection.secrets.update(secret)
            for key in secret:
                connection.fields.pop(key, None)
            for key in plain:
                connection.secrets.pop(key, None)
            connection.secret_fields = sorted(connection.secrets)
        if data is not None:
            if kind is None:
                raise ValueError("data needs the connection's type")
            plain, secret = split_values(kind, data)
            for key in list(plain):  # a value the user gave is secret wherever it goes
                if plain[key] in connection.secrets.values() and plain[key] not in ("", None):
                    secret[key] = plain.pop(key)
            connection.data, connection.secret_data = plain, secret
        if name is not None:
            connection.name = name
        if label is not None:
            connection.label = label
        if base_url_override is not None:
            connection.base_url_override = base_url_override or None
        connection.updated_at = _now()
        if verified:
            connection.verified_at = connection.updated_at
        if values or data is not None:
            self._save_secrets(connection)
        with self.engine.begin() as conn:
            conn.execute(text(
                "UPDATE connection SET name = :name, fields = :fields, data = :data,"
                " secret_fields = :secret_fields, label = :label, base_url_override = :base,"
                " updated_at = :updated, verified_at = :verified WHERE id = :id"),
                {"id": connection.id, "name": connection.name,
                 "fields": orjson.dumps(connection.fields).decode(),
                 "data": orjson.dumps(connection.data).decode(), "label": connection.label,
                 "secret_fields": orjson.dumps(connection.secret_fields).decode(),
                 "base": connection.base_url_override, "updated": connection.updated_at,
                 "verified": connection.verified_at})
        return connection

    def delete(self, connection_id: str) -> bool:
        with self.engine.begin() as conn:
            conn.execute(text("DELETE FROM connection_import WHERE connection_id = :id"),
                         {"id": connection_id})
            deleted = conn.execute(text("DELETE FROM connection WHERE id = :id"),
                                   {"id": connection_id}).rowcount
        self.secrets.delete(connection_id)
        return bool(deleted)

    def map_import(self, make_id: Any, connection_id: str) -> None:
        """Make an export's numeric connection id name this local connection."""
        with self.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO connection_import (make_id, connection_id) VALUES (:m, :c)"
                " ON CONFLICT (make_id) DO UPDATE SET connection_id = excluded.connection_id"),
                {"m": str(make_id), "c": connection_id})

    def _save_secrets(self, connection: Connection) -> None:
        if not connection.secrets and not connection.secret_data:
            self.secrets.delete(connection.id)
            return
        payload = orjson.dumps({"fields": connection.secrets, "data": connection.secret_data})
        if not self.secrets.set(connection.id, payload.decode()):
            raise ConnectionStoreError(
                f"cannot keep this connection's secrets: {self.secrets.description}; set "
                "SCENARIST_MASTER_PASSWORD to keep them in an encrypted file instead")
