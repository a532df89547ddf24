"""Searching a data store by a field uses an index, and finds exactly what a scan finds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from engine.builtins.datastore import _matches
from engine.store.datastore import DataStoreSession
from engine.store.record_search import field_expression
from engine.store.state_db import open_state_engine

RECORDS = {
    "a": {"city": "Oslo", "n": 5},
    "b": {"city": "Rome", "n": "5"},
    "c": {"city": 5, "n": 6},
    "d": {"city": datetime(2026, 1, 2, tzinfo=UTC), "n": 7},
    "e": {"city": True},
    "f": {"n": 1},
}


@pytest.fixture
def session(tmp_path: Path) -> Iterator[DataStoreSession]:
    engine = open_state_engine(tmp_path)
    session = DataStoreSession(engine)
    for key, data in RECORDS.items():
        session.put(1, key, data)
    yield session
    engine.dispose()


@pytest.mark.parametrize("conditions", [
    [[{"a": "city", "o": "text:equal", "b": "Rome"}]],
    [[{"a": "city", "o": "text:equal", "b": "5"}]],
    [[{"a": "city", "o": "text:equal", "b": "true"}]],
    [[{"a": "city", "o": "text:equal", "b": "2026-01-02T00:00:00.000Z"}]],
    [[{"a": "city", "o": "text:equal", "b": "Oslo"}], [{"a": "key", "o": "text:equal",
                                                       "b": "f"}]],
    [[{"a": "city", "o": "text:equal", "b": "Oslo"}, {"a": "n", "o": "number:greater",
                                                      "b": 1}]],
])
@pytest.mark.usefixtures("backend")  # SQLite and PostgreSQL
def test_narrowed_search_finds_what_a_scan_finds(session: DataStoreSession,
                                                 conditions: list) -> None:  # type: ignore[type-arg]
    scanned = [k for k, r in session.records(1) if _matches(k, r, conditions)]
    searched = [k for k, _ in session.search(1, conditions,
                                             lambda k, r: _matches(k, r, conditions))]
    assert searched == scanned and scanned


def test_a_field_search_uses_an_index(session: DataStoreSession) -> None:
    found = session.search(1, [[{"a": "city", "o": "text:equal", "b": "Rome"}]],
                           lambda _k, _r: True)
    assert [k for k, _ in found] == ["b", "d"]  # the date may read as "Rome": checked later
    with session.engine.connect() as conn:
        plan = " ".join(str(row[-1]) for row in conn.execute(text(
            "EXPLAIN QUERY PLAN SELECT key FROM data_store_record WHERE store_id = '1' AND "
            f"{field_expression('city')} IN ('Rome')")))
    assert "USING INDEX ix_data_store_field_" in plan


@pytest.mark.usefixtures("backend")  # SQLite and PostgreSQL
def test_a_search_without_sort_stops_at_its_limit(session: DataStoreSession) -> None:
    everyone = [[{"a": "n", "o": "exist"}]]
    found = session.search(1, everyone, lambda k, r: _matches(k, r, everyone), limit=2)
    assert [k for k, _ in found] == ["a", "b"]


@pytest.mark.usefixtures("backend")  # SQLite and PostgreSQL
def test_held_writes_are_seen_by_a_search(tmp_path: Path) -> None:
    engine = open_state_engine(tmp_path)
    run = DataStoreSession(engine, auto_commit=False)
    run.put(1, "new", {"city": "Rome"})
    rome = [[{"a": "city", "o": "text:equal", "b": "Rome"}]]
    assert [k for k, _ in run.search(1, rome, lambda k, r: _matches(k, r, rome))] == ["new"]
    engine.dispose()
