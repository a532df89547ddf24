"""Import and export of records as CSV and JSON, typed by the store's structure."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from sqlalchemy.engine import Engine

from engine.store.data_structures import create_structure
from engine.store.record_io import export_records, import_records
from engine.store.record_pages import RecordQuery, get_record, read_page
from engine.store.state_db import open_state_engine
from engine.store.store_admin import create_store

# State on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("backend")


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_state_engine(tmp_path)
    yield engine
    engine.dispose()


def test_csv_rows_become_typed_records_and_bad_rows_are_reported(engine: Engine,
                                                                  tmp_path: Path) -> None:
    structure = create_structure(engine, "Contact", [
        {"name": "email", "type": "text"}, {"name": "score", "type": "number"},
        {"name": "tags", "type": "array", "spec": {"type": "text"}}])
    sid = create_store(engine, "Contacts", structure_id=structure.id)
    source = tmp_path / "in.csv"
    source.write_text('key,email,score,tags\na,a@x,3,"[""x""]"\nb,b@x,lots,\n')
    progress: list[int] = []
    result = import_records(engine, sid, source, progress=progress.append)
    assert (result.imported, result.skipped) == (1, 1)
    assert result.problems == ["row 2: score: 'lots' is not a number"]
    assert progress == [2]
    record = get_record(engine, sid, "a")
    assert record is not None and record.data == {"email": "a@x", "score": 3, "tags": ["x"]}


def test_json_export_imports_back_into_another_store(engine: Engine, tmp_path: Path) -> None:
    sid = create_store(engine, "Source")
    source = tmp_path / "in.json"
    source.write_bytes(orjson.dumps([{"key": "k1", "n": 1, "nested": {"a": [1, 2]}},
                                     {"n": 2}]))
    assert import_records(engine, sid, source).imported == 2
    out = io.StringIO()
    assert export_records(engine, sid, out, "json") == 2
    copy = tmp_path / "copy.json"
    copy.write_text(out.getvalue())
    target = create_store(engine, "Target")
    import_records(engine, target, copy)
    assert [(r.key, r.data) for r in read_page(engine, RecordQuery(target), 0, 10)] == [
        (r.key, r.data) for r in read_page(engine, RecordQuery(sid), 0, 10)]
    record = get_record(engine, target, "k1")
    assert record is not None and record.data == {"n": 1, "nested": {"a": [1, 2]}}


def test_csv_export_has_a_column_per_field(engine: Engine, tmp_path: Path) -> None:
    sid = create_store(engine, "Plain")
    source = tmp_path / "in.json"
    source.write_bytes(orjson.dumps([{"key": "a", "x": 1}, {"key": "b", "y": [1]}]))
    import_records(engine, sid, source)
    out = io.StringIO()
    export_records(engine, sid, out, "csv")
    assert out.getvalue() == "key,x,y\na,1,\nb,,[1]\n"


def test_the_fast_csv_path_stores_what_the_general_one_does(engine: Engine,
                                                           tmp_path: Path) -> None:
    from engine.store.data_structures import coerce_record

    spec = [{"name": "t", "type": "text"}, {"name": "n", "type": "number"},
            {"name": "i", "type": "uinteger"}, {"name": "b", "type": "boolean"},
            {"name": "d", "type": "date"}]
    structure = create_structure(engine, "Typed", spec)
    sid = create_store(engine, "Typed", structure_id=structure.id)
    source = tmp_path / "typed.csv"
    source.write_text("key,t,n,i,b,d,extra\nr1, a ,1.50,7,yes,2026-12-07T10:00:00Z,x\n"
                      "r2,b,-2,-1,no,2026-12-07,\n")
    result = import_records(engine, sid, source)
    assert (result.imported, result.problems) == (1, ["row 2: i: must not be negative"])
    record = get_record(engine, sid, "r1")
    row = {"t": " a ", "n": "1.50", "i": "7", "b": "yes", "d": "2026-12-07T10:00:00Z",
           "extra": "x"}
    assert record is not None and record.data == coerce_record(row, structure.spec)
