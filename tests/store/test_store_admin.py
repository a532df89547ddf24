"""Managing data stores and their records by hand, while runs use them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from sqlalchemy.engine import Engine

from engine.store.data_structures import create_structure
from engine.store.datastore import DataStoreSession
from engine.store.record_edits import (
    RecordInvalid,
    delete_all_records,
    delete_records,
    save_record,
)
from engine.store.record_pages import RecordQuery, count_records, get_record, read_page
from engine.store.state_db import open_state_engine
from engine.store.store_admin import (
    StoreError,
    create_store,
    delete_store,
    find_store,
    list_stores,
    scenarios_using,
    update_store,
)

# State on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("backend")


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_state_engine(tmp_path)
    yield engine
    engine.dispose()


def test_create_rename_delete_and_list_with_counts(engine: Engine) -> None:
    first = create_store(engine, "Contacts")
    second = create_store(engine, "Orders", max_size_mb=1)
    assert (first, second) == ("1", "2")
    save_record(engine, first, "a", {"email": "a@example.com"})
    update_store(engine, first, name="People")
    stores = {s.id: s for s in list_stores(engine)}
    assert stores["1"].name == "People" and stores["1"].records == 1
    assert stores["1"].size == len("a") + len(orjson.dumps({"email": "a@example.com"}))
    assert stores["2"].records == 0 and stores["2"].max_size_mb == 1
    assert find_store(engine, "Orders") == "2"
    assert delete_store(engine, first) == 1
    assert [s.id for s in list_stores(engine)] == ["2"]
    with pytest.raises(StoreError):
        delete_store(engine, first)


def test_a_store_made_by_a_run_is_listed_and_next_ids_skip_it(engine: Engine) -> None:
    DataStoreSession(engine).put(5, "k", {"n": 1})
    assert create_store(engine, "New") == "6"
    assert [(s.id, s.records) for s in list_stores(engine)] == [("5", 1), ("6", 0)]


def test_records_page_search_and_sort_without_loading_the_store(engine: Engine) -> None:
    sid = create_store(engine, "Many")
    for i in range(250):
        save_record(engine, sid, f"user-{i:03d}", {"n": i})
    query = RecordQuery(sid)
    assert count_records(engine, query) == 250
    page = read_page(engine, query, 100, 50)
    assert [r.key for r in page][:2] == ["user-100", "user-101"] and len(page) == 50
    found = RecordQuery(sid, search="user-12")
    assert count_records(engine, found) == 10
    assert read_page(engine, RecordQuery(sid, order="-key"), 0, 1)[0].key == "user-249"


def test_edits_follow_the_structure_and_name_the_failing_field(engine: Engine) -> None:
    structure = create_structure(engine, "Contact", [
        {"name": "email", "type": "text", "required": True},
        {"name": "score", "type": "number"}], strict=True)
    sid = create_store(engine, "Contacts", structure_id=structure.id)
    assert save_record(engine, sid, "a", {"email": "a@x", "score": "7"}) == {
        "email": "a@x", "score": 7}
    with pytest.raises(RecordInvalid) as caught:
        save_record(engine, sid, "b", {"score": "many", "other": 1})
    assert [p.path for p in caught.value.problems] == ["email", "score", "other"]
    save_record(engine, sid, "a2", {"email": "a@x"}, previous_key="a")
    assert get_record(engine, sid, "a") is None and get_record(engine, sid, "a2") is not None


def test_size_limit_refuses_a_record_that_does_not_fit(engine: Engine) -> None:
    sid = create_store(engine, "Tiny", max_size_mb=1)
    with pytest.raises(StoreError, match="full"):
        save_record(engine, sid, "big", {"blob": "x" * (1024 * 1024)})


def test_delete_and_delete_all_while_a_run_holds_writes(engine: Engine) -> None:
    sid = create_store(engine, "Shared")
    for key in "abc":
        save_record(engine, sid, key, {"v": key})
    run = DataStoreSession(engine, auto_commit=False)
    run.put(sid, "d", {"v": "d"})
    assert delete_records(engine, sid, ["a"]) == 1  # not blocked by the run
    run.commit()
    assert [r.key for r in read_page(engine, RecordQuery(sid), 0, 10)] == ["b", "c", "d"]
    assert delete_all_records(engine, sid) == 3


def test_which_scenarios_use_a_store(tmp_path: Path) -> None:
    (tmp_path / "scenarios").mkdir()
    uses = tmp_path / "scenarios" / "dedupe.blueprint.json"
    uses.write_bytes(orjson.dumps({"flow": [{"id": 1, "module": "builtin:BasicRouter",
        "routes": [{"flow": [{"id": 2, "module": "datastore:GetRecord",
                              "parameters": {"datastore": 3}}]}]}]}))
    other = tmp_path / "scenarios" / "other.blueprint.json"
    other.write_bytes(orjson.dumps({"flow": [{"id": 1, "parameters": {"datastore": 4}}]}))
    assert scenarios_using(tmp_path, "3") == ["dedupe"]


@pytest.mark.parametrize("order", ["key", "-key"])
def test_every_way_to_a_page_finds_the_same_records(engine: Engine, order: str) -> None:
    sid = create_store(engine, "Paged")
    for i in range(95):
        save_record(engine, sid, f"k{i:02d}", {"n": i})
    query = RecordQuery(sid, order=order)  # type: ignore[arg-type]
    everything = [r.key for r in read_page(engine, query, 0, 1000)]
    for offset in (0, 10, 40, 50, 60, 90):
        expected = everything[offset:offset + 10]
        assert [r.key for r in read_page(engine, query, offset, 10)] == expected
        assert [r.key for r in read_page(engine, query, offset, 10, total=95)] == expected
        if offset:
            after = everything[offset - 1]
            assert [r.key for r in read_page(engine, query, offset, 10, after=after)] \
                == expected


def test_counts_and_sizes_follow_every_kind_of_write(engine: Engine) -> None:
    run = DataStoreSession(engine)
    run.put(1, "a", {"n": 1})
    run.put(1, "b", {"n": 2})
    run.put(1, "a", {"n": 1000})  # replaced: one record, a bigger one
    run.delete(1, "b")
    held = DataStoreSession(engine, auto_commit=False)
    held.put(1, "c", {"n": 3})
    held.commit()
    sid = create_store(engine, "Other")
    save_record(engine, sid, "x", {"n": 1})
    expected = len("a") + len(b'{"n":1000}') + len("c") + len(b'{"n":3}')
    assert [(s.id, s.records, s.size) for s in list_stores(engine)] == [
        ("1", 2, expected), (sid, 1, len("x") + len(b'{"n":1}'))]
    run.delete_all(1)
    assert [(s.records, s.size) for s in list_stores(engine)] == [(0, 0), (1, 8)]


@pytest.mark.parametrize("order", ["key", "-key"])
def test_pages_sorted_by_a_field_follow_its_order(engine: Engine, order: str) -> None:
    sid = create_store(engine, "Sorted")
    for i in range(60):
        data: dict[str, object] = {"city": ["Rome", "Oslo", "Lima"][i % 3]} if i % 10 else {}
        save_record(engine, sid, f"k{i:02d}", data)
    descending = order == "-key"
    query = RecordQuery(sid, order=order, sort_field="city")  # type: ignore[arg-type]
    everything = [r.key for r in read_page(engine, RecordQuery(sid), 0, 100)]

    def rank(key: str) -> tuple[int, str, int]:
        city = next(r.data.get("city") for r in read_page(engine, RecordQuery(sid, search=key),
                                                          0, 1))
        position = everything.index(key)  # creation order
        return (0 if city is None else 1, city or "", position)

    expected = sorted(everything, key=rank, reverse=descending)
    for offset in (0, 7, 25, 31, 50, 55):
        page = read_page(engine, query, offset, 9, total=60)
        assert [r.key for r in page] == expected[offset:offset + 9]


def test_a_full_store_refuses_run_writes_and_stops_an_import(engine: Engine,
                                                             tmp_path: Path) -> None:
    from engine.errors import ModuleError
    from engine.store.record_io import import_records

    sid = create_store(engine, "Tiny", max_size_mb=1)
    run = DataStoreSession(engine)
    run.put(sid, "small", {"text": "x" * 1000})
    with pytest.raises(ModuleError) as caught:
        run.put(sid, "big", {"text": "x" * (1024 * 1024)})
    assert caught.value.name == "OutOfSpaceError" and "is full" in caught.value.message
    assert [r.key for r in read_page(engine, RecordQuery(sid), 0, 10)] == ["small"]
    held = DataStoreSession(engine, auto_commit=False)
    held.put(sid, "big", {"text": "x" * (1024 * 1024)})
    with pytest.raises(ModuleError, match="is full"):
        held.commit()
    source = tmp_path / "many.csv"
    source.write_text("key,text\n" + "".join(f"k{i},{'y' * 100}\n" for i in range(30_000)))
    result = import_records(engine, sid, source)
    assert result.full and result.imported == 0  # the first batch alone is over the limit
    assert [r.key for r in read_page(engine, RecordQuery(sid), 0, 10)] == ["small"]
