"""Pinned outputs: "use this output instead of running the module", so side-effecting
modules are skipped while debugging. Pins are run state: they live in the scenario's side
store (app.gui.debugger.side_store), never in the blueprint; the canvas marks pinned modules
(bubbles.PinMarker) and the executor receives them as `pins=`."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from app.gui.debugger.side_store import SideStore
from engine.values import to_json_value

_KEY = "pins"


class PinStore(QObject):
    changed = Signal(object)  # set[int]: the modules pinned or unpinned

    def __init__(self, side: SideStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.side = side
        stored = side.get(_KEY) or {}
        self._pins: dict[int, list[dict[str, Any]]] = {
            int(k): list(v) for k, v in stored.items()
            if str(k).isdigit() and isinstance(v, list)
        }

    def pins(self) -> dict[int, list[dict[str, Any]]]:
        return dict(self._pins)

    def is_pinned(self, module_id: int) -> bool:
        return module_id in self._pins

    def pin(self, module_id: int, bundles: list[dict[str, Any]]) -> None:
        self._pins[module_id] = to_json_value(list(bundles))
        self._save({module_id})

    def unpin(self, module_id: int) -> None:
        if self._pins.pop(module_id, None) is not None:
            self._save({module_id})

    def forget_missing(self, module_ids: set[int]) -> None:
        """Drop pins of modules that were deleted from the scenario."""
        gone = set(self._pins) - module_ids
        for module_id in gone:
            del self._pins[module_id]
        if gone:
            self._save(gone)

    def _save(self, touched: set[int]) -> None:
        self.side.put(_KEY, {str(k): v for k, v in self._pins.items()} or None)
        self.changed.emit(touched)
