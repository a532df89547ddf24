"""Import and export of a data store's records as CSV or JSON.

JSON is `[{"key", "data"}]` (what `datastores records --json` prints); plain objects are
taken too (their `key` field, if any, is the key). CSV has a `key` column and one column per
field; collections and arrays are JSON in their cell. Without a key, a record gets a new
uuid. With a data structure, rows are checked and coerced to its types; a row that does not
fit is skipped and reported with its number and field.

Import writes in batches of plain DB-API upserts, each batch its own short transaction, so a
scenario running meanwhile waits for one batch at most (speed: benchmarks/datastore_bench.py).
"""

from __future__ import annotations

import csv
import io
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import orjson
from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from engine.store.data_structures import DataStructure, coerce_record, get_structure
from engine.store.datastore import DataStoreRecordRow, dumps_record, loads_record
from engine.store.dialects import dbapi_sql
from engine.store.store_admin import store_info
from engine.store.structure_check import validate
from engine.values import to_text

_RECORDS = DataStoreRecordRow.__table__  # type: ignore[attr-defined]
BATCH = 20_000
MAX_REPORTED = 20
Format = Literal["csv", "json"]
_UPSERT = ("INSERT INTO data_store_record (store_id, key, data, created_at, updated_at) "
           "VALUES (?, ?, ?, ?, ?) ON CONFLICT (store_id, key) DO UPDATE "
           "SET data = excluded.data, updated_at = excluded.updated_at")


@dataclass
class ImportResult:
    imported: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)  # the first MAX_REPORTED, by row
    full: bool = False  # stopped at the store's size limit


def format_of(path: Path, given: str | None = None) -> Format:
    kind = (given or path.suffix.lstrip(".")).lower()
    if kind not in ("csv", "json"):
        raise ValueError(f"{path.name}: say --format csv or json (not {kind or 'none'!r}).")
    return "csv" if kind == "csv" else "json"


