"""Airtable's `airtableFields(record)`: a record collection as Make maps it (keys are field
IDs or names) as Airtable's API takes it. Empty values are left out, as Make sends no empty
field (an update leaves that field as it is); empty items leave arrays (linked records,
multiple selects, attachments), so a mapped `[""]` clears the field with `[]`."""

from __future__ import annotations

from typing import Any


def airtableFields(record: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in (record or {}).items() if isinstance(record, dict) else ():
        if value is None or value == "":
            continue
        if isinstance(value, list):
            value = [item for item in value if item is not None and item != ""]
        out[key] = value
    return out
