"""Pages of a data store sorted by one of its fields, read on the field's index.

The order is the field's value, then the record's age (rowid): what the index on
`(store_id, json_extract(data, field))` holds, so finding where a page starts walks that
index alone (from the nearer end), and the page itself is at most three index seeks:
the rest of the anchor's value, the values after it, and (descending) the records without
the field, which SQLite sorts first.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

_ROW = "SELECT key, data, updated_at FROM data_store_record WHERE store_id = :sid AND "


def field_page(conn: Connection, store_id: str, expression: str, offset: int, limit: int,
               *, descending: bool, total: int) -> list[tuple[str, str, Any]]:
    """(key, stored JSON, updated_at) of the records `offset` .. `offset + limit`."""
    anchor = _anchor(conn, store_id, expression, offset, descending, total)
    if anchor is None:
        return []
    value, rowid = anchor
    if descending:
        parts = [(f"{expression} IS NULL AND rowid <= :r", "rowid DESC")] if value is None else [
            (f"{expression} = :v AND rowid <= :r", "rowid DESC"),
            (f"{expression} < :v", f"{expression} DESC, rowid DESC"),
            (f"{expression} IS NULL", "rowid DESC")]
    else:
        parts = [(f"{expression} IS NULL AND rowid >= :r", "rowid"),
                 (f"{expression} IS NOT NULL", f"{expression}, rowid")] if value is None else [
            (f"{expression} = :v AND rowid >= :r", "rowid"),
            (f"{expression} > :v", f"{expression}, rowid")]
    rows: list[tuple[str, str, Any]] = []
    params = {"sid": store_id, "v": value, "r": rowid}
    for where, order in parts:
        if len(rows) >= limit:
            break
        found = conn.execute(text(f"{_ROW}{where} ORDER BY {order} LIMIT {limit - len(rows)}"),
                             params).all()
        rows.extend((key, data, updated) for key, data, updated in found)
    return rows


def _anchor(conn: Connection, store_id: str, expression: str, offset: int, descending: bool,
            total: int) -> tuple[Any, int] | None:
    """(field value, rowid) of the record at `offset`, walking the index from the nearer
    end."""
    if not 0 <= offset < total:
        return None
    if offset > total // 2:
        offset, descending = total - 1 - offset, not descending
    way = " DESC" if descending else ""
    row = conn.execute(text(
        f"SELECT {expression}, rowid FROM data_store_record WHERE store_id = :sid "
        f"ORDER BY {expression}{way}, rowid{way} LIMIT 1 OFFSET {int(offset)}"),
        {"sid": store_id}).first()
    return (row[0], int(row[1])) if row is not None else None
