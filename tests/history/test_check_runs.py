"""Check runs (a trigger that found nothing: one operation, no bundles) are hidden by default."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.history.helpers import cli, cli_json, write_json

# History on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("backend")


def poller(items: str) -> dict[str, Any]:
    """A polling-style first module (an iterator over fixed data) and one module after it."""
    return {"name": "Poller", "flow": [
        {"id": 1, "module": "builtin:BasicFeeder", "mapper": {"array": items}},
        {"id": 2, "module": "util:ComposeTransformer", "mapper": {"value": "{{1.value}}"}},
    ]}


def test_check_runs_are_recorded_and_hidden_unless_all(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = str(tmp_path / "ws")
    empty = write_json(tmp_path / "empty.json", poller("{{emptyarray}}"))
    found = write_json(tmp_path / "found.json", poller("{{split(\"a,b\"; \",\")}}"))
    assert cli(capsys, "run", str(empty), "--data-dir", ws)[0] == 0
    assert cli(capsys, "run", str(found), "--data-dir", ws)[0] == 0
    assert cli(capsys, "run", str(empty), "--data-dir", ws)[0] == 0

    shown = cli_json(capsys, "history", "list", "--json", "--data-dir", ws)
    assert [(r["operations"], r["check_run"]) for r in shown] == [(3, False)]
    assert shown[0]["trigger"] == "manual"

    everything = cli_json(capsys, "history", "list", "--all", "--json", "--data-dir", ws)
    assert [(r["operations"], r["check_run"]) for r in everything] == [
        (1, True), (3, False), (1, True)]
    assert all(r["status"] == "success" for r in everything)
    _, text = cli(capsys, "history", "list", "--all", "--data-dir", ws)
    assert text.count("(check run)") == 2
