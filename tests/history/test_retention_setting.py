"""How long history is kept is a workspace setting (`history_days`), as the Settings dialog
and `scenarist settings set history_days N` store it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine.history.retention import RetentionSettings, prune
from engine.store.history_db import open_history_engine
from tests.history.helpers import cli, leads_blueprint, write_json


def _prune_a_week_later(ws: Path) -> int:
    engine = open_history_engine(ws)
    try:
        return prune(engine, ws, now=datetime.now(UTC) + timedelta(days=7)).deleted_executions
    finally:
        engine.dispose()


def test_history_days_decides_which_runs_retention_removes(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCENARIST_HISTORY_MAX_AGE_DAYS", raising=False)
    ws = tmp_path / "ws"
    bp = write_json(tmp_path / "bp.json", leads_blueprint())
    request = write_json(tmp_path / "in.json", {"body": {"items": [{"name": "a"}]}})
    assert cli(capsys, "run", str(bp), "--input", str(request), "--data-dir", str(ws))[0] == 0
    assert cli(capsys, "settings", "set", "history_days", "10", "--data-dir", str(ws))[0] == 0
    assert RetentionSettings.for_workspace(ws).max_age_days == 10
    assert _prune_a_week_later(ws) == 0  # a week old, kept for ten days
    assert cli(capsys, "settings", "set", "history_days", "5", "--data-dir", str(ws))[0] == 0
    assert _prune_a_week_later(ws) == 1
    assert cli(capsys, "settings", "set", "history_days", "0", "--data-dir", str(ws))[0] == 0
    assert RetentionSettings.for_workspace(ws).max_age_days is None  # no age limit
