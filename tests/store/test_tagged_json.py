"""Tagged JSON in one orjson call writes exactly what the value walk writes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest

from engine.store.tagged_json import decode_value, dumps_tagged, encode_value

PARIS = timezone(timedelta(hours=1))

VALUES: list[Any] = [
    None, 1, -2.5, "text", True, [], {},
    {"items": [{"n": i, "name": f"item {i}"} for i in range(50)]},
    {"at": datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=PARIS)},
    {"naive": datetime(2026, 1, 2, 3, 4, 5)},  # read as UTC
    {"on": date(2026, 1, 2)},  # a date without a time: orjson's own text, as before
    {"file": b"\x00\x01\xffbinary", "more": bytearray(b"abc")},
    ("a", "tuple", b"x"),
    {"$date": "not a date"},  # a user collection that looks like a tag: wrapped
    {"$buffer": "AAAA"},
    {"$object": {"x": 1}},
    {"deep": [{"$date": 1}, {"$date": datetime(2026, 1, 1, tzinfo=UTC)}]},
    {"$date": 1, "other": 2},  # two keys: no tag, not wrapped
    {"text": '{"$date":"2026-01-01"}', 'key "$date":': 'quoted "$buffer": inside'},
    {1: "a non-text key", 2.5: [b"x"]},
    {"nan": float("nan"), "inf": float("inf")},
]


@pytest.mark.parametrize("value", VALUES)
def test_dumps_tagged_is_the_walk_in_one_call(value: Any) -> None:
    assert dumps_tagged(value) == orjson.dumps(encode_value(value))


def test_what_orjson_refuses_fails_as_it_did() -> None:
    with pytest.raises(TypeError):
        dumps_tagged({"big": 2**70})
    with pytest.raises(TypeError):
        orjson.dumps(encode_value({"big": 2**70}))


def test_typed_values_come_back() -> None:
    value = {"at": datetime(2026, 1, 2, tzinfo=UTC), "file": b"\x00\xff",
             "$date": "user", "list": [{"$buffer": "kept"}]}
    assert decode_value(orjson.loads(dumps_tagged(value))) == value
