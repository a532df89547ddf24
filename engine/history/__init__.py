"""Execution history: every run recorded in the workspace's own `history.db`.

`start_recording(...)` gives a listener to pass to the executor; call its `finish(result)`
after the run. Queries (`list_executions`, `show_execution`, `diff_executions`) and
retention (`prune`) read and trim the same file.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from engine.blueprint import Blueprint
from engine.executor.plan import Plan
from engine.executor.services import RunServices
from engine.history.recorder import HistoryRecorder
from engine.history.writer import HistoryWriter


def start_recording(
    workspace: Path,
    blueprint: Blueprint,
    plan: Plan,
    services: RunServices | None = None,
    *,
    trigger: str = "manual",
    secrets: Iterable[str] = (),
    resumed_from: str | None = None,
) -> HistoryRecorder:
    """A recorder with its own writer (closed by `finish`): for one-shot runs like the CLI's.
    A long-lived runtime shares one `HistoryWriter` and builds recorders on it instead."""
    writer = HistoryWriter(workspace)
    return HistoryRecorder(
        writer, blueprint=blueprint, plan=plan, trigger=trigger, secrets=secrets,
        resumed_from=resumed_from, own_writer=True,
        cycle=(lambda: services.cycle) if services is not None else None,
    )


__all__ = ["HistoryRecorder", "HistoryWriter", "start_recording"]
