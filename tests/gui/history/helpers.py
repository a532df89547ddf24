"""Shared steps of the history tests."""

from __future__ import annotations

from typing import Any

from app.gui.debugger import DebugSession
from app.gui.history import ScenarioHistory
from app.gui.history.past_run import PastRunView


def history_of(session: DebugSession) -> ScenarioHistory:
    history: ScenarioHistory = session.editor.history
    return history


async def run_once(session: DebugSession, request: dict[str, Any]) -> str:
    """Run once from the app; returns the run's history id."""
    session.run_once(request)
    result = await session.wait()
    assert result is not None
    execution_id = session.controller.execution_id
    assert execution_id is not None
    return execution_id


def past_bubbles(view: PastRunView) -> dict[int, str]:
    return {i: b.text for i, b in view.overlay.bubbles.items() if b.isVisible()}
