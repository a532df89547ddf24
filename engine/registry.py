"""The registry of module declarations: built-ins, then installed apps."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from engine.spec import ModuleSpec

if TYPE_CHECKING:
    from engine.apps.declaration import Problem
    from engine.apps.loader import LoadedApps

# Make writes a private custom app's modules as `app#<app id>:<module>`.
_PRIVATE_APP_PREFIX = "app#"


class Registry:
    def __init__(self, specs: Iterable[ModuleSpec] = ()) -> None:
        self._by_id: dict[str, ModuleSpec] = {}
        self._aliases: dict[str, str] = {}
        for spec in specs:
            self.register(spec)

    def register(self, spec: ModuleSpec) -> None:
        if spec.id in self._by_id:
            raise ValueError(f"module {spec.id} is declared twice")
        self._by_id[spec.id] = spec
        for alias in spec.aliases:
            self.alias(alias, spec.id)

    def alias(self, alias: str, module_id: str) -> None:
        """Another id for a registered module (an app's other origins)."""
        if alias not in self._by_id:
            self._aliases[alias] = module_id

    def get(self, module_id: str) -> ModuleSpec | None:
        found = self._by_id.get(module_id)
        if found is None:
            module_id = module_id.removeprefix(_PRIVATE_APP_PREFIX)
            found = self._by_id.get(self._aliases.get(module_id, module_id))
        return found

    def __contains__(self, module_id: str) -> bool:
        return self.get(module_id) is not None

    def all(self) -> list[ModuleSpec]:
        return list(self._by_id.values())


@cache
def default_registry() -> Registry:
    """Built-in modules, registered explicitly (apps: `registry_with_apps`)."""
    from engine.builtins import builtin_tables

    return Registry(spec for table in builtin_tables() for spec in table)


def registry_with_apps(workspace: Path | None = None, *, loaded: LoadedApps | None = None
                       ) -> tuple[Registry, list[Problem]]:
    """Built-ins plus every app found (shipped, the workspace's apps/, entry points; or the
    apps `loaded` already), and the problems of the apps that did not load whole."""
    from engine.apps import discover_apps, register_apps

    registry = Registry(default_registry().all())
    if loaded is None:
        loaded = discover_apps(workspace)
    return registry, [*loaded.problems, *register_apps(registry, loaded)]
