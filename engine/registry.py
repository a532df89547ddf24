"""The registry of module declarations: built-ins, then installed apps."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from engine.spec import ModuleSpec


class Registry:
    def __init__(self, specs: Iterable[ModuleSpec] = ()) -> None:
        self._by_id: dict[str, ModuleSpec] = {}
        for spec in specs:
            self.register(spec)

    def register(self, spec: ModuleSpec) -> None:
        if spec.id in self._by_id:
            raise ValueError(f"module {spec.id} is declared twice")
        self._by_id[spec.id] = spec

    def get(self, module_id: str) -> ModuleSpec | None:
        return self._by_id.get(module_id)

    def __contains__(self, module_id: str) -> bool:
        return module_id in self._by_id

    def all(self) -> list[ModuleSpec]:
        return list(self._by_id.values())


@cache
def default_registry() -> Registry:
    """Built-in modules, registered explicitly (apps from entry points come later)."""
    from engine.builtins import builtin_tables

    return Registry(spec for table in builtin_tables() for spec in table)
