"""The real Make exports of the shared corpus (shared/corpus/blueprints), for the connector
tests: every use of an app's modules with its parameters and mapper, and a blueprint by name."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "blueprints"


def corpus() -> Path:
    """The shared corpus, laid beside the clone (as CI does): the connector tests run on it,
    so its absence is a failure that says where it is looked for, never a skip."""
    assert CORPUS.is_dir(), f"the shared corpus of Make exports is missing: {CORPUS}"
    return CORPUS


def _modules(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if isinstance(value.get("module"), str):
            yield value
        for item in value.values():
            yield from _modules(item)
    elif isinstance(value, list):
        for item in value:
            yield from _modules(item)


def uses(app: str) -> dict[str, list[dict[str, Any]]]:
    """`{module id: [module node, ...]}` for every use of the app's modules in the corpus."""
    out: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(corpus().glob("*.json")):
        for node in _modules(json.loads(path.read_text(encoding="utf-8"))):
            if node["module"].startswith(f"{app}:"):
                out.setdefault(node["module"], []).append(node)
    return out


def blueprint(name_part: str) -> dict[str, Any]:
    """The one corpus export whose file name contains `name_part`."""
    [path] = [p for p in corpus().glob("*.json") if name_part in p.name]
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def field_names(fields: Any) -> set[str]:
    """Every field name a FieldSpec list declares, nested collections included (dotted)."""
    out: set[str] = set()
    for spec in fields or []:
        out.add(spec.name)
        for inner in field_names(spec.spec):
            out.add(f"{spec.name}.{inner}")
    return out


def used_names(values: dict[str, Any], dynamic: set[str]) -> set[str]:
    """The names a module's parameters or mapper use; inside a collection whose keys are the
    service's own (records, properties: `dynamic`) only the collection itself counts."""
    out: set[str] = set()
    for key, value in values.items():
        out.add(key)
        if isinstance(value, dict) and key not in dynamic:
            out.update(f"{key}.{inner}" for inner in used_names(value, set()))
    return out
