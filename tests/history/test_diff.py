"""`scenarist history diff A B`: per module, which bundles differ and where."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.history.helpers import cli, cli_json, run_leads

# History on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("backend")


def _ids(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    rows = cli_json(capsys, "history", "list", "--json", "--data-dir", str(tmp_path / "ws"))
    return [r["id"] for r in reversed(rows)]  # oldest first


def test_diff_names_modules_bundles_and_paths(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    run_leads(tmp_path, capsys, ["Ann", "Bob"])
    run_leads(tmp_path, capsys, ["Ann", "Rob", "Cy"])
    a, b = _ids(tmp_path, capsys)
    diff = cli_json(capsys, "history", "diff", a, b, "--json", "--data-dir",
                    str(tmp_path / "ws"))
    assert diff["same"] is False
    assert diff["run"]["operations"] == {"a": 4, "b": 5}
    webhook = diff["modules"]["1"]["bundles"]
    paths = [p["path"] for p in webhook[0]["paths"]]
    assert webhook[0]["bundle"] == "output 0"
    assert paths == ["$.items[1].name", "$.items[2]"]
    assert webhook[0]["paths"][0] == {"path": "$.items[1].name", "a": "Bob", "b": "Rob",
                                      "change": "changed"}
    compose = diff["modules"]["3"]
    assert compose["operations"] == {"a": 2, "b": 3}
    # operation 0 (Ann) is the same in both runs; operation 1 differs; 2 only ran in b
    assert [(x["operation"], x.get("bundle")) for x in compose["bundles"]] == [
        (1, "input"), (1, "output 0"), (2, None)]
    assert compose["bundles"][1]["paths"][0]["path"] == "$.value"
    assert compose["bundles"][2]["only_in"] == "b"
    code, text = cli(capsys, "history", "diff", a, b, "--data-dir", str(tmp_path / "ws"))
    assert code == 0
    assert '$.items[1].name: "Bob" -> "Rob"' in text
    assert "module 3 (util:ComposeTransformer): 2 vs 3 operations" in text


def test_identical_runs_have_no_differences(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    run_leads(tmp_path, capsys, ["Ann", "Bob"])
    run_leads(tmp_path, capsys, ["Ann", "Bob"])
    a, b = _ids(tmp_path, capsys)
    diff = cli_json(capsys, "history", "diff", a, b, "--json", "--data-dir",
                    str(tmp_path / "ws"))
    assert diff["same"] is True and diff["modules"] == {} and diff["run"] == {}
    _, text = cli(capsys, "history", "diff", a, b, "--data-dir", str(tmp_path / "ws"))
    assert "no differences" in text
