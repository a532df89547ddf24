"""engine.runtime.start_run: one entry point for every kind of run; RunPolicy names them."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.blueprint import Blueprint
from engine.history.queries import list_executions
from engine.runtime import RunKind, RunPolicy, Workspace, start_run
from engine.store.incomplete import list_incomplete

SET = {"name": "Set", "flow": [
    {"id": 1, "module": "util:SetVariable2", "mapper": {"name": "x", "value": "1"}}]}
# No handler, incomplete executions allowed: a failing module stores the run's state.
FAILS = {"name": "Fails", "metadata": {"scenario": {"dlq": True}}, "flow": [
    {"id": 1, "module": "util:SetVariable2", "mapper": {"name": "x", "value": "1"}},
    {"id": 2, "module": "json:ParseJSON", "mapper": {"json": "{not json"}}]}


def _history(workspace: Workspace) -> list[dict]:
    engine = workspace.history
    assert engine is not None
    try:
        return list_executions(engine, workspace.folder)
    finally:
        workspace.close()


@pytest.mark.parametrize(("policy", "history", "trigger", "kind", "stores", "counts"), [
    (RunPolicy.manual(), True, "manual", "run", True, True),
    (RunPolicy.manual(webhook=True, breaking=True), True, "webhook", "run", False, False),
    (RunPolicy.debug(), True, "manual", "run", True, True),
    (RunPolicy.retry(trigger="schedule"), True, "schedule", "retry", False, False),
    (RunPolicy.live_replay(), True, "manual", "replay", True, False),
    (RunPolicy.scheduled_run(), True, "schedule", "run", True, True),
    (RunPolicy.webhook(history=False), False, "webhook", "run", True, True),
])
def test_named_policies_decide_what_goes_around_the_run(policy, history, trigger, kind,
                                                        stores, counts):
    assert (policy.history, policy.trigger, policy.history_kind) == (history, trigger, kind)
    assert (policy.store_incomplete, policy.count_outcome) == (stores, counts)


def test_a_deterministic_replay_guards_and_stores_nothing_and_needs_its_effects(tmp_path):
    policy = RunPolicy.deterministic_replay()
    assert policy.kind is RunKind.DETERMINISTIC_REPLAY
    assert policy.deterministic and not (policy.guard or policy.store_incomplete)
    with pytest.raises(ValueError, match="recorded effects"):
        start_run(tmp_path, Blueprint.model_validate(SET), policy)


def test_an_untracked_debug_run_needs_no_workspace():
    policy = RunPolicy.debug(recorded=False)
    assert not policy.tracked
    handle = start_run(None, Blueprint.model_validate(SET), policy)
    assert handle.services.data_dir is None and handle.services.effects is None
    with pytest.raises(ValueError, match="needs a workspace"):
        start_run(None, Blueprint.model_validate(SET), RunPolicy.manual())


async def test_a_manual_run_is_recorded_with_its_effects_and_guarded(tmp_path: Path):
    seen = []
    workspace = Workspace(tmp_path)
    handle = start_run(workspace, Blueprint.model_validate(SET), RunPolicy.manual(),
                       listeners=[seen.append])
    assert handle.executor is not None and handle.services.effects is not None
    guard = tmp_path / "running" / f"{handle.services.execution_id}.json"
    assert guard.exists()  # the executor exists before the run: the window pauses it
    result = await handle.run()
    handle.finish(result)
    assert result.status == "success" and seen
    assert not guard.exists()
    [entry] = _history(workspace)
    assert entry["id"] == handle.execution_id and entry["trigger"] == "manual"


async def test_incomplete_executions_are_stored_unless_the_user_stopped_the_run(tmp_path):
    workspace = Workspace(tmp_path)
    for stopped in (True, False):
        handle = start_run(workspace, Blueprint.model_validate(FAILS), RunPolicy.debug())
        result = await handle.run()
        handle.finish(result, stopped=stopped)
        assert result.incomplete
        assert bool(handle.incomplete_ids) is not stopped
    assert len(list_incomplete(workspace.state, scenario="Fails")) == 1
