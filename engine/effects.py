"""A run's external effects — the clock, randomness, HTTP responses, data store reads — in
the order they happened, per kind. Recorded on a live run; fed back on a deterministic
replay, which then reproduces the run exactly and touches nothing outside."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from engine.errors import ModuleError

T = TypeVar("T")

# The debugger's pinned outputs of a run, kept with its effects so a deterministic replay
# skips the same modules: {"<module id>": [bundles]}.
PINS_EFFECT = "pins"


class ReplayMismatch(ModuleError):
    """The replayed run asked for an effect the original run did not have."""

    def __init__(self, kind: str, index: int) -> None:
        super().__init__(
            f"replay diverged: the original run had no {kind} effect #{index + 1}",
            name="ReplayMismatchError",
        )


class EffectLog:
    def __init__(self, recorded: dict[str, list[Any]] | None = None) -> None:
        self.replaying = recorded is not None
        self.entries: dict[str, list[Any]] = recorded if recorded is not None else {}
        self._cursor: dict[str, int] = {}

    def take(self, kind: str, produce: Callable[[], T]) -> T:
        """The effect's value: produced and recorded live, or the recorded one on replay."""
        if self.replaying:
            return self._next(kind)  # type: ignore[no-any-return]
        value = produce()
        self.entries.setdefault(kind, []).append(value)
        return value

    async def take_async(self, kind: str, produce: Callable[[], Awaitable[T]]) -> T:
        if self.replaying:
            return self._next(kind)  # type: ignore[no-any-return]
        value = await produce()
        self.entries.setdefault(kind, []).append(value)
        return value

    def record(self, kind: str, value: Any) -> None:
        """Record an effect produced elsewhere (no-op on replay)."""
        if not self.replaying:
            self.entries.setdefault(kind, []).append(value)

    def pins(self) -> dict[int, list[dict[str, Any]]] | None:
        """The pinned outputs the recorded run used, if any."""
        recorded = self.entries.get(PINS_EFFECT)
        if not recorded:
            return None
        return {int(k): v for k, v in recorded[0].items()}

    def _next(self, kind: str) -> Any:
        index = self._cursor.get(kind, 0)
        values = self.entries.get(kind, [])
        if index >= len(values):
            raise ReplayMismatch(kind, index)
        self._cursor[kind] = index + 1
        return values[index]
