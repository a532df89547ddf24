"""Data structures: stored entities and coercion of record fields to their types."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.errors import ModuleError
from engine.store.data_structures import (
    DataStructure,
    coerce_record,
    delete_structure,
    get_structure,
    list_structures,
    save_structure,
)
from engine.store.state_db import open_state_engine

CONTACT = DataStructure.model_validate({
    "id": "77",
    "name": "Contact",
    "strict": True,
    "spec": [
        {"name": "email", "type": "text", "required": True, "multiline": False},
        {"name": "score", "type": "number"},
        {"name": "vip", "type": "boolean"},
        {"name": "seen", "type": "date"},
        {"name": "tags", "type": "array", "spec": {"type": "text"}},
        {"name": "address", "type": "collection",
         "spec": [{"name": "zip", "type": "text"}, {"name": "since", "type": "date"}]},
    ],
})


def test_structures_are_stored_with_makes_field_shape(tmp_path: Path) -> None:
    engine = open_state_engine(tmp_path)
    try:
        save_structure(engine, CONTACT)
        loaded = get_structure(engine, 77)
        assert loaded == CONTACT
        assert loaded is not None and loaded.spec[0].model_extra == {"multiline": False}
        assert [s.id for s in list_structures(engine)] == ["77"]
        assert get_structure(engine, "unknown") is None and get_structure(engine, None) is None
        delete_structure(engine, "77")
        assert get_structure(engine, "77") is None
    finally:
        engine.dispose()


def test_fields_are_read_as_their_types() -> None:
    record = coerce_record(
        {"email": 5, "score": "12.5", "vip": "false", "seen": "2024-05-01T10:00:00Z",
         "tags": ["a", 1], "address": {"zip": 12345, "since": "2020-01-01"}},
        CONTACT.spec,
    )
    assert record == {
        "email": "5", "score": 12.5, "vip": False,
        "seen": datetime(2024, 5, 1, 10, tzinfo=UTC), "tags": ["a", "1"],
        "address": {"zip": "12345", "since": datetime(2020, 1, 1, tzinfo=UTC)},
    }


def test_bad_values_and_unknown_fields_in_strict_structures_are_data_errors() -> None:
    with pytest.raises(ModuleError) as bad:
        coerce_record({"score": "many"}, CONTACT.spec)
    assert bad.value.name == "DataError" and "score" in bad.value.message
    with pytest.raises(ModuleError):
        coerce_record({"other": 1}, CONTACT.spec, strict=True)
    assert coerce_record({"other": 1}, CONTACT.spec, strict=False) == {"other": 1}


def test_no_structure_keeps_the_mapper_fields() -> None:
    assert coerce_record({"anything": [1]}, None) == {"anything": [1]}
