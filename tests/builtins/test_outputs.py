"""A module's outputs are known before any run, from its declaration and its settings
(what the Mapping panel lists): a plain webhook outputs neither headers nor method."""

from __future__ import annotations

from typing import Any

from engine.registry import default_registry
from engine.spec import FieldSpec, OutputContext, field_specs

REGISTRY = default_registry()


def names(module: str, parameters: dict[str, Any] | None = None,
          mapper: dict[str, Any] | None = None, context: OutputContext | None = None
          ) -> list[str]:
    spec = REGISTRY.get(module)
    assert spec is not None
    return [f.name for f in spec.output_fields(parameters or {}, mapper or {}, context)]


def test_a_plain_webhook_outputs_no_headers_and_no_method() -> None:
    assert names("gateway:CustomWebHook", {"hook": 1, "maxResults": 1}) == []


def test_webhook_headers_and_method_follow_its_settings_or_its_hook() -> None:
    assert names("gateway:CustomWebHook", {"method": True}) == ["__IMTMETHOD__"]
    hook = OutputContext(hook=lambda: {"headers": True, "method": True})
    assert names("gateway:CustomWebHook", {}, context=hook) == ["__IMTHEADERS__",
                                                                "__IMTMETHOD__"]


def test_webhook_body_fields_from_its_data_structure_or_what_make_exported() -> None:
    structures = {"7": [{"name": "email", "type": "email"}, {"name": "age", "type": "number"}]}
    context = OutputContext(structure=structures.get, hook=lambda: {"data_structure": "7"})
    assert names("gateway:CustomWebHook", context=context) == ["email", "age"]
    exported = OutputContext(exported=[{"name": "name", "type": "text"},
                                       {"name": "__IMTMETHOD__", "type": "text"}])
    assert names("gateway:CustomWebHook", context=exported) == ["name"]  # method is off
    raw = OutputContext(hook=lambda: {"stringify": True})
    assert names("gateway:CustomWebHook", context=raw) == ["value"]


def test_variables_list_their_names() -> None:
    assert names("util:SetVariable2", mapper={"name": "total", "value": "1"}) == ["total"]
    assert names("util:SetVariable2", mapper={"name": "{{1.key}}"}) == []  # known at run time
    assert names("util:SetVariables", mapper={"variables": [
        {"name": "first name", "value": "a"}, {"name": "age", "value": "2"}]}) == [
        "first name", "age"]
    assert names("util:GetVariables", mapper={"variables": [{"value": "age"}]}) == ["age"]


def test_parse_json_lists_its_data_structure() -> None:
    structures = {"3": [{"name": "id", "type": "number"},
                        {"name": "tags", "type": "array", "spec": {"type": "text"}}]}
    context = OutputContext(structure=lambda key: structures.get(str(key)))
    assert names("json:ParseJSON", {"type": 3}, context=context) == ["id", "tags"]
    assert names("json:ParseJSON", {}) == []


def test_iterator_outputs_the_items_of_the_mapped_array() -> None:
    item = [FieldSpec(name="sku", label="SKU")]
    context = OutputContext(fields_at=lambda ref: item if ref == "{{1.items}}" else None)
    assert names("builtin:BasicFeeder", mapper={"array": "{{1.items}}"}, context=context) == [
        "sku", "__IMTINDEX__", "__IMTLENGTH__"]
    assert names("builtin:BasicFeeder", mapper={"array": "{{9.x}}"}) == [
        "value", "__IMTINDEX__", "__IMTLENGTH__"]


def test_array_aggregator_outputs_its_aggregated_fields() -> None:
    spec = REGISTRY.get("builtin:BasicAggregator")
    assert spec is not None
    (array,) = spec.output_fields({"feeder": 2}, {"sku": "{{2.sku}}", "qty": "{{2.qty}}"})
    assert array.name == "array" and [f.name for f in array.spec or []] == ["sku", "qty"]


def test_modules_without_settings_dependent_outputs_keep_their_interface() -> None:
    assert names("util:ComposeTransformer") == ["value"]


def test_field_specs_reads_make_field_dicts_leniently() -> None:
    specs = field_specs([{"name": "a", "type": "weird", "extra": 1}, {"type": "text"},
                         {"name": "b", "type": "collection", "spec": [{"name": "c"}]}])
    assert [(s.name, s.type) for s in specs] == [("a", "any"), ("b", "collection")]
    assert [c.name for c in specs[1].spec or []] == ["c"]


def test_new_modules_start_with_makes_defaults() -> None:
    spec = REGISTRY.get("util:SetVariable2")
    assert spec is not None
    assert spec.default_settings()["mapper"] == {"scope": "roundtrip"}  # "One cycle"


def test_every_builtin_select_option_has_makes_label() -> None:
    """Dropdowns show "No authentication" and "POST", never `noAuth` or `post`."""
    bare: list[str] = []

    def walk(fields: list[FieldSpec], module: str) -> None:
        for f in fields:
            bare.extend(f"{module}.{f.name}={o!r}" for o in f.options or []
                        if not isinstance(o, dict) or not o.get("label"))
            walk(f.spec or [], module)

    for spec in REGISTRY.all():
        walk([*spec.parameters, *spec.mapper], spec.id)
    assert bare == []
