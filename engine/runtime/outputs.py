"""What a workspace tells about a scenario's module outputs before any run: its data
structures and the options of the scenario's webhook (engine.spec.OutputContext).

Lookups are lazy and read state.db only when it exists (reading never creates it).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.spec import OutputContext

__all__ = ["workspace_output_context"]


def workspace_output_context(folder: Path | None, scenario: str) -> OutputContext:
    """An OutputContext whose structures and webhook options are the workspace's."""
    if folder is None:
        return OutputContext()
    from engine.store.state_db import state_exists

    def has_state() -> bool:
        return state_exists(folder)

    def structure(structure_id: Any) -> list[dict[str, Any]] | None:
        if structure_id in (None, "") or not has_state():
            return None
        from engine.store.data_structures import get_structure
        from engine.store.state_db import state_engine

        found = get_structure(state_engine(folder), structure_id)
        return [f.model_dump(exclude_none=True) for f in found.spec] if found else None

    def store_structure(store_id: Any) -> list[dict[str, Any]] | None:
        if store_id in (None, "") or not has_state():
            return None
        from engine.store.state_db import state_engine
        from engine.store.store_admin import StoreError, store_info

        try:
            info = store_info(state_engine(folder), store_id)
        except StoreError:
            return None
        return structure(info.structure_id)

    def hook() -> Mapping[str, Any]:
        if not has_state():
            return {}
        from engine.runtime.hook_store import hooks
        from engine.store.state_db import state_engine

        found = hooks(state_engine(folder), scenario=scenario)
        return found[0].options if found else {}

    return OutputContext(structure=structure, store_structure=store_structure, hook=hook)
