"""Managing data stores: list (with record count and size), create, rename, delete, and
which scenarios use a store.

Every change is one short transaction, so it is safe while scenarios run: a run's held
writes land after it (last write wins), and autoCommit writes wait at most the busy timeout.
Ids are integers as text, as in Make, so blueprints' `parameters.datastore` can name them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Engine

from engine.store.datastore import DataStoreRecordRow, DataStoreRow

_STORES = DataStoreRow.__table__  # type: ignore[attr-defined]
_RECORDS = DataStoreRecordRow.__table__  # type: ignore[attr-defined]


class StoreError(ValueError):
    """A store that does not exist, or a name or limit that cannot be used."""


@dataclass(frozen=True)
class StoreInfo:
    id: str
    name: str
    structure_id: str | None
    max_size_mb: int | None
    records: int
    size: int  # bytes of keys and stored JSON

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "records": self.records, "size": self.size,
                "structure": self.structure_id, "max_size_mb": self.max_size_mb}


_INFO = (_STORES.c.id, _STORES.c.name, _STORES.c.data_structure_id, _STORES.c.max_size_mb,
         _STORES.c.record_count, _STORES.c.size_bytes)


def _info(row: Any) -> StoreInfo:
    return StoreInfo(str(row[0]), row[1], row[2], row[3], int(row[4]), int(row[5]))


def list_stores(engine: Engine) -> list[StoreInfo]:
    """Every store with its record count and size (kept by triggers: no scan), by id
    (numeric ids in number order)."""
    with engine.connect() as conn:
        stores = [_info(row) for row in conn.execute(select(*_INFO))]
    return sorted(stores, key=lambda s: (not s.id.isdigit(), int(s.id) if s.id.isdigit() else 0,
                                         s.id))


def store_info(engine: Engine, store_id: Any) -> StoreInfo:
    sid = str(store_id)
    with engine.connect() as conn:
        row = conn.execute(select(*_INFO).where(_STORES.c.id == sid)).first()
    if row is None:
        raise StoreError(f"There is no data store {sid}.")
    return _info(row)


def find_store(engine: Engine, id_or_name: Any) -> str:
    """A store's id from its id or its (unique) name."""
    text = str(id_or_name)
    with engine.connect() as conn:
        if conn.execute(select(_STORES.c.id).where(_STORES.c.id == text)).first():
            return text
        ids = conn.execute(select(_STORES.c.id).where(_STORES.c.name == text)).scalars().all()
    if len(ids) == 1:
        return str(ids[0])
    if ids:
        raise StoreError(f"Several data stores are named {text!r}: use an id ({', '.join(ids)}).")
    raise StoreError(f"There is no data store {text!r}.")


def create_store(engine: Engine, name: str, *, structure_id: Any = None,
                 max_size_mb: int | None = None, store_id: Any = None) -> str:
    """A new empty store; its id is the next free integer unless `store_id` is given."""
    name = name.strip()
    if not name:
        raise StoreError("A data store needs a name.")
    if max_size_mb is not None and max_size_mb < 1:
        raise StoreError("The size limit is at least 1 MB.")
    with engine.begin() as conn:
        if store_id is None:
            ids = conn.execute(select(_STORES.c.id)).scalars().all()
            store_id = max((int(i) for i in ids if str(i).isdigit()), default=0) + 1
        sid = str(store_id)
        if conn.execute(select(_STORES.c.id).where(_STORES.c.id == sid)).first():
            raise StoreError(f"Data store {sid} exists already.")
        conn.execute(insert(_STORES).values(
            id=sid, name=name, max_size_mb=max_size_mb, created_at=datetime.now(UTC),
            data_structure_id=None if structure_id in (None, "") else str(structure_id)))
    return sid


def update_store(engine: Engine, store_id: Any, *, name: str | None = None,
                 structure_id: Any = ..., max_size_mb: Any = ...) -> None:
    """Rename a store, or change its structure or size limit (`...`: unchanged)."""
    values: dict[str, Any] = {}
    if name is not None:
        if not name.strip():
            raise StoreError("A data store needs a name.")
        values["name"] = name.strip()
    if structure_id is not ...:
        values["data_structure_id"] = None if structure_id in (None, "") else str(structure_id)
    if max_size_mb is not ...:
        values["max_size_mb"] = max_size_mb
    with engine.begin() as conn:
        done = conn.execute(update(_STORES).where(_STORES.c.id == str(store_id)).values(**values)
                            if values else select(_STORES.c.id).where(
                                _STORES.c.id == str(store_id)))
        if (done.rowcount if values else len(done.all())) == 0:
            raise StoreError(f"There is no data store {store_id}.")


def delete_store(engine: Engine, store_id: Any) -> int:
    """Delete a store and its records; returns how many records went with it."""
    sid = str(store_id)
    with engine.begin() as conn:
        count = conn.execute(select(func.count()).where(_RECORDS.c.store_id == sid)).scalar()
        conn.execute(delete(_RECORDS).where(_RECORDS.c.store_id == sid))
        if conn.execute(delete(_STORES).where(_STORES.c.id == sid)).rowcount == 0:
            raise StoreError(f"There is no data store {sid}.")
    return int(count or 0)


def scenarios_using(workspace: Path, store_id: Any) -> list[str]:
    """The names of the workspace's scenarios (`scenarios/*.blueprint.json`) with a module
    whose `parameters.datastore` is this store."""
    from engine.blueprint_check import iter_modules

    sid = str(store_id)
    found = []
    for path in sorted(Path(workspace, "scenarios").glob("*.blueprint.json")):
        try:
            data = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            continue
        if not isinstance(data, dict):
            continue
        if any(isinstance(node.get("parameters"), dict)
               and str(node["parameters"].get("datastore")) == sid
               for _, node in iter_modules(data.get("flow"))):
            found.append(str(data.get("name") or path.name.removesuffix(".blueprint.json")))
    return found