def import_records(engine: Engine, store_id: Any, path: Path, *, kind: str | None = None,
                   progress: Callable[[int], None] | None = None) -> ImportResult:
    """Add or replace the file's records in the store; `progress(rows read)` per batch."""
    sid = str(store_id)
    structure = get_structure(engine, store_info(engine, sid).structure_id)
    fmt = format_of(path, kind)
    fast: list[Any] = []  # the CSV's fast row converter, once its header is read
    rows = _csv_rows(path, structure, fast) if fmt == "csv" else _json_rows(path)
    result = ImportResult()
    now = datetime.now(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    batch: list[tuple[str, str, str, str, str]] = []
    seen = 0
    for seen, (key, data) in enumerate(rows, start=1):
        converted = fast[0](data) if fast and fast[0] is not None else None
        if converted is not None:
            data = converted
        elif structure is not None and structure.spec:
            problems = validate(data, structure.spec, strict=structure.strict)
            if problems:
                result.skipped += 1
                if len(result.problems) < MAX_REPORTED:
                    result.problems.append(f"row {seen}: {problems[0]}")
                continue
            data = coerce_record(data, structure.spec, strict=structure.strict)
        batch.append((sid, key or str(uuid.uuid4()), dumps_record(data), now, now))
        if len(batch) >= BATCH:
            if not _write(engine, batch, result):
                return result
            batch = []
            if progress is not None:
                progress(seen)
    _write(engine, batch, result)
    if progress is not None:
        progress(seen)
    return result


def _write(engine: Engine, batch: list[tuple[str, str, str, str, str]],
           result: ImportResult) -> bool:
    """One batch in one transaction; False (the batch undone, the import over) when it
    would take the store over its size limit."""
    if not batch:
        return True
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.executemany(dbapi_sql(engine, _UPSERT), batch)
        cursor.execute(dbapi_sql(engine, "SELECT size_bytes, max_size_mb FROM data_store "
                                 "WHERE id = ?"), (batch[0][0],))
        size, limit = cursor.fetchone() or (0, None)
        if limit is not None and size > limit * 1024 * 1024:
            raw.rollback()
            result.full = True
            result.problems.append(f"the data store is full ({limit} MB): the import stopped "
                                   f"after {result.imported:,} records")
            return False
        raw.commit()
    finally:
        raw.close()
    result.imported += len(batch)
    return True


def _csv_rows(path: Path, structure: DataStructure | None, fast: list[Any]
              ) -> Iterator[tuple[str, dict[str, Any]]]:
    nested = {f.name for f in (structure.spec if structure else [])
              if f.type in ("collection", "array")}
    csv.field_size_limit(sys.maxsize)
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            return
        key_at = header.index("key") if "key" in header else -1
        columns = [(i, name) for i, name in enumerate(header) if i != key_at]
        if structure is not None and structure.spec:
            from engine.store.csv_rows import row_converter

            fast.append(row_converter(structure, [name for _, name in columns]))
        for row in reader:
            if not row:
                continue
            data: dict[str, Any] = {}
            for i, name in columns:
                cell = row[i] if i < len(row) else ""
                if cell == "":
                    continue
                data[name] = _json_cell(cell) if name in nested else cell
            yield (row[key_at] if 0 <= key_at < len(row) else ""), data


def _json_cell(cell: str) -> Any:
    try:
        return orjson.loads(cell)
    except orjson.JSONDecodeError:
        return cell


def _json_rows(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    items = orjson.loads(path.read_bytes())
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        raise ValueError(f"{path.name}: expected a list of records.")
    from engine.store.tagged_json import decode_value

    for item in items:
        if not isinstance(item, dict):
            continue
        if set(item) == {"key", "data"} and isinstance(item["data"], dict):
            yield to_text(item["key"]), decode_value(item["data"])
        else:
            data = decode_value(item)
            yield to_text(data.pop("key", "")), data


# --- export ---------------------------------------------------------------------------------


def export_records(engine: Engine, store_id: Any, out: io.TextIOBase | Any, kind: Format
                   ) -> int:
    """Write every record (by key) to `out`; returns how many."""
    sid = str(store_id)
    if kind == "json":
        return _export_json(engine, sid, out)
    structure = get_structure(engine, store_info(engine, sid).structure_id)
    fields = [f.name for f in structure.spec] if structure else _field_names(engine, sid)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["key", *fields])
    count = 0
    for key, data in _stored(engine, sid):
        writer.writerow([key, *(_cell(data.get(name)) for name in fields)])
        count += 1
    return count


def _export_json(engine: Engine, sid: str, out: Any) -> int:
    from engine.store.tagged_json import encode_value

    out.write("[")
    count = 0
    for key, data in _stored(engine, sid):
        out.write(("," if count else "") + "\n")
        out.write(orjson.dumps({"key": key, "data": encode_value(data)}).decode())
        count += 1
    out.write("\n]\n")
    return count


def _stored(engine: Engine, sid: str) -> Iterable[tuple[str, dict[str, Any]]]:
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True).execute(
            select(_RECORDS.c.key, _RECORDS.c.data).where(_RECORDS.c.store_id == sid)
            .order_by(_RECORDS.c.key))
        for key, data in result:
            yield key, loads_record(data)


def _field_names(engine: Engine, sid: str) -> list[str]:
    """Every top-level field any record has, in first-seen order."""
    if engine.dialect.name != "sqlite":
        return _field_names_read(engine, sid)
    with engine.connect() as conn:
        names = conn.execute(text(
            "SELECT j.key FROM data_store_record AS r, json_each(r.data) AS j "
            "WHERE r.store_id = :sid GROUP BY j.key ORDER BY min(r.rowid), min(j.id)"),
            {"sid": sid}).scalars().all()
    return [str(n) for n in names]


def _field_names_read(engine: Engine, sid: str) -> list[str]:
    """`_field_names` without SQLite's json_each: every record read, in insertion order."""
    from engine.store.dialects import insertion_order

    seen: dict[str, None] = {}
    with engine.connect() as conn:
        for (data,) in conn.execute(
                select(_RECORDS.c.data).where(_RECORDS.c.store_id == sid)
                .order_by(*insertion_order(conn, _RECORDS))):
            record = orjson.loads(data)
            if isinstance(record, dict):
                seen.update(dict.fromkeys(record))
    return list(seen)


def _cell(value: Any) -> str:
    if isinstance(value, (dict, list)):
        from engine.store.tagged_json import encode_value

        return orjson.dumps(encode_value(value)).decode()
    return to_text(value)
