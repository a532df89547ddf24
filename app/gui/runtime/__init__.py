"""The background runtime in the desktop app: the window hosts the workspace's runtime
(`RuntimeHost`), shows its scenarios (`ScenariosPanel`), switches them on and off with a
schedule (`ActivationController`, `ScheduleDialog`), and keeps them running in the tray
(`Tray`) when the window closes.

`attach_background(window)` wires all of it to the main window; `await
window.background.start()` starts the runtime once the window is up.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.gui.runtime.background import Background, attach_background
    from app.gui.runtime.host import RuntimeHost

_WHERE = {"Background": "background", "attach_background": "background",
          "RuntimeHost": "host"}


def __getattr__(name: str) -> Any:
    """Names load on first use (PEP 562): the window imports only what its first frame
    shows; the rest loads when a feature is first used."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = ["Background", "RuntimeHost", "attach_background"]
