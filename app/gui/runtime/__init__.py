"""The background runtime in the desktop app: the window hosts the workspace's runtime
(`RuntimeHost`), shows its scenarios (`ScenariosPanel`), switches them on and off with a
schedule (`ActivationController`, `ScheduleDialog`), and keeps them running in the tray
(`Tray`) when the window closes.

`attach_background(window)` wires all of it to the main window; `await
window.background.start()` starts the runtime once the window is up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.lazy_names import lazy_names

if TYPE_CHECKING:
    from app.gui.runtime.background import Background, attach_background
    from app.gui.runtime.host import RuntimeHost

_WHERE = {"Background": "background", "attach_background": "background",
          "RuntimeHost": "host"}


__getattr__ = lazy_names(__name__, _WHERE)  # the names load on first use (PEP 562)


__all__ = ["Background", "RuntimeHost", "attach_background"]
