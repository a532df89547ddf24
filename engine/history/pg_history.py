"""The history writer's database when a workspace's history is in a shared PostgreSQL
(`engine.store.database`): psycopg connections working in the `scenarist_history` schema,
in UTC, with the writer's statements in psycopg's parameter style."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from engine.history.database import HistoryDatabase, pyformat
from engine.store.database import HISTORY_SCHEMA, DatabaseUnreachable

_migrated: set[str] = set()  # databases whose history schema this process has checked
_lock = threading.Lock()


class PostgresHistory(HistoryDatabase):
    """A workspace's history in the PostgreSQL at `url` (as `checked_database` gives it)."""

    def __init__(self, workspace: Path, url: str) -> None:
        self.workspace = Path(workspace)
        self.url = url
        self.key = f"{url}#{HISTORY_SCHEMA}"

    def connect(self) -> Any:
        import psycopg

        with _lock:
            if self.url not in _migrated:
                from engine.store.history_db import open_history_engine

                open_history_engine(self.workspace).dispose()  # makes or migrates the schema
                _migrated.add(self.url)
        conninfo = "postgresql://" + self.url.split("://", 1)[1]  # without "+psycopg"
        try:
            return psycopg.connect(
                conninfo, connect_timeout=10,
                options=f"-c search_path={HISTORY_SCHEMA} -c TimeZone=UTC")
        except psycopg.OperationalError as exc:
            info = psycopg.conninfo.conninfo_to_dict(conninfo)
            reason = str(exc).strip().splitlines()
            raise DatabaseUnreachable(
                f"cannot reach PostgreSQL at {info.get('host')}:{info.get('port') or 5432}"
                f" (database {info.get('dbname')}): {reason[0] if reason else 'failed'}"
            ) from exc

    def sql(self, statement: str) -> str:
        return pyformat(statement)

    def insert_key(self, cursor: Any, statement: str, values: dict[str, Any],
                   key: str) -> int:
        cursor.execute(f'{statement} RETURNING "{key}"', values)
        row = cursor.fetchone()
        return int(row[0])

    def engine(self) -> Any:
        from engine.store.history_db import open_history_engine

        return open_history_engine(self.workspace)
