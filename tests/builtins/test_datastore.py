"""Data store modules over a real state.db in tmp_path."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from engine.builtins import datastore as ds
from engine.context import RunServices
from engine.errors import ModuleError
from engine.spec import ModuleCall
from engine.store.data_structures import DataStructure, save_structure
from engine.store.datastore import datastore_session, set_store_structure
from engine.store.state_db import state_engine

STORE = {"datastore": 1}


def call(impl: Any, run: RunServices, mapper: dict[str, Any] | None = None,
         parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    scope: Any = SimpleNamespace()
    params = STORE if parameters is None else parameters
    return impl(ModuleCall(3, params, mapper or {}, run, scope))


@pytest.fixture
async def new_run(tmp_path: Path) -> Any:
    runs: list[RunServices] = []

    def make(**kw: Any) -> RunServices:
        run = RunServices(data_dir=tmp_path, **kw)
        runs.append(run)
        return run

    yield make
    for run in runs:
        await run.aclose()


async def test_dedupe_pattern_across_runs(new_run: Any) -> None:
    """ExistRecord -> AddRecord, as the datastore-dedupe acceptance case, over two runs."""
    first = new_run()
    assert call(ds.exist_record, first, {"key": "rec-1"}) == [{"exist": False}]
    added = call(ds.add_record, first, {"key": "rec-1", "overwrite": False,
                                        "data": {"email": "first@example.com"}})
    assert added == [{"key": "rec-1", "email": "first@example.com"}]
    await first.aclose()
    second = new_run()
    assert call(ds.exist_record, second, {"key": "rec-1"}) == [{"exist": True}]
    assert call(ds.exist_record, second, {"key": "rec-2"}) == [{"exist": False}]


async def test_add_without_overwrite_refuses_a_duplicate_key(new_run: Any) -> None:
    run = new_run()
    call(ds.add_record, run, {"key": "k", "data": {"v": 1}})
    with pytest.raises(ModuleError) as caught:
        call(ds.add_record, run, {"key": "k", "data": {"v": 2}, "overwrite": False})
    assert caught.value.name == "DataError" and "k" in caught.value.message
    call(ds.add_record, run, {"key": "k", "data": {"v": 3}, "overwrite": True})
    assert call(ds.get_record, run, {"key": "k"}) == [{"v": 3}]


async def test_add_with_empty_key_generates_one(new_run: Any) -> None:
    run = new_run()
    [out] = call(ds.add_record, run, {"key": "", "data": {"v": 1}})
    assert len(out["key"]) >= 32
    assert call(ds.get_record, run, {"key": out["key"]}) == [{"v": 1}]


async def test_get_record_plain_wrapped_and_missing(new_run: Any) -> None:
    run = new_run()
    when = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    call(ds.add_record, run, {"key": "k", "data": {"email": "a@x", "at": when}})
    assert call(ds.get_record, run, {"key": "k"}) == [{"email": "a@x", "at": when}]
    assert call(ds.get_record, run, {"key": "k", "returnWrapped": True}) == [
        {"key": "k", "data": {"email": "a@x", "at": when}}]
    assert call(ds.get_record, run, {"key": "nope"}) == [{}]


async def test_empty_key_or_missing_store_is_a_data_error(new_run: Any) -> None:
    run = new_run()
    with pytest.raises(ModuleError) as no_key:
        call(ds.get_record, run, {"key": ""})
    with pytest.raises(ModuleError) as no_store:
        call(ds.exist_record, run, {"key": "k"}, parameters={})
    assert no_key.value.name == no_store.value.name == "DataError"


async def test_update_merges_fields_and_appends_arrays(new_run: Any) -> None:
    run = new_run()
    call(ds.add_record, run, {"key": "k", "data": {"name": "Ada", "ids": [1], "n": 1}})
    [out] = call(ds.update_record, run, {"key": "k", "data": {"ids": [2, 3], "n": 2}})
    assert out == {"key": "k", "name": "Ada", "ids": [1, 2, 3], "n": 2}
    call(ds.update_record, run, {"key": "k", "data": {"ids": [9]}, "overwriteArrays": True})
    assert call(ds.get_record, run, {"key": "k"}) == [{"name": "Ada", "ids": [9], "n": 2}]


async def test_update_of_a_missing_record_needs_upsert(new_run: Any) -> None:
    run = new_run()
    with pytest.raises(ModuleError) as caught:
        call(ds.update_record, run, {"key": "ghost", "data": {"v": 1}, "upsert": False})
    assert caught.value.name == "DataError"
    call(ds.update_record, run, {"key": "ghost", "data": {"v": 1}, "upsert": True})
    assert call(ds.get_record, run, {"key": "ghost"}) == [{"v": 1}]


async def test_delete_delete_all_and_count(new_run: Any) -> None:
    run = new_run()
    for key in ("a", "b", "c"):
        call(ds.add_record, run, {"key": key, "data": {"k": key}})
    assert call(ds.count_records, run) == [{"count": 3}]
    assert call(ds.delete_record, run, {"key": "b"}) == [{}]
    assert call(ds.delete_record, run, {"key": "b"}) == [{}]  # already gone: no error
    assert call(ds.count_records, run) == [{"count": 2}]
    assert call(ds.delete_all_records, run) == [{}]
    assert call(ds.count_records, run) == [{"count": 0}]


async def test_search_filters_sorts_and_limits(new_run: Any) -> None:
    run = new_run()
    people = {"p1": {"name": "Cy", "age": 40, "team": "a"},
              "p2": {"name": "Ada", "age": 36, "team": "b"},
              "p3": {"name": "Bo", "age": 9, "team": "a"},
              "p4": {"name": "Di", "age": 50, "team": "a"}}
    for key, data in people.items():
        call(ds.add_record, run, {"key": key, "data": data})
    found = call(ds.search_records, run, {
        "filter": [[{"a": "team", "o": "text:equal", "b": "a"},
                    {"a": "age", "o": "number:greater", "b": "10"}],
                   [{"a": "key", "o": "text:equal", "b": "p2"}]],
        "sort": [{"key": "name", "order": "asc"}],
    }, parameters={**STORE, "limit": None, "continueWhenNoRes": False})
    assert [b["key"] for b in found] == ["p2", "p1", "p4"]
    assert found[0] == {"key": "p2", "data": people["p2"]}
    by_age = call(ds.search_records, run, {"filter": [], "sort": [{"key": "age", "order": -1}]},
                  parameters={**STORE, "limit": 2})
    assert [b["key"] for b in by_age] == ["p4", "p1"]


async def test_search_without_results(new_run: Any) -> None:
    run = new_run()
    none = {"filter": [[{"a": "x", "o": "exist"}]], "sort": []}
    assert call(ds.search_records, run, none) == []
    assert call(ds.search_records, run, none,
                parameters={**STORE, "continueWhenNoRes": True}) == [{}]


async def test_held_writes_follow_commit_and_rollback(new_run: Any) -> None:
    run = new_run(auto_commit=False)
    call(ds.add_record, run, {"key": "k", "data": {"v": 1}})
    assert call(ds.exist_record, run, {"key": "k"}) == [{"exist": True}]  # the run sees it
    observer = new_run()
    assert call(ds.exist_record, observer, {"key": "k"}) == [{"exist": False}]
    [session] = run.transactional()
    session.rollback()
    assert call(ds.exist_record, run, {"key": "k"}) == [{"exist": False}]
    call(ds.add_record, run, {"key": "k2", "data": {"v": 2}})
    session.commit()
    assert call(ds.get_record, observer, {"key": "k2"}) == [{"v": 2}]


async def test_records_follow_the_stores_data_structure(new_run: Any, tmp_path: Path) -> None:
    engine = state_engine(tmp_path)
    save_structure(engine, DataStructure.model_validate({
        "id": "9", "name": "Lead", "spec": [{"name": "score", "type": "number"},
                                             {"name": "at", "type": "date"}]}))
    set_store_structure(engine, 1, "9", name="Leads")
    run = new_run()
    [out] = call(ds.add_record, run, {"key": "k", "data": {"score": "42", "at": "2024-02-03"}})
    assert out == {"key": "k", "score": 42, "at": datetime(2024, 2, 3, tzinfo=UTC)}
    with pytest.raises(ModuleError):
        call(ds.add_record, run, {"key": "bad", "data": {"score": "lots"}})


async def test_unknown_structure_id_still_works(new_run: Any, tmp_path: Path) -> None:
    set_store_structure(state_engine(tmp_path), 1, "404")
    run = new_run()
    call(ds.add_record, run, {"key": "k", "data": {"free": "form"}})
    assert call(ds.get_record, run, {"key": "k"}) == [{"free": "form"}]


async def test_without_a_data_dir_a_temporary_workspace_is_used() -> None:
    run = RunServices(data_dir=None)
    call(ds.add_record, run, {"key": "k", "data": {"v": 1}})
    folder = datastore_session(run)._temp_dir
    assert folder is not None and (folder / "state.db").exists()
    await run.aclose()
    assert not folder.exists()


def test_declarations() -> None:
    specs = {spec.id: spec for spec in ds.MODULES}
    assert set(specs) == {
        "datastore:AddRecord", "datastore:UpdateRecord", "datastore:GetRecord",
        "datastore:ExistRecord", "datastore:DeleteRecord", "datastore:DeleteAllRecords",
        "datastore:CountRecords", "datastore:SearchRecord", "datastore:Stats"}
    assert specs["datastore:SearchRecord"].kind == "search"
    assert specs["datastore:AddRecord"].transactional
