"""The data store write journal: what a crash undoes, and what a finished cycle leaves."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from engine.store.datastore import DataStoreSession, undo_journal
from engine.store.state_db import state_engine


def journal_rows(ws: Path) -> int:
    conn = sqlite3.connect(ws / "state.db")
    try:
        return int(conn.execute("SELECT count(*) FROM data_store_journal").fetchone()[0])
    finally:
        conn.close()


def test_undo_puts_back_the_values_from_before_the_cycle(tmp_path: Path) -> None:
    engine = state_engine(tmp_path)
    before = DataStoreSession(engine)
    before.put("s", "a", {"v": 1})
    before.put("s", "b", {"v": 2})
    cycle = [1]
    run = DataStoreSession(engine, journal=("exec-1", lambda: cycle[0]))
    run.put("s", "a", {"v": 10})
    run.put("s", "a", {"v": 100})  # twice in one cycle: the first previous value wins
    run.delete("s", "b")
    run.put("s", "c", {"v": 3})
    run.delete_all("s")
    assert run.records("s") == []
    assert undo_journal(engine, "exec-1") == 6  # a, a, b, c, then a and c again
    assert dict(before.records("s")) == {"a": {"v": 1}, "b": {"v": 2}}
    assert journal_rows(tmp_path) == 0


def test_a_finished_cycle_clears_its_journal_and_its_writes_stand(tmp_path: Path) -> None:
    engine = state_engine(tmp_path)
    run = DataStoreSession(engine, journal=("exec-2", lambda: 1))
    run.put("s", "a", {"v": 1})
    assert journal_rows(tmp_path) == 1
    run.commit()  # the end of the cycle
    assert journal_rows(tmp_path) == 0
    assert undo_journal(engine, "exec-2") == 0
    assert run.get("s", "a") == {"v": 1}
    # Another run's journal is its own.
    other = DataStoreSession(engine, journal=("exec-3", lambda: 1))
    other.put("s", "a", {"v": 2})
    run.put("s", "b", {"v": 1})
    run.rollback()  # a failed cycle: autoCommit writes stand, their journal goes
    assert undo_journal(engine, "exec-3") == 1
    assert run.get("s", "a") == {"v": 1} and run.get("s", "b") == {"v": 1}
