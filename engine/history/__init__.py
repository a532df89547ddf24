"""Execution history: every run recorded in the workspace's own `history.db`.

`start_recording(...)` gives a listener to pass to the executor; call its `finish(result)`
after the run. Queries (`list_executions`, `show_execution`, `diff_executions`) and
retention (`prune`) read and trim the same file.

The recorder and writer (SQLAlchemy) load on first use (PEP 562): the window imports the
history's page reader (runs.py) before its first frame and reads history.db just after.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.lazy_names import lazy_names

if TYPE_CHECKING:
    from engine.blueprint import Blueprint
    from engine.context import RunServices
    from engine.executor.plan import Plan
    from engine.history.recorder import HistoryRecorder
    from engine.history.writer import HistoryWriter

_WHERE = {"HistoryRecorder": "recorder", "HistoryWriter": "writer"}


__getattr__ = lazy_names(__name__, _WHERE)  # the names load on first use (PEP 562)


class NotRecording:
    """Stands in for a recorder when history.db cannot be opened: the run goes on."""

    def __call__(self, event: Any) -> None:
        pass

    def finish(self, result: Any = None, *, wait: bool = True, paused_s: float = 0.0) -> None:
        return None


def start_recording(
    workspace: Path,
    blueprint: Blueprint,
    plan: Plan,
    services: RunServices | None = None,
    *,
    trigger: str = "manual",
    secrets: Iterable[str] = (),
    resumed_from: str | None = None,
    kind: str = "run",
    trigger_input: Any = None,
    execution_id: str | None = None,
) -> HistoryRecorder | NotRecording:
    """A recorder with its own writer (closed by `finish`): for one-shot runs like the CLI's.
    A long-lived runtime shares one `HistoryWriter` and builds recorders on it instead.

    History must never stop a run: when history.db can't be opened, the run is told (a
    warning in its report) and goes on unrecorded."""
    from engine.history.recorder import HistoryRecorder
    from engine.history.writer import HistoryWriter

    try:
        writer = HistoryWriter(workspace)
    except Exception as exc:  # any database's error: history must never stop a run
        if services is not None:
            services.warn(f"this run is not recorded in history: {exc}")
        return NotRecording()
    return HistoryRecorder(
        writer, blueprint=blueprint, plan=plan, trigger=trigger, secrets=secrets,
        resumed_from=resumed_from, own_writer=True, kind=kind,
        cycle=(lambda: services.cycle) if services is not None else None,
        effects=services.effects if services is not None else None,
        trigger_input=trigger_input, execution_id=execution_id,
        live_secrets=services.secrets if services is not None else None,
    )


__all__ = ["HistoryRecorder", "HistoryWriter", "NotRecording", "start_recording"]
