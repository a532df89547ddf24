"""Retention by age and total size, then VACUUM: history.db never grows without bound."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine.history.retention import RetentionSettings, prune
from engine.store.history_db import history_db_path, open_history_engine
from tests.history.helpers import cli, cli_json, leads_blueprint, write_json


def _run_big(tmp_path: Path, capsys: pytest.CaptureFixture[str], tag: str,
             blob: bool = False) -> None:
    """A run moving ~300 KB of varied text (and optionally a 100 KB buffer)."""
    blueprint = leads_blueprint()
    if blob:
        blueprint["flow"].append({"id": 4, "module": "util:SetVariables", "mapper": {
            "scope": "roundtrip", "variables": [{"name": "b", "value": "{{toBinary(1.pad)}}"}]}})
    items = [{"name": f"{tag}-{i}-{(i * 7919) % 104729:x}" * 4} for i in range(2000)]
    bp = write_json(tmp_path / "bp.json", blueprint)
    request = write_json(tmp_path / "in.json",
                         {"body": {"items": items, "pad": f"{tag}:" + "y" * 100_000}})
    code, _ = cli(capsys, "run", str(bp), "--input", str(request),
                  "--data-dir", str(tmp_path / "ws"))
    assert code == 0


def _ids(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    rows = cli_json(capsys, "history", "list", "--json", "--data-dir", str(tmp_path / "ws"))
    return [r["id"] for r in rows]


def test_prune_by_age_then_vacuum_shrinks_the_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for k in range(4):
        _run_big(tmp_path, capsys, f"run{k}", blob=True)
    ws = tmp_path / "ws"
    assert len(list((ws / "blobs").glob("*/*"))) == 4
    before = history_db_path(ws).stat().st_size
    engine = open_history_engine(ws)
    try:
        # 40 days from now every run is older than the default 30 days
        result = prune(engine, ws, RetentionSettings(max_age_days=30, max_total_mb=None),
                       now=datetime.now(UTC) + timedelta(days=40))
    finally:
        engine.dispose()
    assert result.deleted_executions == 4 and result.deleted_blobs == 4
    assert _ids(tmp_path, capsys) == []
    assert result.size_after < result.size_before / 4
    assert history_db_path(ws).stat().st_size < before / 4
    assert not list((ws / "blobs").glob("*/*"))


@pytest.mark.usefixtures("backend")  # SQLite and PostgreSQL
def test_prune_by_size_keeps_the_newest_runs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], backend: str) -> None:
    for k in range(5):
        _run_big(tmp_path, capsys, f"run{k}")
    ids = _ids(tmp_path, capsys)
    engine = open_history_engine(tmp_path / "ws")
    with engine.connect() as conn:
        sizes = [n for (n,) in conn.exec_driver_sql(
            "SELECT stored_bytes FROM execution ORDER BY num DESC")]
    engine.dispose()
    assert all(n > 50_000 for n in sizes)  # payloads are counted
    room_for_two = (sizes[0] + sizes[1] + sizes[2] // 2) / (1024 * 1024)
    code, out = cli(capsys, "history", "prune", "--max-size-mb", str(room_for_two), "--json",
                    "--data-dir", str(tmp_path / "ws"))
    assert code == 0
    result = json.loads(out)
    kept = _ids(tmp_path, capsys)
    assert len(kept) == 2
    assert kept == ids[:len(kept)]  # the newest survive, in order
    assert result["deleted_executions"] == 5 - len(kept)
    # A file shrinks at once; PostgreSQL keeps the freed pages for its next rows.
    assert result["size_before"] > 0
    if backend == "sqlite":
        assert result["size_after"] < result["size_before"]
    # the history of what was kept is intact
    shown = cli_json(capsys, "history", "show", kept[-1], "--json", "--data-dir",
                     str(tmp_path / "ws"))
    assert len(shown["modules"]["3"]["outputs"]) == 2000


@pytest.mark.usefixtures("backend")  # SQLite and PostgreSQL
def test_prune_keeps_recent_runs_within_limits(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _run_big(tmp_path, capsys, "only", blob=True)
    code, out = cli(capsys, "history", "prune", "--data-dir", str(tmp_path / "ws"))
    assert code == 0 and "deleted 0 executions, 0 blobs" in out
    assert len(_ids(tmp_path, capsys)) == 1
    assert len(list((tmp_path / "ws" / "blobs").glob("*/*"))) == 1
