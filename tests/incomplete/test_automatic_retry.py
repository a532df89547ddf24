"""Automatic retries: Break's count/interval, and Make's backoff for connection errors."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine.incomplete.retry import due, retry_due
from engine.incomplete.schedule import BACKOFF_MINUTES, next_retry_at, retry_settings
from engine.store.incomplete import get_incomplete
from engine.store.state_db import state_engine
from tests.incomplete.helpers import (
    cli_json,
    error_directives_blueprint,
    items_request,
    price_stub,
    set_break,
    without_handler,
    write_json,
)

# State on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("backend")

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_makes_backoff_for_connection_rate_limit_and_timeout_errors() -> None:
    for name in ("ConnectionError", "RateLimitError", "ModuleTimeoutError"):
        settings = retry_settings(None, {"name": name, "message": "x"})
        assert settings is not None
        times, at = [], T0
        for attempt in range(9):
            nxt = next_retry_at(settings, attempt, at)
            if nxt is None:
                break
            times.append(int((nxt - at).total_seconds() // 60))
            at = nxt
        assert times == [1, 10, 10, 30, 30, 30, 180, 180] == list(BACKOFF_MINUTES)
    # Errors that need a person are not retried by themselves.
    assert retry_settings(None, {"name": "DataError", "message": "bad"}) is None


def test_break_settings_decide_and_are_bounded() -> None:
    assert retry_settings({"retry": False, "count": "3", "interval": "15"},
                          {"name": "ConnectionError"}) is None
    settings = retry_settings({"retry": True, "count": "2", "interval": "5"}, None)
    assert settings == {"kind": "break", "count": 2, "interval": 5}
    assert next_retry_at(settings, 0, T0) == T0 + timedelta(minutes=5)
    assert next_retry_at(settings, 1, T0) == T0 + timedelta(minutes=5)
    assert next_retry_at(settings, 2, T0) is None
    # Make's defaults (3 attempts, 15 minutes) and limits (1–10000, 1–44640 minutes).
    assert retry_settings({"retry": True}, None) == {"kind": "break", "count": 3,
                                                     "interval": 15}
    assert retry_settings({"retry": "true", "count": "0", "interval": "99999"}, None) == {
        "kind": "break", "count": 1, "interval": 44640}


def _run(capsys: pytest.CaptureFixture[str], tmp_path: Path, blueprint: dict[str, object]
         ) -> str:
    ws = tmp_path / "ws"
    bp = write_json(tmp_path / "bp.json", blueprint)
    request = write_json(tmp_path / "req.json", items_request("break", ("p2",)))
    cli_json(capsys, "run", str(bp), "--input", str(request), "--report", "json",
             "--data-dir", str(ws), code=0)
    [entry] = cli_json(capsys, "incomplete", "list", "--json", "--data-dir", str(ws))
    return str(entry["id"])


def test_unhandled_connection_error_is_retried_on_makes_schedule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = tmp_path / "ws"
    with price_stub(dropping={"p2"}) as stub:
        # No error handler on the HTTP module; the scenario allows incomplete executions.
        blueprint = without_handler(error_directives_blueprint(stub.url), 10)
        incomplete_id = _run(capsys, tmp_path, blueprint)
        record = get_incomplete(state_engine(ws), incomplete_id)
        assert record.reason == "error" and record.retry == {"kind": "backoff", "count": 8}
        assert record.next_retry_at is not None
        first = record.next_retry_at
        assert first - record.created_at == timedelta(minutes=1)
        assert due(ws, first - timedelta(seconds=1)) == []
        assert [r.id for r in due(ws, first)] == [incomplete_id]

        [outcome] = asyncio.run(retry_due(ws, first))  # still failing
        assert not outcome.resolved and outcome.incomplete.attempts == 1
        assert outcome.incomplete.next_retry_at == first + timedelta(minutes=10)
        assert due(ws, first + timedelta(minutes=9)) == []

        stub.dropping.clear()
        [outcome] = asyncio.run(retry_due(ws, first + timedelta(minutes=10)))
    assert outcome.resolved
    assert outcome.incomplete.status == "resolved" and outcome.incomplete.next_retry_at is None
    assert due(ws, first + timedelta(days=1)) == []


def test_break_with_automatic_completion_stops_after_count_attempts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = tmp_path / "ws"
    with price_stub(dropping={"p2"}) as stub:
        blueprint = set_break(error_directives_blueprint(stub.url), retry=True, count="2",
                              interval="5")
        incomplete_id = _run(capsys, tmp_path, blueprint)
        record = get_incomplete(state_engine(ws), incomplete_id)
        assert record.reason == "break"
        assert record.next_retry_at == record.created_at + timedelta(minutes=5)
        at = record.next_retry_at
        [outcome] = asyncio.run(retry_due(ws, at))
        assert outcome.incomplete.attempts == 1
        assert outcome.incomplete.next_retry_at == at + timedelta(minutes=5)
        [outcome] = asyncio.run(retry_due(ws, at + timedelta(minutes=5)))
        assert outcome.incomplete.attempts == 2
        assert outcome.incomplete.next_retry_at is None  # count reached: a person decides
        assert outcome.incomplete.status == "pending"
        assert due(ws, at + timedelta(days=30)) == []
        assert stub.requests.count("/price/p2") == 3
