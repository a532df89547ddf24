"""Airtable's `airtableRecord(record)`: a record as Make's Airtable modules output it, the
fields beside `id` and `createdTime` (`{{1.id}}`, `{{1.`Full Name`}}`)."""

from __future__ import annotations

from typing import Any


def airtableRecord(record: Any) -> Any:
    if not isinstance(record, dict):
        return record
    out: dict[str, Any] = {"id": record.get("id"), "createdTime": record.get("createdTime")}
    for name, value in (record.get("fields") or {}).items():
        out.setdefault(name, value)
    return out
