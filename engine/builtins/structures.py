"""The workspace's data structures, as modules that take one (`type`) look them up."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.spec import ModuleCall

if TYPE_CHECKING:
    from engine.store.data_structures import DataStructure


def workspace_structure(call: ModuleCall, structure_id: Any) -> DataStructure | None:
    """The structure of that id in the run's workspace; None without an id, a workspace,
    or a structure of that id (the module then goes by what was mapped)."""
    if structure_id in (None, "") or call.run.data_dir is None:
        return None
    from engine.store.data_structures import get_structure
    from engine.store.state_db import state_engine

    return get_structure(state_engine(call.run.data_dir), structure_id)
