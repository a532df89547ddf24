"""Data stores: keyed records in the workspace's `state.db`, and a run's transactional view.

A `DataStoreSession` is a run's access to every data store. With `auto_commit` (Make's
default) each write is its own short transaction. Without it, writes are held in memory —
reads in the same run see them — until `commit()` at the end of the cycle writes them in one
transaction, or `rollback()` drops them. No SQLite write lock is ever held across a cycle.

Records keep Make's item types: values are stored as JSON with tags for dates
(`{"$date": iso}`) and buffers (`{"$buffer": base64}`).
"""

from __future__ import annotations

import base64
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import delete, func, insert, literal_column, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Field, SQLModel

from engine.errors import ModuleError
from engine.store.data_structures import DataStructure, get_structure
from engine.store.state_db import release_state_engine, state_engine

if TYPE_CHECKING:
    from engine.executor.services import RunServices


def _utc_now() -> datetime:
    return datetime.now(UTC)


class DataStoreRow(SQLModel, table=True):
    __tablename__ = "data_store"

    id: str = Field(primary_key=True)
    name: str = ""
    data_structure_id: str | None = None  # may name a structure the workspace doesn't have
    created_at: datetime = Field(default_factory=_utc_now)


class DataStoreRecordRow(SQLModel, table=True):
    __tablename__ = "data_store_record"

    store_id: str = Field(foreign_key="data_store.id", primary_key=True, ondelete="CASCADE")
    key: str = Field(primary_key=True)
    data: str  # tagged JSON, see encode_value
    created_at: datetime = Field(default_factory=_utc_now)
    updated_at: datetime = Field(default_factory=_utc_now)


_STORES = DataStoreRow.__table__  # type: ignore[attr-defined]
_RECORDS = DataStoreRecordRow.__table__  # type: ignore[attr-defined]

# --- value codec ---------------------------------------------------------------------------

_TAGS = ("$date", "$buffer", "$object")


def encode_value(value: Any) -> Any:
    """Make values as JSON data that can be read back with their types."""
    if isinstance(value, datetime):
        dt = value if value.tzinfo else value.replace(tzinfo=UTC)
        return {"$date": dt.isoformat()}
    if isinstance(value, (bytes, bytearray)):
        return {"$buffer": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict):
        encoded = {str(k): encode_value(v) for k, v in value.items()}
        if len(encoded) == 1 and next(iter(encoded)) in _TAGS:
            return {"$object": encoded}  # a user collection that looks like a tag
        return encoded
    if isinstance(value, (list, tuple)):
        return [encode_value(v) for v in value]
    return value


def decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1:
            (tag, inner), = value.items()
            if tag == "$date":
                return datetime.fromisoformat(inner)
            if tag == "$buffer":
                return base64.b64decode(inner)
            if tag == "$object":
                return {k: decode_value(v) for k, v in inner.items()}
        return {k: decode_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode_value(v) for v in value]
    return value


def dumps_record(data: dict[str, Any]) -> str:
    return orjson.dumps(encode_value(data)).decode()


def loads_record(text: str) -> dict[str, Any]:
    data = decode_value(orjson.loads(text))
    return data if isinstance(data, dict) else {"value": data}


# --- a run's session ----------------------------------------------------------------------

_DELETED = None  # marker in held writes


@dataclass
class _HeldChanges:
    """Writes to one store not yet committed: cleared first, then these keys (None = deleted)."""

    cleared: bool = False
    writes: dict[str, dict[str, Any] | None] = field(default_factory=dict)


