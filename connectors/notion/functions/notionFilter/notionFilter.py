"""Notion's `notionFilter(filter)`: Make's filter field (OR groups of AND conditions
`{a: "Name |&*^%$#@| title", o: "text:equals", b: "x"}`, the property's name and type joined
by Make's separator) as a database query's `filter`."""

from __future__ import annotations

from typing import Any

SEPARATOR = "|&*^%$#@|"
FORMULA_TYPES = {"text": "string", "number": "number", "checkbox": "checkbox", "date": "date"}


def _value(category: str, operation: str, value: Any) -> Any:
    if operation in ("is_empty", "is_not_empty"):
        return True
    if category == "number":
        return float(value) if value not in (None, "") else None
    if category == "checkbox":
        return value in (True, "true", "1", 1)
    return "" if value is None else value


def _condition(condition: dict[str, Any]) -> dict[str, Any] | None:
    subject = str(condition.get("a") or "")
    operator = str(condition.get("o") or "")
    if SEPARATOR not in subject or ":" not in operator:
        return None
    name, kind = (part.strip() for part in subject.split(SEPARATOR, 1))
    category, operation = operator.split(":", 1)
    if category == "formula":
        inner_type, _, operation = operation.partition("-")
        return {"property": name, "formula": {FORMULA_TYPES.get(inner_type, inner_type): {
            operation: _value(inner_type, operation, condition.get("b"))}}}
    return {"property": name, kind: {operation: _value(category, operation,
                                                      condition.get("b"))}}


def notionFilter(filter_: Any) -> dict[str, Any] | None:
    groups = []
    for group in filter_ or []:
        conditions = [c for c in (_condition(x) for x in group or [] if isinstance(x, dict))
                      if c is not None]
        if conditions:
            groups.append(conditions[0] if len(conditions) == 1 else {"and": conditions})
    if not groups:
        return None
    return groups[0] if len(groups) == 1 else {"or": groups}
