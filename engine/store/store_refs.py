"""The data stores a blueprint names (`parameters.datastore` of its modules), and pointing
them at other stores: an imported Make export's store ids mean nothing locally until the
user picks a local store for each (or creates one under the Make id)."""

from __future__ import annotations

from typing import Any

from engine.blueprint_check import iter_modules


def store_references(blueprint: dict[str, Any]) -> dict[str, list[int]]:
    """Store id -> the ids of the modules naming it, in flow order."""
    found: dict[str, list[int]] = {}
    for _, node in iter_modules(blueprint.get("flow")):
        parameters = node.get("parameters")
        if not isinstance(parameters, dict) or parameters.get("datastore") in (None, ""):
            continue
        found.setdefault(str(parameters["datastore"]), []).append(node.get("id") or 0)
    return found


def remap_stores(blueprint: dict[str, Any], mapping: dict[str, str]) -> int:
    """Point modules at other stores (old id -> new id), in place; how many changed.
    Ids stay numbers when they are numbers, as Make writes them."""
    changed = 0
    for _, node in iter_modules(blueprint.get("flow")):
        parameters = node.get("parameters")
        if not isinstance(parameters, dict):
            continue
        new = mapping.get(str(parameters.get("datastore")))
        if new is not None:
            parameters["datastore"] = int(new) if new.isdigit() else new
            changed += 1
    return changed
