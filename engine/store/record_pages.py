"""A data store's records a page at a time, for the browser and `datastores records`.

Pages are read straight from SQLite with LIMIT/OFFSET over the (store, key) primary key, so
a store of a million records never needs loading: a page costs the index walk to its offset
and the page's own rows. Search is by key prefix on the same index. The order is by key, or
by last change (a scan; fine for the thousands, measured in benchmarks/datastore_bench.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Select, and_, func, literal_column, select
from sqlalchemy.engine import Connection, Engine

from engine.store.datastore import DataStoreRecordRow, loads_record

_RECORDS = DataStoreRecordRow.__table__  # type: ignore[attr-defined]
_LAST_CHAR = "\U0010ffff"

Order = Literal["key", "-key", "updated", "-updated"]


@dataclass(frozen=True)
class Record:
    key: str
    data: dict[str, Any]
    updated_at: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "data": self.data}


@dataclass(frozen=True)
class RecordQuery:
    """Which records the browser shows: a key prefix and an order (by key, last change, or
    a top-level field: `sort_field`, whose index is made on first use)."""

    store_id: str
    search: str = ""
    order: Order = "key"
    sort_field: str | None = None

    def _where(self, query: Select[Any]) -> Select[Any]:
        query = query.where(_RECORDS.c.store_id == self.store_id)
        if self.search:
            query = query.where(and_(_RECORDS.c.key >= self.search,
                                     _RECORDS.c.key < self.search + _LAST_CHAR))
        return query


def count_records(engine: Engine, query: RecordQuery) -> int:
    with engine.connect() as conn:
        return int(conn.execute(query._where(select(func.count()).select_from(_RECORDS)))
                   .scalar() or 0)


def read_page(engine: Engine, query: RecordQuery, offset: int, limit: int, *,
              total: int | None = None, after: str | None = None) -> list[Record]:
    """Records `offset` .. `offset + limit` of the query, in its order.

    In key order a page never reads the records before it: it starts after `after` (the key
    just before the page, when the caller has it: scrolling), else at a key found on the
    (store, key) index alone, walked from the nearer end when `total` is known.
    """
    descending = query.order.startswith("-")
    by_key = query.sort_field is None and query.order in ("key", "-key")
    column: Any = _RECORDS.c.updated_at if query.order.endswith("updated") else _RECORDS.c.key
    if query.sort_field is not None:
        column = _field_column(engine, query.sort_field)
        # The whole store in the field's order: on its index, walked by rowid (SQLite's).
        if not query.search and engine.dialect.name == "sqlite":
            return _field_page(engine, query, offset, limit, descending, total)
    ordered = column.desc() if descending else column.asc()
    ties: list[Any] = [_RECORDS.c.key]
    if query.sort_field is not None and engine.dialect.name != "sqlite":
        # As SQLite sorts: records without the field first, equal values by age.
        from engine.store.dialects import insertion_order

        ordered = ordered.nulls_last() if descending else ordered.nulls_first()
        ties = [t.desc() if descending else t
                for t in insertion_order(engine, _RECORDS)]
    statement = query._where(select(_RECORDS.c.key, _RECORDS.c.data, _RECORDS.c.updated_at))
    with engine.connect() as conn:
        if by_key and after is not None:
            statement = statement.where(_RECORDS.c.key < after if descending
                                        else _RECORDS.c.key > after)
            offset = 0
        elif by_key and offset > 0:
            anchor = _anchor(conn, query, offset, descending, total)
            if anchor is None:
                return []
            statement = statement.where(_RECORDS.c.key <= anchor if descending
                                        else _RECORDS.c.key >= anchor)
            offset = 0
        rows = conn.execute(statement.order_by(ordered, *ties).limit(limit)
                            .offset(max(0, offset))).all()
    return [Record(key, loads_record(data), updated) for key, data, updated in rows]


def _anchor(conn: Connection, query: RecordQuery, offset: int, descending: bool,
            total: int | None) -> str | None:
    """The key at `offset`, skipping keys on the index only (OFFSET over full rows would
    visit every record skipped), from the end nearer to it."""
    backwards = total is not None and offset > total // 2
    if backwards:
        assert total is not None
        offset, descending = total - 1 - offset, not descending
        if offset < 0:
            return None
    order = _RECORDS.c.key.desc() if descending else _RECORDS.c.key.asc()
    found: str | None = conn.execute(query._where(select(_RECORDS.c.key)).order_by(order)
                                     .limit(1).offset(offset)).scalar()
    return found


def _field_page(engine: Engine, query: RecordQuery, offset: int, limit: int,
                descending: bool, total: int | None) -> list[Record]:
    from engine.store.field_pages import field_page
    from engine.store.record_search import field_expression

    assert query.sort_field is not None
    with engine.connect() as conn:
        if total is None:
            total = count_records(engine, query)
        rows = field_page(conn, query.store_id, field_expression(query.sort_field), offset,
                          limit, descending=descending, total=total)
    return [Record(key, loads_record(data), _as_datetime(updated))
            for key, data, updated in rows]


def _as_datetime(value: Any) -> datetime | None:
    """updated_at as SQLAlchemy reads it, from the text a plain query returns."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _field_column(engine: Engine, name: str) -> Any:
    from engine.store.record_search import ensure_index, field_expression

    if any(c in name for c in "{}.\"'"):
        raise ValueError(f"Records cannot be sorted by {name!r}.")
    with engine.begin() as conn:
        ensure_index(conn, name)
    return literal_column(field_expression(name, engine.dialect.name))


def get_record(engine: Engine, store_id: Any, key: str) -> Record | None:
    with engine.connect() as conn:
        row = conn.execute(select(_RECORDS.c.data, _RECORDS.c.updated_at).where(
            _RECORDS.c.store_id == str(store_id), _RECORDS.c.key == key)).first()
    return Record(key, loads_record(row[0]), row[1]) if row is not None else None
