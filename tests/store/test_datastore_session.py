"""Data store records: persistence, held writes, commit/rollback, types, concurrency."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from engine.store.datastore import DataStoreSession, decode_value, encode_value
from engine.store.state_db import open_state_engine, state_db_path


@pytest.fixture
def engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = open_state_engine(tmp_path)
    yield engine
    engine.dispose()


@pytest.mark.usefixtures("backend")  # SQLite and PostgreSQL
def test_records_persist_across_sessions(engine) -> None:  # type: ignore[no-untyped-def]
    first = DataStoreSession(engine)
    first.put(1, "a", {"email": "a@example.com"})
    first.put(1, "b", {"email": "b@example.com"})
    first.close()
    second = DataStoreSession(engine)
    assert second.get(1, "a") == {"email": "a@example.com"}
    assert [k for k, _ in second.records("1")] == ["a", "b"]
    assert second.count(1) == 2


@pytest.mark.usefixtures("backend")  # SQLite and PostgreSQL
def test_replacing_keeps_the_record_in_place(engine) -> None:  # type: ignore[no-untyped-def]
    session = DataStoreSession(engine)
    for key in ("a", "b", "c"):
        session.put(1, key, {"n": key})
    session.put(1, "a", {"n": "A"})
    assert session.records(1) == [("a", {"n": "A"}), ("b", {"n": "b"}), ("c", {"n": "c"})]


@pytest.mark.usefixtures("backend")  # SQLite and PostgreSQL
def test_stores_are_separate_and_created_on_first_use(engine) -> None:  # type: ignore[no-untyped-def]
    session = DataStoreSession(engine)
    assert session.get(5, "x") is None and session.count(5) == 0
    session.put(6, "x", {"v": 1})
    assert session.get(5, "x") is None and session.get(6, "x") == {"v": 1}
    with engine.connect() as conn:
        ids = {r[0] for r in conn.exec_driver_sql("SELECT id FROM data_store")}
    assert ids == {"5", "6"}


@pytest.mark.usefixtures("backend")  # SQLite and PostgreSQL
def test_values_keep_their_make_types(engine) -> None:  # type: ignore[no-untyped-def]
    when = datetime(2024, 3, 1, 12, 30, 15, 123000, tzinfo=timezone(timedelta(hours=2)))
    record = {"when": when, "file": b"\x00\xff", "n": 1.5, "ok": True, "none": None,
              "tags": ["a", {"$date": "not a tag"}], "nested": {"at": when.astimezone(UTC)}}
    DataStoreSession(engine).put(1, "k", record)
    back = DataStoreSession(engine).get(1, "k")
    assert back == record
    assert isinstance(back["when"], datetime) and back["when"].utcoffset() == timedelta(hours=2)


@pytest.mark.usefixtures("backend")  # SQLite and PostgreSQL
def test_codec_round_trips_tag_like_collections() -> None:
    value = {"$date": "2024-01-01"}
    assert decode_value(encode_value(value)) == value


@pytest.mark.usefixtures("backend")  # SQLite and PostgreSQL
def test_auto_commit_writes_are_visible_to_others_at_once(engine) -> None:  # type: ignore[no-untyped-def]
    writer = DataStoreSession(engine, auto_commit=True)
    writer.put(1, "k", {"v": 1})
    writer.rollback()  # nothing to undo: autoCommit already committed
    assert DataStoreSession(engine).get(1, "k") == {"v": 1}


@pytest.mark.usefixtures("backend")  # SQLite and PostgreSQL
def test_held_writes_are_seen_by_their_run_and_committed_at_the_end(engine) -> None:  # type: ignore[no-untyped-def]
    run = DataStoreSession(engine, auto_commit=False)
    other = DataStoreSession(engine)
    other.put(1, "old", {"v": 0})
    run.put(1, "new", {"v": 1})
    run.delete(1, "old")
    assert run.get(1, "new") == {"v": 1} and run.get(1, "old") is None
    assert [k for k, _ in run.records(1)] == ["new"] and run.count(1) == 1
    assert other.get(1, "new") is None and other.get(1, "old") == {"v": 0}
    run.commit()
    assert other.get(1, "new") == {"v": 1} and other.get(1, "old") is None


@pytest.mark.usefixtures("backend")  # SQLite and PostgreSQL
def test_rollback_drops_held_writes(engine) -> None:  # type: ignore[no-untyped-def]
    DataStoreSession(engine).put(1, "keep", {"v": 0})
    run = DataStoreSession(engine, auto_commit=False)
    run.delete_all(1)
    run.put(1, "tmp", {"v": 1})
    assert run.count(1) == 1 and run.records(1) == [("tmp", {"v": 1})]
    run.rollback()
    assert run.records(1) == [("keep", {"v": 0})]
    run.commit()  # nothing held any more
    assert DataStoreSession(engine).records(1) == [("keep", {"v": 0})]


@pytest.mark.usefixtures("backend")  # SQLite and PostgreSQL
def test_delete_all_then_writes_commit_in_order(engine) -> None:  # type: ignore[no-untyped-def]
    DataStoreSession(engine).put(1, "a", {"v": 0})
    run = DataStoreSession(engine, auto_commit=False)
    run.delete_all(1)
    run.put(1, "b", {"v": 1})
    run.commit()
    assert DataStoreSession(engine).records(1) == [("b", {"v": 1})]


def test_uncommitted_run_blocks_no_other_reader_or_writer(tmp_path: Path, engine) -> None:  # type: ignore[no-untyped-def]
    run = DataStoreSession(engine, auto_commit=False)
    run.put(1, "held", {"v": 1})
    # Another process-like connection, with no busy timeout: any lock would fail at once.
    raw = sqlite3.connect(state_db_path(tmp_path), timeout=0)
    try:
        assert raw.execute("SELECT count(*) FROM data_store_record").fetchone() == (0,)
        raw.execute("INSERT INTO data_store_record (store_id, key, data, created_at, updated_at)"
                    " VALUES ('1', 'other', '{}', '2024-01-01', '2024-01-01')")
        raw.commit()
    finally:
        raw.close()
    run.commit()
    assert {k for k, _ in DataStoreSession(engine).records(1)} == {"held", "other"}
