"""The connection store: metadata in state.db, secrets in the keyring (one entry per id),
Make's numeric ids mapped to local connections, and a clear refusal without a store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from engine.connections import (
    ConnectionStore,
    ConnectionStoreError,
    create_connection,
    edit_connection,
    find_type,
)
from engine.secrets import SERVICE, NoStore
from engine.store.state_db import state_db_path
from tests.conftest import MemoryKeyring

BASIC = find_type("http:basicauth", None)
PASSWORD = "pa55-word-91x"


def state_cells(workspace: Path) -> str:
    conn = sqlite3.connect(state_db_path(workspace))
    try:
        rows = conn.execute("SELECT * FROM connection").fetchall()
        rows += conn.execute("SELECT * FROM connection_import").fetchall()
    finally:
        conn.close()
    return repr(rows)


def test_secrets_go_to_the_keyring_and_metadata_to_state_db(
        tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    store = ConnectionStore(tmp_path)
    added = create_connection(store, BASIC, "Office", {"username": "ada", "password": PASSWORD},
                              make_id=4242)
    assert len(added.id) == 32 and added.kind == "basic"
    assert list(memory_keyring.entries) == [(SERVICE, added.id)]
    assert PASSWORD in memory_keyring.entries[(SERVICE, added.id)]
    assert PASSWORD not in state_cells(tmp_path) and "ada" in state_cells(tmp_path)
    assert PASSWORD not in repr(added) and PASSWORD not in repr(added.public())

    [listed] = store.list()
    assert listed.public()["secret_fields"] == ["password"] and listed.secrets == {}
    assert listed.make_ids == ["4242"]
    for reference in (4242, "4242", 4242.0, added.id):
        found = store.resolve(reference)
        assert found is not None and found.values() == {"username": "ada",
                                                          "password": PASSWORD}
    assert store.resolve(4243) is None and store.resolve("") is None


def test_ids_are_unique_across_workspaces(tmp_path: Path) -> None:
    ids = {create_connection(ConnectionStore(tmp_path / str(i)), BASIC, "x",
                             {"username": "u", "password": PASSWORD}).id for i in range(5)}
    assert len(ids) == 5


def test_edit_changes_values_and_keeps_the_other_secrets(tmp_path: Path) -> None:
    store = ConnectionStore(tmp_path)
    added = create_connection(store, BASIC, "Office", {"username": "ada", "password": PASSWORD})
    edit_connection(store, BASIC, added.id, {"username": "grace"}, name="Lab")
    found = store.resolve(added.id)
    assert found is not None and found.name == "Lab"
    assert found.values() == {"username": "grace", "password": PASSWORD}
    edit_connection(store, BASIC, added.id, {"password": "n3w-secret"})
    assert store.require(added.id).secrets == {"password": "n3w-secret"}


def test_values_are_checked_against_the_type(tmp_path: Path) -> None:
    store = ConnectionStore(tmp_path)
    with pytest.raises(ConnectionStoreError, match="needs password"):
        create_connection(store, BASIC, "x", {"username": "u"})
    with pytest.raises(ConnectionStoreError, match="no field 'pasword'"):
        create_connection(store, BASIC, "x", {"username": "u", "pasword": "p"})
    key = create_connection(store, find_type("http:apikeyauth", None), "k", {"key": "k-123"})
    assert key.fields == {"placement": "header", "name": "Authorization"}
    assert [c.id for c in store.list()] == [key.id]


def test_delete_removes_metadata_mapping_and_secret(
        tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    store = ConnectionStore(tmp_path)
    added = create_connection(store, BASIC, "x", {"username": "u", "password": PASSWORD},
                              make_id=7)
    assert store.delete(added.id)
    assert store.list() == [] and store.resolve(7) is None and memory_keyring.entries == {}
    assert not store.delete(added.id)


def test_without_a_secret_store_nothing_is_stored(tmp_path: Path) -> None:
    store = ConnectionStore(tmp_path, NoStore())
    with pytest.raises(ConnectionStoreError, match="SCENARIST_MASTER_PASSWORD"):
        create_connection(store, BASIC, "x", {"username": "u", "password": PASSWORD})
    assert store.list() == []
