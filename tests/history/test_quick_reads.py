"""The window's first frame reads the databases with sqlite3 alone (engine.store.peek,
engine.history.runs.quick_page), before SQLAlchemy loads: what it reads must be what the
usual reads give, and where the file cannot say, it must say so (None) rather than guess."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from engine.history.runs import HistoryReader, RunFilter, count_runs, fetch_page, quick_page
from engine.runtime import Workspace, activate_file, save_setting
from engine.store import peek
from tests.history.helpers import cli, write_json


def poller(items: str, name: str = "Poller") -> dict[str, object]:
    return {"name": name, "flow": [
        {"id": 1, "module": "builtin:BasicFeeder", "mapper": {"array": items}},
        {"id": 2, "module": "util:ComposeTransformer", "mapper": {"value": "{{1.value}}"}},
    ]}


def test_the_quick_reads_agree_with_the_usual_ones(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = tmp_path / "ws"
    empty = write_json(tmp_path / "empty.json", poller("{{emptyarray}}"))  # a check run
    found = write_json(tmp_path / "found.json", poller("{{split(\"a,b\"; \",\")}}"))
    for blueprint in (found, empty, found):
        assert cli(capsys, "run", str(blueprint), "--data-dir", str(ws))[0] == 0

    reader = HistoryReader(ws)
    engine = reader.engine()
    assert engine is not None
    for limit in (1, 2, 200):
        usual = fetch_page(engine, RunFilter("Poller"), 0, limit)
        quick = quick_page(ws, RunFilter("Poller"), limit)
        assert quick == (usual, count_runs(engine, RunFilter("Poller")))
    assert len(usual) == 2 and not any(row.check_run for row in usual)
    reader.close()
    assert peek.latest_runs(ws, ["Poller", "Never ran"]) == {
        "Poller": (usual[0].status, usual[0].started_at)}

    # Only the list's first filter is read quickly.
    assert quick_page(ws, RunFilter("Poller", status="success"), 200) is None
    assert quick_page(ws, RunFilter("Poller", check_runs=True), 200) is None


def test_settings_and_registered_scenarios(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    assert peek.stored_setting(ws, "theme") == (False, None)  # no state.db: nothing stored
    assert peek.any_scenario_registered(ws) is False
    assert peek.active_files(ws) == {}
    assert peek.pending_incomplete(ws, "Greeter") == 0
    assert peek.newest_runs(ws, "Greeter", 10) == ([], 0)

    workspace = Workspace(ws)
    save_setting(workspace.state, "theme", "dark")
    assert peek.stored_setting(ws, "theme") == (True, "dark")
    assert peek.stored_setting(ws, "port") == (False, None)
    assert peek.any_scenario_registered(ws) is False
    blueprint = write_json(tmp_path / "greeter.blueprint.json", poller("{{emptyarray}}",
                                                                       name="Greeter"))
    activate_file(workspace, blueprint)
    assert peek.any_scenario_registered(ws) is True
    assert peek.active_files(ws) == {blueprint.resolve(): True}


def test_a_database_that_cannot_say_says_none(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    for name in ("state.db", "history.db"):
        sqlite3.connect(ws / name).close()  # files without our tables
    assert peek.stored_setting(ws, "theme") is None
    assert peek.any_scenario_registered(ws) is None
    assert peek.active_files(ws) is None
    assert peek.latest_runs(ws, ["Greeter"]) is None
    assert peek.newest_runs(ws, "Greeter", 10) is None
    assert peek.pending_incomplete(ws, "Greeter") is None
    assert quick_page(ws, RunFilter("Greeter"), 10) is None
