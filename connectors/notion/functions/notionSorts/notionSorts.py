"""Notion's `notionSorts(sorts)`: the Sorts of Make's Search Objects (a property or a
timestamp, ascending or descending) as a database query's `sorts`."""

from __future__ import annotations

from typing import Any


def notionSorts(sorts: Any) -> list[dict[str, Any]] | None:
    out = []
    for sort in sorts or []:
        if not isinstance(sort, dict):
            continue
        direction = str(sort.get("direction") or "ascending").lower()
        direction = "descending" if direction.startswith("desc") else "ascending"
        if sort.get("timestamp"):
            out.append({"timestamp": sort["timestamp"], "direction": direction})
        elif sort.get("property"):
            out.append({"property": sort["property"], "direction": direction})
    return out or None
