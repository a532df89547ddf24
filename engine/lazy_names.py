"""Names a package loads on first use (PEP 562): `__getattr__ = lazy_names(__name__, WHERE)`,
where WHERE maps each name to the submodule that defines it. A command, or the window's first
frame, then imports only the submodules it touches."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def lazy_names(package: str, where: dict[str, str]) -> Callable[[str], Any]:
    """The package's module-level `__getattr__`: imports the name's submodule, keeps the
    value in the package (found directly from then on) and returns it."""
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str) -> Any:  # noqa: N807 (the module hook's own name)
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    return __getattr__
