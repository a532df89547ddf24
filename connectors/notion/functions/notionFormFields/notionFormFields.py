"""`notionFormFields(schema)`: a database's or data source's properties as the Forman fields
of Make's `fields` collection (name: the property ID, label: its name, `metadata.type`: its
Notion type), computed properties left out."""

from __future__ import annotations

from typing import Any

READ_ONLY = {"formula", "rollup", "created_time", "created_by", "last_edited_time",
             "last_edited_by", "unique_id", "verification", "button"}
TYPES = {"number": "number", "checkbox": "boolean", "email": "email", "url": "url",
         "select": "select", "status": "select", "multi_select": "select"}


def notionFormFields(schema: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name, prop in (schema or {}).items():
        kind = prop.get("type")
        if kind in READ_ONLY:
            continue
        field: dict[str, Any] = {"name": prop.get("id"), "label": name,
                                 "type": TYPES.get(kind, "text"), "metadata": {"type": kind}}
        if kind == "title":
            field["required"] = True
        options = (prop.get(kind) or {}).get("options") if isinstance(prop.get(kind),
                                                                       dict) else None
        if options:
            field["options"] = [{"label": o.get("name"), "value": o.get("name")}
                                for o in options]
        if kind == "multi_select":
            field["multiple"] = True
        if kind == "date":
            field.update(type="collection", spec=[
                {"name": "start", "type": "date", "label": "Start Time"},
                {"name": "end", "type": "date", "label": "End Time"},
                {"name": "includeTime", "type": "boolean", "label": "Include Time"}])
        if kind in ("relation", "people", "files"):
            field.update(type="array", spec={"name": "value", "type": "text",
                                             "label": "ID" if kind != "files" else "URL"})
        out.append(field)
    return out
