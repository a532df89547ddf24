"""A structure generated from a sample, and validation that names the failing field."""

from __future__ import annotations

from engine.store.structure_check import validate
from engine.store.structure_sample import fields_from_sample

ORDER = {
    "id": "A-1", "total": 12.5, "paid": True, "placed": "2026-12-07T10:00:00Z",
    "customer": {"email": "a@example.com", "vip": False},
    "items": [{"sku": "X", "qty": 2}], "tags": ["new"],
}


def _shape(fields: list) -> list:  # type: ignore[type-arg]
    return [(f.name, f.type) for f in fields]


def test_a_sample_gives_makes_field_types_nested() -> None:
    fields = fields_from_sample(ORDER)
    assert _shape(fields) == [("id", "text"), ("total", "number"), ("paid", "boolean"),
                              ("placed", "date"), ("customer", "collection"),
                              ("items", "array"), ("tags", "array")]
    assert fields[4].spec == [{"name": "email", "type": "text"},
                              {"name": "vip", "type": "boolean"}]
    assert fields[5].spec == [{"name": "sku", "type": "text"}, {"name": "qty", "type": "number"}]
    assert fields[6].spec == {"type": "text"}


def test_the_sample_itself_validates() -> None:
    assert validate(ORDER, fields_from_sample(ORDER)) == []


def test_problems_name_the_field_path() -> None:
    spec = fields_from_sample(ORDER)
    bad = {**ORDER, "total": "lots", "customer": {"email": "a", "vip": "maybe"},
           "items": [{"sku": "X", "qty": 1}, {"sku": "Y", "qty": "two"}]}
    assert [str(p) for p in validate(bad, spec)] == [
        "total: 'lots' is not a number",
        "customer.vip: 'maybe' is not a boolean",
        "items[2].qty: 'two' is not a number",
    ]


def test_required_fields_and_strict_mode() -> None:
    spec = [{"name": "email", "type": "text", "required": True}]
    assert [p.path for p in validate({}, spec)] == ["email"]
    assert validate({"email": "a", "extra": 1}, spec) == []
    assert [str(p) for p in validate({"email": "a", "extra": 1}, spec, strict=True)] == [
        "extra: is not part of the data structure"]
