"""Execution history in the app: a History dock and an Incomplete executions dock per
scenario tab, and past runs opened as they were (read-only, with their bubbles and bundle
inspector), replayed live or deterministically, and diffed.

`attach_history(editor, workspace, tabs, say)` wires them to one scenario tab.
"""

from __future__ import annotations

from app.gui.history.scenario_history import ScenarioHistory, attach_history

__all__ = ["ScenarioHistory", "attach_history"]
