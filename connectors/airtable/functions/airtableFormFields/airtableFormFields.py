"""`airtableFormFields(fields)`: a table's fields (from Airtable's base schema) as the Forman
fields of Make's `record` collection: the field ID as name, its name as label, and the nearest
Make type. Computed fields (formulas, lookups, rollups, counts, created/modified times,
autonumbers, buttons) are not writable and left out."""

from __future__ import annotations

from typing import Any

READ_ONLY = {"formula", "rollup", "count", "lookup", "multipleLookupValues", "createdTime",
             "lastModifiedTime", "createdBy", "lastModifiedBy", "autoNumber", "button",
             "externalSyncSource", "aiText"}
TYPES = {"number": "number", "currency": "number", "percent": "number", "rating": "number",
         "duration": "number", "checkbox": "boolean", "date": "date", "dateTime": "date",
         "email": "email", "url": "url", "multilineText": "text", "richText": "text"}


def airtableFormFields(fields: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for field in fields or []:
        kind = field.get("type")
        if kind in READ_ONLY:
            continue
        spec: dict[str, Any] = {"name": field.get("id"), "label": field.get("name")}
        choices = ((field.get("options") or {}).get("choices")) or []
        if kind == "singleSelect":
            spec.update(type="select", mode="edit",
                        options=[{"label": c.get("name"), "value": c.get("name")}
                                 for c in choices])
        elif kind == "multipleSelects":
            spec.update(type="select", multiple=True, mode="edit",
                        options=[{"label": c.get("name"), "value": c.get("name")}
                                 for c in choices])
        elif kind == "multipleRecordLinks":
            spec.update(type="array", spec={"name": "value", "label": "Record ID",
                                            "type": "text"})
        elif kind == "multipleAttachments":
            spec.update(type="array", spec=[
                {"name": "url", "type": "url", "label": "File URL"},
                {"name": "filename", "type": "filename", "label": "File name"}])
        elif kind == "singleCollaborator":
            spec.update(type="collection", spec=[
                {"name": "id", "type": "text", "label": "User ID"},
                {"name": "email", "type": "email", "label": "Email"}])
        else:
            spec["type"] = TYPES.get(kind, "text")
            if kind == "dateTime":
                spec["time"] = True
            if kind in ("multilineText", "richText"):
                spec["multiline"] = True
        out.append(spec)
    return out
