"""`sequential` blocks new runs while incomplete executions wait; `maxErrors` counts
consecutive failed runs and deactivates a scheduled scenario."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.incomplete.policy import reactivate, record_outcome
from engine.store.incomplete import scenario_health
from engine.store.state_db import state_engine
from tests.incomplete.helpers import (
    cli,
    cli_json,
    error_directives_blueprint,
    items_request,
    price_stub,
    without_handler,
    write_json,
)


def test_sequential_scenario_refuses_new_runs_while_incomplete_executions_wait(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = str(tmp_path / "ws")
    with price_stub(dropping={"p2"}) as stub:
        bp = write_json(tmp_path / "bp.json",
                        error_directives_blueprint(stub.url, sequential=True))
        request = write_json(tmp_path / "req.json", items_request("break"))
        run = ("run", str(bp), "--input", str(request), "--report", "json", "--data-dir", ws)
        assert cli_json(capsys, *run)["incomplete_executions"] == 1
        requests_before = len(stub.requests)

        code, out, err = cli(capsys, *run)
        assert code == 1 and out == ""
        assert "sequentially" in err and "1 incomplete execution waiting" in err
        assert len(stub.requests) == requests_before  # the refused run did nothing

        stub.dropping.clear()
        [waiting] = cli_json(capsys, "incomplete", "list", "--json", "--data-dir", ws)
        cli_json(capsys, "incomplete", "retry", waiting["id"], "--report", "json",
                 "--data-dir", ws)
        assert cli_json(capsys, *run)["status"] == "success"


def test_a_scenario_without_sequential_runs_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = str(tmp_path / "ws")
    with price_stub(dropping={"p2"}) as stub:
        bp = write_json(tmp_path / "bp.json", error_directives_blueprint(stub.url))
        request = write_json(tmp_path / "req.json", items_request("break"))
        run = ("run", str(bp), "--input", str(request), "--report", "json", "--data-dir", ws)
        cli_json(capsys, *run)
        assert cli_json(capsys, *run)["incomplete_executions"] == 1
    assert len(cli_json(capsys, "incomplete", "list", "--json", "--data-dir", ws)) == 2


def test_consecutive_failed_runs_are_counted_and_a_success_resets_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = tmp_path / "ws"
    with price_stub(dropping={"p2"}) as stub:
        # No handler and no incomplete executions allowed: the run fails.
        blueprint = without_handler(error_directives_blueprint(stub.url, dlq=False), 10)
        bp = write_json(tmp_path / "bp.json", blueprint)
        request = write_json(tmp_path / "req.json", items_request("break", ("p2",)))
        run = ("run", str(bp), "--input", str(request), "--report", "json",
               "--data-dir", str(ws))
        for _ in range(4):
            assert cli_json(capsys, *run, code=1)["status"] == "error"
        health = scenario_health(state_engine(ws), blueprint["name"])
        assert health.consecutive_errors == 4
        assert health.last_error is not None and health.last_error["name"] == "ConnectionError"
        assert not health.deactivated  # manual runs never deactivate a scenario
        stub.dropping.clear()
        assert cli_json(capsys, *run)["status"] == "success"
    assert scenario_health(state_engine(ws), blueprint["name"]).consecutive_errors == 0


def test_scheduled_scenario_is_deactivated_after_max_errors(tmp_path: Path) -> None:
    engine = state_engine(tmp_path)
    error = {"name": "ConnectionError", "message": "down"}
    for expected in (1, 2):
        health = record_outcome(engine, "Poll", "error", error, max_errors=3, scheduled=True)
        assert health.consecutive_errors == expected and not health.deactivated
    health = record_outcome(engine, "Poll", "error", error, max_errors=3, scheduled=True)
    assert health.deactivated and health.deactivated_at is not None
    assert scenario_health(engine, "Poll").deactivated
    # A warning is not a failure; the count starts again, but only the user reactivates.
    assert record_outcome(engine, "Poll", "warning", max_errors=3,
                          scheduled=True).consecutive_errors == 0
    assert scenario_health(engine, "Poll").deactivated
    reactivate(engine, "Poll")
    assert not scenario_health(engine, "Poll").deactivated
