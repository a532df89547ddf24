"""`scenarist run` records history; `scenarist history list/show` read it back."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main
from tests.history.helpers import cli, cli_json, leads_blueprint, run_leads, write_json


@pytest.mark.usefixtures("backend")  # SQLite and PostgreSQL
def test_run_is_recorded_and_listed_newest_first(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    ws = str(tmp_path / "ws")
    run_leads(tmp_path, capsys, ["Ann", "Bob"])
    run_leads(tmp_path, capsys, ["Cy"])
    rows = cli_json(capsys, "history", "list", "--json", "--data-dir", ws)
    assert [r["operations"] for r in rows] == [3, 4]  # newest first: 1 + 1 + 1 item
    newest = rows[0]
    assert newest["scenario"] == "Leads"
    assert newest["status"] == "success"
    assert newest["trigger"] == "webhook"
    assert newest["check_run"] is False and newest["resumed_from"] is None
    assert newest["started_at"] <= newest["finished_at"]
    assert newest["data_transfer"] > 0
    assert rows[0]["started_at"] > rows[1]["started_at"]
    # --data-dir works before the action too
    assert cli_json(capsys, "history", "--data-dir", ws, "list", "--json") == rows


@pytest.mark.usefixtures("backend")  # SQLite and PostgreSQL
def test_list_filters_by_scenario_and_status(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    ws = str(tmp_path / "ws")
    run_leads(tmp_path, capsys, ["Ann"])
    failing = leads_blueprint("Broken")
    failing["flow"][2]["mapper"]["value"] = "{{parseNumber(2.name)}}"
    report = run_leads(tmp_path, capsys, ["Ann"], failing)
    assert report["status"] == "error"
    broken = cli_json(capsys, "history", "list", "--scenario", "Broken", "--json",
                      "--data-dir", ws)
    assert [r["scenario"] for r in broken] == ["Broken"]
    assert broken[0]["status"] == "error"
    assert "is not a number" in broken[0]["error"]["message"]
    ok = cli_json(capsys, "history", "list", "--status", "success", "--json", "--data-dir", ws)
    assert [r["scenario"] for r in ok] == ["Leads"]


@pytest.mark.usefixtures("backend")  # SQLite and PostgreSQL
def test_no_history_records_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_leads(tmp_path, capsys, ["Ann"], None, "--no-history")
    assert not (tmp_path / "ws" / "history.db").exists()
    assert cli_json(capsys, "history", "list", "--json", "--data-dir",
                    str(tmp_path / "ws")) == []


@pytest.mark.usefixtures("backend")  # SQLite and PostgreSQL
def test_show_is_the_run_report_plus_ids_and_times(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    blueprint = leads_blueprint()
    # Dates and buffers (one small, one over the blob threshold) keep their report shape.
    blueprint["flow"].append({
        "id": 4, "module": "util:SetVariables",
        "mapper": {"scope": "roundtrip", "variables": [
            {"name": "when", "value": '{{parseDate("2024-05-01T10:00:00Z")}}'},
            {"name": "small", "value": "{{toBinary(2.name)}}"},
            {"name": "big", "value": "{{toBinary(1.padding)}}"},
        ]},
    })
    ws = tmp_path / "ws"
    bp = write_json(tmp_path / "bp.json", blueprint)
    request = write_json(tmp_path / "request.json", {"body": {
        "items": [{"name": "Ann"}, {"name": "Bob"}], "padding": "x" * 100_000}})
    code, _ = cli(capsys, "run", str(bp), "--input", str(request), "--data-dir", str(ws))
    report = cli_json(capsys, "run", str(bp), "--input", str(request), "--report", "json",
                      "--data-dir", str(ws))
    assert code == 0
    [latest, _first] = cli_json(capsys, "history", "list", "--json", "--data-dir", str(ws))
    shown = cli_json(capsys, "history", "show", latest["id"], "--json", "--data-dir", str(ws))
    extras = {"id", "scenario", "started_at", "finished_at", "duration_s", "trigger",
              "check_run", "confidential", "resumed_from", "kind", "blueprint_sha256",
              "filtered"}
    assert {k: v for k, v in shown.items() if k not in extras} == report
    assert shown["id"] == latest["id"] and shown["started_at"] == latest["started_at"]
    big = report["modules"]["4"]["outputs"][0]
    assert big  # the run itself produced the variables
    # the 100 KB buffer is one content-addressed file, shared by both runs
    blobs = list((ws / "blobs").glob("*/*"))
    assert len(blobs) == 1 and blobs[0].stat().st_size == 100_000
    # a unique prefix of the id is enough, as with git
    again = cli_json(capsys, "history", "show", latest["id"][:10], "--json", "--data-dir",
                     str(ws))
    assert again == shown


@pytest.mark.usefixtures("backend")  # SQLite and PostgreSQL
def test_show_blueprint_as_it_was(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = str(tmp_path / "ws")
    run_leads(tmp_path, capsys, ["Ann"])
    edited = leads_blueprint()
    edited["flow"][2]["mapper"]["value"] = "Bye {{2.name}}"
    run_leads(tmp_path, capsys, ["Ann"], edited)
    new, old = cli_json(capsys, "history", "list", "--json", "--data-dir", ws)
    assert new["blueprint_sha256"] != old["blueprint_sha256"]
    then = cli_json(capsys, "history", "show", old["id"], "--blueprint", "--data-dir", ws)
    assert then["flow"][2]["mapper"]["value"] == "Hello {{2.name}}"
    ops = cli_json(capsys, "history", "show", old["id"], "--operations", "--data-dir", ws)
    assert [(op["seq"], op["module_id"]) for op in ops["log"]] == [(0, 1), (1, 2), (2, 3)]
    assert ops["log"][2]["input"] == {"value": "Hello Ann"}


@pytest.mark.usefixtures("backend")  # SQLite and PostgreSQL
def test_unknown_execution_is_an_error(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    run_leads(tmp_path, capsys, ["Ann"])
    capsys.readouterr()
    assert main(["history", "show", "nope", "--data-dir", str(tmp_path / "ws")]) == 1
    assert "no execution 'nope'" in capsys.readouterr().err


def test_run_goes_on_when_history_cannot_be_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "history.db").write_bytes(b"this is not a database" * 100)
    report = run_leads(tmp_path, capsys, ["Ann"])
    assert report["status"] == "success"
    assert report["modules"]["3"]["outputs"] == [{"value": "Hello Ann"}]
    assert any("not recorded in history" in w for w in report["warnings"])
