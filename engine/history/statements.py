"""The history writer's SQL: standard statements with named parameters, built once.

They name every column `engine.store.history_db` declares (tests/history/test_statements.py
compares them), so a row written here is the row SQLAlchemy would write — defaults included,
since the schema's defaults are Python-side and a plain INSERT must give them itself.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

# Execution columns and the value of each one a run's start doesn't give (`num` is the key).
EXECUTION_DEFAULTS: dict[str, Any] = {
    "id": None, "scenario": "", "blueprint_sha256": None, "kind": "run",
    "trigger": "manual", "status": "running", "started_at": None, "finished_at": None,
    "paused_s": 0.0, "operations": 0, "data_transfer": 0, "incomplete_executions": 0,
    "check_run": False, "confidential": False, "resumed_from": None, "error": None,
    "summary": None, "stored_bytes": 0,
}
BLUEPRINT_COLUMNS = ("sha256", "scenario", "content", "size", "created_at")
RECORD_DEFAULTS: dict[str, Any] = {
    "execution_num": None, "seq": 0, "kind": "operation", "cycle": 0, "module_id": 0,
    "duration_ms": 0.0, "filter_passed": None, "output_count": 0, "error": None,
    "input": None, "outputs": None,
}
BATCH_COLUMNS = ("execution_num", "first_seq", "count", "cycle", "content")


def _insert(table: str, columns: Any, suffix: str = "") -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    values = ", ".join(f":{c}" for c in columns)
    return f'INSERT INTO {table} ({names}) VALUES ({values}){suffix}'


INSERT_EXECUTION = _insert("execution", EXECUTION_DEFAULTS)
INSERT_BLUEPRINT = _insert("blueprint_version", BLUEPRINT_COLUMNS, " ON CONFLICT DO NOTHING")
INSERT_RECORD = _insert("operation", RECORD_DEFAULTS)
INSERT_BLOB = _insert("execution_blob", ("execution_num", "sha256"), " ON CONFLICT DO NOTHING")
PRUNED_AT = "SELECT value FROM history_meta WHERE key = 'pruned_at'"
ANY_EXECUTION = "SELECT 1 FROM execution LIMIT 1"


@lru_cache(maxsize=64)
def insert_batches(count: int) -> str:
    """An INSERT of `count` operation_batch rows in one statement, their parameters numbered
    (`:first_seq_0`, …): SQLite runs it in one step, so the writer's thread gives the
    interpreter lock up once for all of them (see engine.history.payloads.pack_all)."""
    names = ", ".join(f'"{c}"' for c in BATCH_COLUMNS)
    rows = ", ".join("(" + ", ".join(f":{c}_{k}" for c in BATCH_COLUMNS) + ")"
                     for k in range(count))
    return f"INSERT INTO operation_batch ({names}) VALUES {rows}"


@lru_cache(maxsize=32)
def finish(columns: tuple[str, ...]) -> str:
    """What a run's end sets: these columns of its execution row (`:num`)."""
    unknown = set(columns) - set(EXECUTION_DEFAULTS)
    if unknown:
        raise ValueError(f"no such execution column: {sorted(unknown)}")
    return ("UPDATE execution SET " + ", ".join(f'"{c}" = :{c}' for c in columns)
            + " WHERE num = :num")
