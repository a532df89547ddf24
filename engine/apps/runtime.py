"""What app modules find in the run: their connection, and polling triggers' state.

Connections: until the keyring-backed store arrives, a caller binds connection values to a
run with `bind_connections(run, {...})`, keyed by the module's connection reference (the
`__IMTCONN__` parameter), the app id, or the connection component's name. A value is a
plain dict of connection data or any object with `data` and `base_url_override` (the store's
connection objects plug in unchanged).

Trigger state: the last id/date a polling trigger emitted, per scenario and module, in the
workspace's state.db (engine.store.trigger_cursors) when the run has a data dir, else in
memory for the process. A cursor an earlier version kept in `<data_dir>/app-triggers.json`
is still read until the trigger writes its next one.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from engine.context import RunServices

CONNECTIONS_RESOURCE = "apps.connections"
TRIGGER_STATE_RESOURCE = "apps.trigger_state"
TRIGGER_STATE_FILE = "app-triggers.json"


class AppConnection(Protocol):
    @property
    def data(self) -> Mapping[str, Any]: ...

    @property
    def base_url_override(self) -> str | None: ...


@dataclass
class ConnectionData:
    """A connection's values (its parameters plus what its check stored in `data`)."""

    data: dict[str, Any] = field(default_factory=dict)
    base_url_override: str | None = None


def _as_connection(value: Any) -> AppConnection | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        return ConnectionData(dict(value))
    if hasattr(value, "data"):
        conn: AppConnection = value
        return conn
    return None


def bind_connections(run: RunServices, connections: Mapping[str, Any]) -> None:
    """Make connections available to the run's app modules (see the module docstring)."""
    table: dict[str, Any] = run.resource(CONNECTIONS_RESOURCE, dict)
    table.update(connections)


def find_connection(run: RunServices, *keys: Any) -> AppConnection | None:
    table: dict[str, Any] = run.resource(CONNECTIONS_RESOURCE, dict)
    for key in keys:
        if key is None or key == "":
            continue
        found = _as_connection(table.get(str(key)))
        if found is not None:
            return found
    return None


class TriggerState(Protocol):
    def get(self, key: str) -> dict[str, Any] | None: ...

    def set(self, key: str, value: dict[str, Any]) -> None: ...


_PROCESS_STATE: dict[str, dict[str, Any]] = {}


class MemoryTriggerState:
    def __init__(self, table: dict[str, dict[str, Any]] | None = None) -> None:
        self.table = _PROCESS_STATE if table is None else table

    def get(self, key: str) -> dict[str, Any] | None:
        return self.table.get(key)

    def set(self, key: str, value: dict[str, Any]) -> None:
        self.table[key] = dict(value)


class FileTriggerState:
    """One small JSON file, replaced atomically on every change."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return loaded if isinstance(loaded, dict) else {}

    def get(self, key: str) -> dict[str, Any] | None:
        return self._load().get(key)

    def set(self, key: str, value: dict[str, Any]) -> None:
        table = self._load()
        table[key] = value
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".app-triggers.")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(table, handle, default=str)
        os.replace(tmp, self.path)


class StoredTriggerState:
    """Cursors in state.db, keyed `scenario/module id` as `trigger_key` makes them."""

    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace
        self.legacy = FileTriggerState(workspace / TRIGGER_STATE_FILE)

    def get(self, key: str) -> dict[str, Any] | None:
        from engine.store.trigger_cursors import read_cursor

        scenario, module_id = _split(key)
        found = read_cursor(self.workspace, scenario, module_id)
        if found is None and self.legacy.path.exists():
            return self.legacy.get(key)
        return found

    def set(self, key: str, value: dict[str, Any]) -> None:
        from engine.store.trigger_cursors import write_cursor

        scenario, module_id = _split(key)
        write_cursor(self.workspace, scenario, module_id, value)


def _split(key: str) -> tuple[str, int]:
    scenario, _, module_id = key.rpartition("/")
    return scenario, int(module_id)


def trigger_state(run: RunServices) -> TriggerState:
    def make() -> TriggerState:
        if run.data_dir is not None:
            return StoredTriggerState(Path(run.data_dir))
        return MemoryTriggerState()

    state: TriggerState = run.resource(TRIGGER_STATE_RESOURCE, make)
    return state


def trigger_key(run: RunServices, module_id: int) -> str:
    return f"{run.scenario_name or 'scenario'}/{module_id}"
