"""The desktop debugger: Run once, operation bubbles, the bundle inspector, breakpoints,
stepping, pinned outputs. It only subscribes to the engine's events and drives its gate; run
state never enters the document model or its undo stack.

`attach_debugger(editor, workspace)` wires everything to one scenario tab.
"""

from __future__ import annotations

from app.gui.debugger.session import DebugSession, attach_debugger

__all__ = ["DebugSession", "attach_debugger"]
