"""Reading a blueprint file: JSON text -> structural checks -> `Blueprint`.

Every failure is a `BlueprintError` naming the file, and for bad JSON the line and column.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from engine.blueprint import Blueprint
from engine.blueprint_check import validate
from engine.errors import BlueprintError


def load_blueprint(path: str | Path) -> Blueprint:
    """Load, check and model a blueprint file."""
    file = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise BlueprintError("file not found", file=file) from None
    except IsADirectoryError:
        raise BlueprintError("is a folder, not a blueprint file", file=file) from None
    except OSError as error:
        raise BlueprintError(f"cannot read the file: {error.strerror}", file=file) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BlueprintError(f"not UTF-8 text (byte {error.start})", file=file) from None
    return load_blueprint_text(text, file=file)


def parse_json(text: str, file: str | None = None) -> Any:
    """JSON text -> data; syntax errors say where (line and column, 1-based)."""
    if not text.strip():
        raise BlueprintError("the file is empty, expected a blueprint JSON object", file=file)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise BlueprintError(
            f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}",
            file=file,
        ) from None
    except RecursionError:
        raise BlueprintError("not valid JSON: nested too deeply", file=file) from None


def load_blueprint_text(text: str, file: str | None = None) -> Blueprint:
    return blueprint_from_data(parse_json(text, file), file=file)


def blueprint_from_data(data: Any, file: str | None = None) -> Blueprint:
    """Check raw blueprint data, then build the model."""
    validate(data, file)
    try:
        return Blueprint.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        loc = first.get("loc", ())
        raise BlueprintError(
            first.get("msg", "invalid value"),
            file=file,
            module_id=_module_at(data, loc),
            path=_json_path(loc),
        ) from None


def _json_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _module_at(data: Any, loc: tuple[Any, ...]) -> int | None:
    """The id of the innermost module on the way to `loc`."""
    module_id = None
    node = data
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and "module" in node and isinstance(node.get("id"), int):
            module_id = node["id"]
    return module_id
