"""Blueprints and CLI helpers shared by the history tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from engine.history.database import SqliteHistory


def leads_blueprint(name: str = "Leads", **settings: Any) -> dict[str, Any]:
    """Webhook -> iterator -> compose a greeting per item."""
    return {
        "name": name,
        "flow": [
            {"id": 1, "module": "gateway:CustomWebHook", "parameters": {"maxResults": 1},
             "mapper": {}},
            {"id": 2, "module": "builtin:BasicFeeder", "mapper": {"array": "{{1.items}}"}},
            {"id": 3, "module": "util:ComposeTransformer",
             "mapper": {"value": "Hello {{2.name}}"}},
        ],
        "metadata": {"scenario": settings},
    }


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(argv))
    return code, capsys.readouterr().out


def cli_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code, out = cli(capsys, *argv)
    assert code == 0, out
    return json.loads(out)


def run_leads(tmp_path: Path, capsys: pytest.CaptureFixture[str], names: list[str],
              blueprint: dict[str, Any] | None = None, *extra: str) -> dict[str, Any]:
    """`scenarist run` a blueprint with a webhook body of items; returns the run report."""
    bp = write_json(tmp_path / "blueprint.json", blueprint or leads_blueprint())
    request = write_json(tmp_path / "request.json",
                         {"body": {"items": [{"name": n} for n in names]}})
    code, out = cli(capsys, "run", str(bp), "--input", str(request), "--report", "json",
                    "--data-dir", str(tmp_path / "ws"), *extra)
    report: dict[str, Any] = json.loads(out)
    assert code == (1 if report["status"] == "error" else 0)
    return report


def read_engine(writer: Any) -> Any:
    """A SQLAlchemy engine reading what `writer` wrote (as the window and the CLI read it)."""
    from engine.store.history_db import open_history_engine

    return open_history_engine(writer.workspace)


class WatchedHistory(SqliteHistory):
    """history.db, with its writer's statements and commits watched: `on_execute(statement)`
    runs after each statement, and `commits` counts the transactions committed."""

    def __init__(self, workspace: Path, on_execute: Callable[[str], None] = lambda _s: None
                 ) -> None:
        super().__init__(workspace)
        self.on_execute = on_execute
        self.commits = 0

    def connect(self) -> Any:
        return _WatchedConnection(super().connect(), self)


class _WatchedConnection:
    def __init__(self, conn: Any, watch: WatchedHistory) -> None:
        self.conn, self.watch = conn, watch

    def cursor(self) -> Any:
        return _WatchedCursor(self.conn.cursor(), self.watch)

    def commit(self) -> None:
        self.conn.commit()
        self.watch.commits += 1

    def rollback(self) -> None:
        self.conn.rollback()

    def close(self) -> None:
        self.conn.close()


class _WatchedCursor:
    def __init__(self, cursor: Any, watch: WatchedHistory) -> None:
        self.cursor, self.watch = cursor, watch

    @property
    def lastrowid(self) -> int:
        return int(self.cursor.lastrowid)

    def execute(self, statement: str, values: Any = ()) -> Any:
        self.cursor.execute(statement, values)
        self.watch.on_execute(statement)
        return self

    def executemany(self, statement: str, rows: Any) -> Any:
        self.cursor.executemany(statement, rows)
        self.watch.on_execute(statement)
        return self

    def fetchone(self) -> Any:
        return self.cursor.fetchone()
