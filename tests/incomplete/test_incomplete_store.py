"""Incomplete executions in state.db: Make's value types survive, edits are used by retries,
and the migration creates exactly what the models declare."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect

from engine.incomplete.retry import retry_incomplete
from engine.store.incomplete import (
    add_incomplete,
    get_incomplete,
    list_incomplete,
    update_incomplete,
)
from engine.store.migrations import state_metadata
from engine.store.state_db import open_state_engine, state_engine
from tests.incomplete.helpers import (
    cli_json,
    error_directives_blueprint,
    items_request,
    price_stub,
    write_json,
)
from tests.support.schema_drift import schema_drift

# State on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("backend")

MY_TABLES = {"incomplete_execution", "incomplete_blueprint", "scenario_health",
             "data_store_journal"}


def test_stored_bundles_keep_dates_buffers_and_module_ids(tmp_path: Path) -> None:
    engine = state_engine(tmp_path)
    when = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    bundles = {1: {"at": when, "file": b"\x00\xffPDF", "nested": [{"d": when}],
                   "looks_like_a_tag": {"$date": "not a date"}}}
    new_id = add_incomplete(
        engine, scenario="S", blueprint_json={"name": "S", "flow": []}, execution_id="e1",
        module_id=3, bundles=bundles, execution_vars={"since": when},
        error={"name": "DataError", "message": "bad"}, reason="error",
    )
    record = get_incomplete(engine, new_id[:8])  # a unique prefix is enough
    assert record.bundles == bundles
    assert isinstance(record.bundles[1]["at"], datetime) and record.bundles[1]["at"] == when
    assert record.bundles[1]["file"] == b"\x00\xffPDF"
    assert record.execution_vars == {"since": when}
    assert record.status == "pending" and record.attempts == 0


def test_a_retry_uses_the_edited_input_bundles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = tmp_path / "ws"
    with price_stub(dropping={"p2"}) as stub:
        bp = write_json(tmp_path / "bp.json", error_directives_blueprint(stub.url))
        request = write_json(tmp_path / "req.json", items_request("break"))
        cli_json(capsys, "run", str(bp), "--input", str(request), "--report", "json",
                 "--data-dir", str(ws))
        engine = state_engine(ws)
        [record] = list_incomplete(engine)
        # The user fixes the failed bundle: p2 was a typo for p3.
        bundles = dict(record.bundles)
        bundles[2] = {**bundles[2], "id": "p3"}
        update_incomplete(engine, record.id, bundles=bundles)
        outcome = asyncio.run(retry_incomplete(ws, record.id, history=False))
    assert outcome.resolved
    assert stub.requests[-1] == "/price/p3"
    assert outcome.result.operations_by_module[12] == 1


def test_migration_creates_the_tables_the_models_declare(tmp_path: Path) -> None:
    metadata = state_metadata()
    assert MY_TABLES <= set(metadata.tables)
    engine = open_state_engine(tmp_path)
    assert MY_TABLES <= set(inspect(engine).get_table_names())
    assert schema_drift(engine, metadata) == []
