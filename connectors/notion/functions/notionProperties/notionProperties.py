"""Notion's `notionProperties(fields, schema)`: the `fields` of Make's Notion modules (keyed by
property ID, as exports carry them: `"%40%3Dyo"`, `"title"`, or by name) as the `properties`
of a page, by each property's type in the database or data source `schema` (its
`properties` object).

Values come as Make maps them: text for titles, rich text, selects and statuses; numbers
maybe as text; dates as a collection {start, end, includeTime} or a date; lists of IDs for
relations and people. Empty values are not sent (a page keeps what it had), as Make does.
Computed properties (formulas, rollups, created/edited times and users, unique IDs) cannot
be written and are refused with their name."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import unquote

TEXT_LIMIT = 2000  # characters per rich text object (Notion's request limits)
READ_ONLY = {"formula", "rollup", "created_time", "created_by", "last_edited_time",
             "last_edited_by", "unique_id", "verification", "button"}
SKIP = object()


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def rich_text(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        return value  # rich text objects already
    text = value if isinstance(value, str) else (
        ", ".join(str(v) for v in value) if isinstance(value, list) else str(value))
    return [{"type": "text", "text": {"content": text[i:i + TEXT_LIMIT]}}
            for i in range(0, len(text), TEXT_LIMIT)] or [{"type": "text",
                                                          "text": {"content": ""}}]


def _iso(value: Any, with_time: bool = True) -> str:
    if isinstance(value, datetime):
        return value.isoformat() if with_time else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    return text if with_time else text[:10]


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _ids(value: Any) -> list[str]:
    items = value if isinstance(value, list) else str(value).split(",")
    out = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("id")
        if item not in (None, ""):
            out.append(str(item).strip())
    return out


def _date(value: Any) -> dict[str, Any] | object:
    if isinstance(value, dict):
        if _empty(value.get("start")):
            return SKIP
        with_time = value.get("includeTime") not in (False, "false", None) or (
            "includeTime" not in value)
        out = {"start": _iso(value["start"], with_time)}
        if not _empty(value.get("end")):
            out["end"] = _iso(value["end"], with_time)
        if value.get("timeZone"):
            out["time_zone"] = value["timeZone"]
        return out
    return {"start": _iso(value)}


def value_of(kind: str, value: Any) -> Any:
    if _empty(value):
        return SKIP
    if kind in ("title", "rich_text"):
        return rich_text(value)
    if kind == "number":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        number = float(str(value).strip().replace(",", "."))
        return int(number) if number.is_integer() else number
    if kind in ("select", "status"):
        return value if isinstance(value, dict) else {"name": str(value)}
    if kind == "multi_select":
        names = value if isinstance(value, list) else str(value).split(",")
        return [n if isinstance(n, dict) else {"name": str(n).strip()}
                for n in names if not _empty(n)]
    if kind == "date":
        return _date(value)
    if kind == "checkbox":
        return _flag(value)
    if kind in ("url", "email", "phone_number"):
        return str(value)
    if kind == "people":
        return [{"object": "user", "id": i} for i in _ids(value)]
    if kind == "relation":
        return [{"id": i} for i in _ids(value)]
    if kind == "files":
        files = value if isinstance(value, list) else [value]
        out = []
        for file in files:
            if isinstance(file, dict):
                url = file.get("url") or (file.get("external") or {}).get("url")
                name = file.get("name") or url
            else:
                url = name = str(file)
            if url:
                out.append({"name": str(name)[:100], "type": "external",
                            "external": {"url": url}})
        return out
    return value


def notionProperties(fields: Any, schema: Any) -> dict[str, Any]:
    known: dict[str, tuple[str, dict[str, Any]]] = {}
    for name, prop in (schema or {}).items():
        for key in (name, prop.get("id"), unquote(str(prop.get("id") or ""))):
            if key:
                known.setdefault(key, (name, prop))
    out: dict[str, Any] = {}
    for key, value in (fields or {}).items() if isinstance(fields, dict) else ():
        found = known.get(key) or known.get(unquote(key))
        if found is None:
            raise ValueError(f"the database has no property {key!r}")
        name, prop = found
        kind = prop.get("type", "")
        if kind in READ_ONLY:
            if _empty(value):
                continue
            raise ValueError(f"property {name!r} is a {kind} and cannot be written")
        converted = value_of(kind, value)
        if converted is not SKIP:
            out[name] = {kind: converted}
    return out