class DataStoreSession:
    """One run's view of the workspace's data stores (a `Transactional` resource)."""

    def __init__(self, engine: Engine, *, auto_commit: bool = True,
                 temp_dir: Path | None = None) -> None:
        self.engine = engine
        self.auto_commit = auto_commit
        self._temp_dir = temp_dir
        self._held: dict[str, _HeldChanges] = {}
        self._known_stores: set[str] = set()
        self._structures: dict[str, DataStructure | None] = {}

    # -- stores --

    def ensure_store(self, store_id: Any, name: str = "") -> str:
        """The store's id as text; an unknown store is created empty on first use."""
        sid = str(store_id)
        if sid not in self._known_stores:
            with self._write() as conn:
                conn.execute(
                    insert(_STORES).prefix_with("OR IGNORE").values(
                        id=sid, name=name or f"Data store {sid}", created_at=_utc_now()
                    )
                )
            self._known_stores.add(sid)
        return sid

    def structure(self, store_id: Any) -> DataStructure | None:
        """The data structure of a store, if it has one the workspace knows."""
        sid = self.ensure_store(store_id)
        if sid not in self._structures:
            with self.engine.connect() as conn:
                structure_id = conn.execute(
                    select(_STORES.c.data_structure_id).where(_STORES.c.id == sid)
                ).scalar()
            self._structures[sid] = get_structure(self.engine, structure_id)
        return self._structures[sid]

    # -- reads (see held writes) --

    def get(self, store_id: Any, key: str) -> dict[str, Any] | None:
        sid = self.ensure_store(store_id)
        held = self._held.get(sid)
        if held is not None:
            if key in held.writes:
                found = held.writes[key]
                return dict(found) if found is not None else None
            if held.cleared:
                return None
        with self.engine.connect() as conn:
            text = conn.execute(
                select(_RECORDS.c.data).where(_RECORDS.c.store_id == sid, _RECORDS.c.key == key)
            ).scalar()
        return loads_record(text) if text is not None else None

    def exists(self, store_id: Any, key: str) -> bool:
        return self.get(store_id, key) is not None

    def records(self, store_id: Any) -> list[tuple[str, dict[str, Any]]]:
        """Every record, oldest first (a replaced record keeps its place)."""
        sid = self.ensure_store(store_id)
        held = self._held.get(sid) or _HeldChanges()
        out: dict[str, dict[str, Any]] = {}
        if not held.cleared:
            out = dict(self._stored_records(sid))
        for key, data in held.writes.items():
            if data is _DELETED:
                out.pop(key, None)
            else:
                out[key] = dict(data)
        return list(out.items())

    def count(self, store_id: Any) -> int:
        sid = self.ensure_store(store_id)
        if sid not in self._held:
            with self.engine.connect() as conn:
                return int(conn.execute(
                    select(func.count()).select_from(_RECORDS).where(_RECORDS.c.store_id == sid)
                ).scalar() or 0)
        return len(self.records(sid))

    def _stored_records(self, sid: str) -> Iterator[tuple[str, dict[str, Any]]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(_RECORDS.c.key, _RECORDS.c.data)
                .where(_RECORDS.c.store_id == sid)
                .order_by(literal_column("rowid"))
            ).all()
        for key, text in rows:
            yield key, loads_record(text)

    # -- writes --

    def put(self, store_id: Any, key: str, data: dict[str, Any]) -> None:
        """Insert or replace a record."""
        sid = self.ensure_store(store_id)
        if self.auto_commit:
            with self._write() as conn:
                _upsert(conn, sid, key, data)
        else:
            self._held.setdefault(sid, _HeldChanges()).writes[key] = dict(data)

    def delete(self, store_id: Any, key: str) -> None:
        sid = self.ensure_store(store_id)
        if self.auto_commit:
            with self._write() as conn:
                conn.execute(delete(_RECORDS).where(_RECORDS.c.store_id == sid,
                                                    _RECORDS.c.key == key))
        else:
            self._held.setdefault(sid, _HeldChanges()).writes[key] = _DELETED

    def delete_all(self, store_id: Any) -> None:
        sid = self.ensure_store(store_id)
        if self.auto_commit:
            with self._write() as conn:
                conn.execute(delete(_RECORDS).where(_RECORDS.c.store_id == sid))
        else:
            self._held[sid] = _HeldChanges(cleared=True)

    # -- transaction --

    @property
    def has_pending(self) -> bool:
        return bool(self._held)

    def commit(self) -> None:
        """Write the held changes in one short transaction (nothing to do with autoCommit)."""
        if not self._held:
            return
        held, self._held = self._held, {}
        try:
            with self._write() as conn:
                for sid, changes in held.items():
                    if changes.cleared:
                        conn.execute(delete(_RECORDS).where(_RECORDS.c.store_id == sid))
                    for key, data in changes.writes.items():
                        if data is _DELETED:
                            conn.execute(delete(_RECORDS).where(_RECORDS.c.store_id == sid,
                                                                _RECORDS.c.key == key))
                        else:
                            _upsert(conn, sid, key, data)
        except ModuleError as exc:
            raise ModuleError(f"Data store commit failed: {exc.message}",
                              name="InconsistencyError") from exc

    def rollback(self) -> None:
        """Drop the held changes (writes already committed under autoCommit stay)."""
        self._held.clear()

    def close(self) -> None:
        self._held.clear()
        if self._temp_dir is not None:
            release_state_engine(self._temp_dir)
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None

    def _write(self) -> _WriteTransaction:
        return _WriteTransaction(self.engine)


class _WriteTransaction:
    """`engine.begin()` that reports SQLite failures (locked, disk full) as ModuleErrors."""

    def __init__(self, engine: Engine) -> None:
        self._context = engine.begin()

    def __enter__(self) -> Connection:
        try:
            return self._context.__enter__()
        except SQLAlchemyError as exc:
            raise ModuleError(f"Data store unavailable: {exc}", name="RuntimeError") from exc

    def __exit__(self, *exc_info: Any) -> bool | None:
        try:
            return self._context.__exit__(*exc_info)
        except SQLAlchemyError as exc:
            raise ModuleError(f"Data store write failed: {exc}", name="RuntimeError") from exc


def _upsert(conn: Connection, sid: str, key: str, data: dict[str, Any]) -> None:
    now = _utc_now()
    statement = sqlite_insert(_RECORDS).values(
        store_id=sid, key=key, data=dumps_record(data), created_at=now, updated_at=now
    )
    conn.execute(statement.on_conflict_do_update(
        index_elements=[_RECORDS.c.store_id, _RECORDS.c.key],
        set_={"data": statement.excluded.data, "updated_at": now},
    ))


def datastore_session(run: RunServices) -> DataStoreSession:
    """The run's data store session, on the workspace in `run.data_dir` (a temp dir if None)."""

    def make() -> DataStoreSession:
        if run.data_dir is not None:
            return DataStoreSession(state_engine(Path(run.data_dir)), auto_commit=run.auto_commit)
        temp = Path(tempfile.mkdtemp(prefix="scenarist-"))
        return DataStoreSession(state_engine(temp), auto_commit=run.auto_commit, temp_dir=temp)

    session: DataStoreSession = run.resource("datastore", make)
    return session


def set_store_structure(engine: Engine, store_id: Any, structure_id: Any, name: str = "") -> None:
    """Create or update a store's record and the data structure it uses."""
    sid = str(store_id)
    statement = sqlite_insert(_STORES).values(
        id=sid, name=name or f"Data store {sid}",
        data_structure_id=None if structure_id is None else str(structure_id),
        created_at=_utc_now(),
    )
    set_: dict[str, Any] = {"data_structure_id": statement.excluded.data_structure_id}
    if name:
        set_["name"] = name
    with engine.begin() as conn:
        conn.execute(statement.on_conflict_do_update(index_elements=[_STORES.c.id], set_=set_))
