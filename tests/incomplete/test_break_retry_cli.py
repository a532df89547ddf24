"""A Break stores an incomplete execution; `scenarist incomplete retry` finishes it (real CLI
processes, a real stub that drops the connection for p2 until it is fixed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.incomplete.helpers import (
    cli,
    cli_json,
    error_directives_blueprint,
    items_request,
    price_stub,
    scenarist_json,
    write_json,
)

# State on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("backend")


def test_break_leaves_one_incomplete_execution_that_retry_completes(tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    with price_stub(dropping={"p2"}) as stub:
        blueprint = write_json(tmp_path / "bp.json", error_directives_blueprint(stub.url))
        request = write_json(tmp_path / "req.json", items_request("break"))
        report = scenarist_json("run", str(blueprint), "--input", str(request),
                                "--report", "json", "--data-dir", ws)
        assert report["status"] == "warning"
        assert report["incomplete_executions"] == 1
        assert [o["value"] for o in report["modules"]["12"]["outputs"]] == ["p1=10", "p3=30"]

        waiting = scenarist_json("incomplete", "list", "--json", "--data-dir", ws)
        assert len(waiting) == 1
        incomplete = waiting[0]
        assert incomplete["module_id"] == 10 and incomplete["module"] == "http:MakeRequest"
        assert incomplete["reason"] == "break" and incomplete["status"] == "pending"
        assert incomplete["error"]["name"] == "ConnectionError"
        original = scenarist_json("history", "list", "--json", "--data-dir", ws)[0]
        assert incomplete["execution_id"] == original["id"]

        shown = scenarist_json("incomplete", "show", incomplete["id"][:10], "--json",
                               "--data-dir", ws)
        assert shown["bundles"]["2"]["id"] == "p2"  # the iterator's bundle that failed
        assert shown["bundles"]["1"]["mode"] == "break"

        # Still failing: the retry breaks again, the incomplete execution waits on.
        again = scenarist_json("incomplete", "retry", incomplete["id"], "--report", "json",
                               "--data-dir", ws)
        assert again["incomplete"]["status"] == "pending"
        assert again["incomplete"]["attempts"] == 1
        assert again["incomplete_executions"] == 1

        stub.dropping.clear()  # the service is back
        done = scenarist_json("incomplete", "retry", incomplete["id"], "--report", "json",
                              "--data-dir", ws)
        # Only the failed bundle's route is finished: p2, once.
        assert done["status"] == "success"
        assert done["incomplete"]["status"] == "resolved"
        assert [o["value"] for o in done["modules"]["12"]["outputs"]] == ["p2=20"]
        assert done["modules"]["10"]["operations"] == 1
        assert stub.requests.count("/price/p2") == 3
        assert stub.requests.count("/price/p1") == 1

    assert scenarist_json("incomplete", "list", "--json", "--data-dir", ws) == []
    resolved = scenarist_json("incomplete", "list", "--all", "--json", "--data-dir", ws)
    assert resolved[0]["resolved_by"] == done["execution_id"]

    runs = scenarist_json("history", "list", "--json", "--data-dir", ws)
    assert [r["kind"] for r in runs] == ["retry", "retry", "run"]
    assert runs[0]["id"] == done["execution_id"]
    assert runs[0]["resumed_from"] == original["id"]
    assert runs[0]["status"] == "success"
    # A retried run can be compared with the one it resumed.
    diff = scenarist_json("history", "diff", original["id"], runs[0]["id"], "--json",
                          "--data-dir", ws)
    assert diff["same"] is False and "12" in diff["modules"]


def test_delete_drops_it_and_a_deleted_one_cannot_be_retried(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = str(tmp_path / "ws")
    with price_stub(dropping={"p2"}) as stub:
        blueprint = write_json(tmp_path / "bp.json", error_directives_blueprint(stub.url))
        request = write_json(tmp_path / "req.json", items_request("break"))
        cli_json(capsys, "run", str(blueprint), "--input", str(request), "--report", "json",
                 "--data-dir", ws)
        [incomplete] = cli_json(capsys, "incomplete", "list", "--json", "--data-dir", ws)
        code, out, _err = cli(capsys, "incomplete", "delete", incomplete["id"], "--data-dir", ws)
        assert code == 0 and "deleted" in out
        assert cli_json(capsys, "incomplete", "list", "--json", "--data-dir", ws) == []
        code, _out, err = cli(capsys, "incomplete", "retry", incomplete["id"], "--data-dir", ws)
        assert code == 1 and "deleted" in err
        code, _out, err = cli(capsys, "incomplete", "show", "nope", "--data-dir", ws)
        assert code == 1 and "no incomplete execution" in err
        assert stub.requests.count("/price/p2") == 1  # nothing was retried


def test_retry_all_finishes_every_waiting_one_oldest_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = str(tmp_path / "ws")
    with price_stub(dropping={"p1", "p3"}) as stub:
        blueprint = write_json(tmp_path / "bp.json", error_directives_blueprint(stub.url))
        request = write_json(tmp_path / "req.json", items_request("break"))
        report = cli_json(capsys, "run", str(blueprint), "--input", str(request),
                          "--report", "json", "--data-dir", ws)
        assert report["incomplete_executions"] == 2
        stub.dropping.clear()
        reports = cli_json(capsys, "incomplete", "retry", "--all", "--report", "json",
                           "--data-dir", ws)
    assert [r["modules"]["12"]["outputs"] for r in reports] == [
        [{"value": "p1=10"}], [{"value": "p3=30"}]]
    assert all(r["incomplete"]["status"] == "resolved" for r in reports)
    assert cli_json(capsys, "incomplete", "list", "--json", "--data-dir", ws) == []
