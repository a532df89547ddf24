"""The background runtime in the desktop app: the window hosts the workspace's runtime
(`RuntimeHost`), shows its scenarios (`ScenariosPanel`), switches them on and off with a
schedule (`ActivationController`, `ScheduleDialog`), and keeps them running in the tray
(`Tray`) when the window closes.

`attach_background(window)` wires all of it to the main window; `await
window.background.start()` starts the runtime once the window is up.
"""

from __future__ import annotations

from app.gui.runtime.background import Background, attach_background
from app.gui.runtime.host import RuntimeHost

__all__ = ["Background", "RuntimeHost", "attach_background"]
