"""A cluster run in the submitter's history: recorded from its start ("running" while the
cluster runs it) to its end (its report: status, operations, errors), with its outcome
counted for Make's consecutive errors. The workers store its incomplete executions and hold
its secrets, so nothing here guards, binds connections or stores incomplete executions."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from engine.blueprint import Blueprint
from engine.executor.events import RunStarted
from engine.runtime.policy import RunPolicy
from engine.runtime.start import RunHandle, start_run
from engine.runtime.workspace import Workspace

if TYPE_CHECKING:
    from engine.executor.plan import Plan
    from engine.history.writer import HistoryWriter
    from engine.incomplete.policy import OutcomeCounter


def cluster_policy(policy: RunPolicy) -> RunPolicy:
    return dataclasses.replace(policy, guard=False, bind_connections=False,
                               store_incomplete=False, record_effects=False)


def start_recording(workspace: Workspace, blueprint: Blueprint, policy: RunPolicy, *,
                    scenario: str, request: Any, execution_id: str, plan: Plan | None = None,
                    history_writer: HistoryWriter | None = None,
                    outcomes: OutcomeCounter | None = None) -> RunHandle:
    """The run recorded as started; `finish(result)` on the handle records its end."""
    handle = start_run(workspace, blueprint, cluster_policy(policy), plan=plan,
                       scenario=scenario, request=request, execution_id=execution_id,
                       history_writer=history_writer, outcomes=outcomes)
    started = RunStarted(execution_id, scenario)
    for listener in handle.executor.listeners:
        listener(started)
    return handle
