"""A hook's data structure (Make's `udt`): a workspace data structure the webhook server
validates every request against, strictly when the structure says so, and "Redetermine data
structure", which makes one from the next request the hook receives.

A structure made from a request is Make's field list (engine.store.data_structures): text,
number, boolean, collection (with its fields) and array (with its item's spec), nothing
required, so later requests fail only on a field of another type; the user may then mark
fields required or the structure strict.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.builtins.gateway import request_bundles
from engine.store.data_structures import DataStructure, get_structure, save_structure
from engine.store.state_db import state_engine

__all__ = ["determined_structure_id", "hook_structure", "keep_determined",
           "request_structure", "structure_from_sample"]


def structure_from_sample(sample: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The fields of a sample bundle, in its order."""
    return [{"name": str(name), **_spec_of(value)} for name, value in sample.items()]


def _spec_of(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, (int, float)):
        return {"type": "number"}
    if isinstance(value, str):
        return {"type": "text"}
    if isinstance(value, (bytes, bytearray)):
        return {"type": "buffer"}
    if isinstance(value, Mapping):
        return {"type": "collection", "spec": structure_from_sample(value)}
    if isinstance(value, list):
        if value and all(isinstance(item, Mapping) for item in value):
            merged: dict[str, Any] = {}
            for item in value:  # every key any item has, each typed by its first value
                for key, item_value in item.items():
                    merged.setdefault(key, item_value)
            return {"type": "array", "spec": structure_from_sample(merged)}
        if value and value[0] is not None:
            return {"type": "array", "spec": _spec_of(value[0])}
        return {"type": "array"}
    return {"type": "any"}  # null: nothing to say of its type


def request_structure(body: Any, query: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The structure of a request as a run would see it (query merged with the body's
    first bundle)."""
    bundles = request_bundles({"body": body, "query": dict(query)}) or [dict(query)]
    return structure_from_sample(bundles[0])


def determined_structure_id(token: str) -> str:
    """The id of the structure a hook determined (determining again replaces it)."""
    return f"hook-{token[:12]}"


def keep_determined(workspace: Path, token: str, name: str,
                    fields: list[dict[str, Any]]) -> DataStructure:
    """Store a structure made from a request and attach it to its hook (no longer
    determining): from now on requests are validated against it."""
    from engine.runtime.hook_store import set_hook_options

    engine = state_engine(workspace)
    structure = DataStructure.model_validate({
        "id": determined_structure_id(token), "name": f"{name} (from a request)",
        "spec": fields})
    save_structure(engine, structure)
    set_hook_options(engine, workspace, token, structure=structure.id, determine=None)
    return structure


def hook_structure(workspace: Path, structure_id: Any
                   ) -> tuple[list[dict[str, Any]] | None, bool]:
    """A workspace structure's fields (None: no such structure) and whether it is strict."""
    found = get_structure(state_engine(workspace), structure_id)
    if found is None:
        return None, False
    return [f.model_dump(exclude_none=True) for f in found.spec], found.strict
